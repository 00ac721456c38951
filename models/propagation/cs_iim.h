/* cs_iim.h - the inoperability input-output model (IIM) between the
 * sectors of a region (Haimes & Jiang 2001; Santos & Haimes 2004;
 * Haimes et al. 2005): static and dynamic forms. Inoperability q_i is the
 * fraction of sector i's planned output lost, so it lives in [0, 1].
 * Maths and sources: docs/models/propagation.md. */
#ifndef CS_IIM_H
#define CS_IIM_H

#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"

#define CS_IIM_MAX_SECTORS 2000u
#define CS_IIM_MAX_DAYS    3650u

/* Static model: q = A* q + c*, with q capped at 1 (a sector cannot lose
 * more than all its output): solves q = min(1, A* q + c*). a_star is
 * n x n row-major (interdependency matrix, entries >= 0), c_star the
 * demand-side perturbation (n entries in [0, 1]). Writes q (n); q_raw
 * (n, or NULL) gets the uncapped Leontief solution (I - A*)^-1 c*, and
 * *n_saturated (or NULL) the number of sectors held at 1. Fails with
 * CS_E_NUMERIC when I - A* is singular or (I - A*)^-1 is not
 * non-negative (spectral radius of A* >= 1). Borrows every input. */
cs_status cs_iim_static(const double *a_star, size_t n, const double *c_star,
                        double *q, double *q_raw, size_t *n_saturated,
                        cs_err *err);

/* Dynamic model (Haimes et al. 2005, Lian & Haimes 2006), one step a day:
 *   q(t+1) = q(t) + K [A* q(t) + c* - q(t)],  clamped to [0, 1],
 * from q(0) = q0, with K = diag(k) the resilience coefficients (k_i >= 0
 * and k_i (1 - a*_ii) <= 1, so a daily step cannot overshoot). Writes
 * q_t ((days + 1) x n, row t = day t). */
cs_status cs_iim_dynamic(const double *a_star, size_t n, const double *c_star,
                         const double *k, const double *q0, uint32_t days,
                         double *q_t, cs_err *err);

/* Resilience coefficient that takes a sector from q0 to qT in T days
 * when it recovers alone: k = ln(q0 / qT) / (T (1 - a_ii)). */
cs_status cs_iim_resilience(double q0, double q_t, double t_days, double a_ii,
                            double *k, cs_err *err);

#endif
