/* cs_inventory.h - stock decisions from a demand forecast: safety stock
 * and reorder point for a cycle-service-level or fill-rate target, the
 * standard normal loss function, EOQ and days of cover. Pure formulas,
 * no I/O. Sources and worked examples: docs/models/inventory.md. */
#ifndef CS_INVENTORY_H
#define CS_INVENTORY_H

#include "cs_err.h"

/* Demand per period and lead time in periods (days, weeks, ... as long
 * as both use the same unit). sd fields may be 0. */
typedef struct cs_inv_demand {
    double mean;         /* d: mean demand per period */
    double sd;           /* sigma_d: sd of demand (or forecast error) */
    double lead_time;    /* L: mean lead time in periods */
    double lead_time_sd; /* sigma_L: sd of the lead time in periods */
} cs_inv_demand;

/* sd of demand over the lead time: sqrt(L sigma_d^2 + d^2 sigma_L^2). */
cs_status cs_inv_sigma_ltd(const cs_inv_demand *d, double *out, cs_err *err);

/* Safety stock z * sigma_LTD for a cycle service level csl in (0, 1):
 * the probability of no stock-out in a replenishment cycle. */
cs_status cs_inv_safety_stock_csl(const cs_inv_demand *d, double csl,
                                  double *ss, cs_err *err);

/* Safety stock for a fill-rate target fr in (0, 1) (share of demand met
 * from stock) with order quantity q: solves sigma_LTD G(k) = (1 - fr) q
 * for k, ss = k sigma_LTD. May be negative when q is large. */
cs_status cs_inv_safety_stock_fill_rate(const cs_inv_demand *d, double fr,
                                        double q, double *ss, cs_err *err);

/* Fill rate achieved by safety stock ss and order quantity q:
 * 1 - sigma_LTD G(ss / sigma_LTD) / q. */
cs_status cs_inv_fill_rate(const cs_inv_demand *d, double ss, double q,
                           double *fr, cs_err *err);

/* Standard normal loss function G(k) = phi(k) - k (1 - Phi(k)). */
double cs_inv_normal_loss(double k);

/* Reorder point d L + ss. */
cs_status cs_inv_reorder_point(const cs_inv_demand *d, double ss, double *rop,
                               cs_err *err);

/* Economic order quantity sqrt(2 D S / H): D demand per year, S cost per
 * order, H holding cost per unit and year. */
cs_status cs_inv_eoq(double annual_demand, double order_cost,
                     double holding_cost, double *q, cs_err *err);

/* Days of cover on_hand / daily demand; +Inf when demand is zero. */
cs_status cs_inv_days_of_cover(double on_hand, double daily_demand,
                               double *days, cs_err *err);

#endif
