/* risk_int.h - internals shared by the risk-index files: the scorer's
 * layout and small numeric helpers. Not installed; include cs_risk.h. */
#ifndef RISK_INT_H
#define RISK_INT_H

#include <stddef.h>

#include "cs_risk.h"

struct cs_risk {
    size_t n;                         /* indicators */
    double w[CS_RISK_MAX_INDICATORS]; /* weights, sum 1 */
    cs_risk_thresholds t;
};

/* Median of v[0..n-1], n > 0; reorders v (quickselect, O(n)). */
double cs__risk_median(double *v, size_t n);

#endif
