/* risk_indicators.c - helpers that turn raw supply data into indicators
 * of the risk index: concentration (HHI), variability (CV), production
 * drop against the own baseline (z), and risk-event exposure. */
#include "risk_int.h"

#include <math.h>

cs_status cs_risk_hhi(const double *volume, size_t n, double *hhi, cs_err *err)
{
    double total = 0.0, h = 0.0;

    if (volume == NULL || hhi == NULL || n == 0)
        return cs_err_set(err, CS_E_INVALID, "volumes are empty");
    for (size_t i = 0; i < n; i++) {
        if (!(volume[i] >= 0.0 && isfinite(volume[i])))
            return cs_err_set(err, CS_E_INVALID,
                              "volume %zu must be a non-negative number", i);
        total += volume[i];
    }
    if (!(total > 0.0))
        return cs_err_set(err, CS_E_INVALID, "volumes sum to zero");
    for (size_t i = 0; i < n; i++) {
        double s = volume[i] / total;
        h += s * s;
    }
    *hhi = h;
    return CS_OK;
}

/* Sample mean and standard deviation (two-pass). */
static cs_status mean_sd(const double *x, size_t n, double *mean, double *sd,
                         cs_err *err)
{
    double m = 0.0, ss = 0.0;

    if (x == NULL || n < 2)
        return cs_err_set(err, CS_E_INVALID,
                          "need at least 2 observations, got %zu", n);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return cs_err_set(err, CS_E_INVALID,
                              "observation %zu is not a finite number", i);
        m += x[i];
    }
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *sd = sqrt(ss / (double)(n - 1));
    return CS_OK;
}

cs_status cs_risk_cv(const double *x, size_t n, double *cv, cs_err *err)
{
    double m, sd;
    cs_status rc;

    if (cv == NULL)
        return cs_err_set(err, CS_E_INVALID, "output missing");
    rc = mean_sd(x, n, &m, &sd, err);
    if (rc != CS_OK)
        return rc;
    if (!(m > 0.0))
        return cs_err_set(err, CS_E_INVALID,
                          "coefficient of variation needs a positive mean");
    *cv = sd / m;
    return CS_OK;
}

cs_status cs_risk_baseline_z(const double *history, size_t n, double current,
                             double *z, cs_err *err)
{
    double m, sd;
    cs_status rc;

    if (z == NULL || !isfinite(current))
        return cs_err_set(err, CS_E_INVALID,
                          "current value must be a finite number");
    rc = mean_sd(history, n, &m, &sd, err);
    if (rc != CS_OK)
        return rc;
    if (sd > 0.0)
        *z = (m - current) / sd;
    else if (current == m)
        *z = 0.0;
    else
        *z = current < m ? CS_RISK_Z_FLAT : -CS_RISK_Z_FLAT;
    return CS_OK;
}

cs_status cs_risk_event_exposure(double severity, double distance_km,
                                 double radius_km, double event_start_day,
                                 double event_end_day, double from_day,
                                 double to_day, double *exposure, cs_err *err)
{
    double proximity, overlap;

    if (exposure == NULL)
        return cs_err_set(err, CS_E_INVALID, "output missing");
    if (!(severity >= 0.0 && severity <= 1.0))
        return cs_err_set(err, CS_E_INVALID, "severity must lie in [0, 1]");
    if (!(distance_km >= 0.0 && isfinite(distance_km)) ||
        !(radius_km > 0.0 && isfinite(radius_km)))
        return cs_err_set(err, CS_E_INVALID,
                          "distance must be >= 0 and radius > 0");
    if (!(event_start_day <= event_end_day) || !(from_day < to_day) ||
        !isfinite(event_start_day) || !isfinite(event_end_day) ||
        !isfinite(from_day) || !isfinite(to_day))
        return cs_err_set(err, CS_E_INVALID,
                          "event and window must be finite, start <= end");
    proximity = fmax(0.0, 1.0 - distance_km / radius_km);
    overlap = (fmin(event_end_day, to_day) - fmax(event_start_day, from_day)) /
              (to_day - from_day);
    *exposure = severity * proximity * fmax(0.0, overlap);
    return CS_OK;
}
