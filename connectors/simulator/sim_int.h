/* sim_int.h - the simulator's state: the static tables of the province
 * and its chains, enterprises, supply links, open orders and shipments in
 * transit. Shared by sim_region.c, sim_econ.c, sim_emit.c. */
#ifndef SIM_INT_H
#define SIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_ident.h"
#include "cs_sim.h"

#define SIM_MAX_INPUTS    2
#define SIM_N_CHAINS      3
#define SIM_MAX_SCENARIOS 64
#define SIM_JSON_BYTES    4096

typedef struct sim_city {
    const char *code; /* e.g. "330100" */
    const char *name; /* e.g. "杭州" */
    double lat, lon;
    const char *const *districts; /* GB/T 2260 codes, NULL-terminated */
} sim_city;

typedef struct sim_chain {
    const char *name;      /* "nev" */
    double final_demand;   /* units per day, whole province, at day 0 */
    double trend_per_year; /* growth of final demand */
    double season_amp;     /* amplitude of the yearly cycle */
    int peak_doy;          /* day of year of the seasonal peak */
    double weekend;        /* weekend factor of final sales */
    double city_weight[11];
} sim_chain;

typedef struct sim_stage {
    int chain;
    const char *name;     /* "cells" */
    const char *industry; /* GB/T 4754-2017 class */
    const char *sku;
    const char *product; /* product name */
    const char *unit;
    const char *word;    /* in enterprise names, e.g. "电池" */
    double weight;       /* share of the enterprises */
    double price_cny;    /* per unit */
    int processing_days; /* typical order processing before shipping */
    int n_inputs;
    int input[SIM_MAX_INPUTS];  /* stage indices, always lower */
    double bom[SIM_MAX_INPUTS]; /* input units per output unit */
    const char *channel;        /* sales channel of a final stage, else NULL */
    bool integer_units;         /* PCS, SET: whole numbers */
} sim_stage;

extern const sim_city cs__sim_cities[];
extern const size_t cs__sim_n_cities;
extern const sim_chain cs__sim_chains[];
extern const sim_stage cs__sim_stages[];
extern const size_t cs__sim_n_stages;

typedef struct sim_link {
    uint32_t supplier, buyer;
    uint8_t input; /* slot in the buyer's inputs */
    double share;
    uint32_t lead_time_days;
    uint32_t transit_days;
    double price_factor;
    bool active;
} sim_link;

typedef struct sim_ent {
    char uscc[CS_USCC_LEN + 1];
    char name[128];
    char region[8];
    int city;
    int stage;
    unsigned tier;
    double lat, lon;
    double capacity;     /* units per day */
    double base_demand;  /* expected units per day at design time */
    double exp_demand;   /* smoothed demand for its output */
    double demand_today; /* orders (or market demand) received today */
    double fg;           /* finished goods on hand */
    double backlog;      /* ordered, not yet shipped */
    double last_output;
    double raw[SIM_MAX_INPUTS];
    double on_order[SIM_MAX_INPUTS];
    uint32_t link0[SIM_MAX_INPUTS]; /* first link of each input */
    uint32_t n_links[SIM_MAX_INPUTS];
    uint32_t max_lead[SIM_MAX_INPUTS];
    double avail;         /* capacity available today, 0..1 */
    int32_t bankrupt_day; /* -1: trading */
    int32_t promo_until;
    uint32_t late_in, short_in;   /* inbound deliveries */
    uint32_t late_out, short_out; /* outbound deliveries */
} sim_ent;

typedef struct sim_order {
    uint32_t link;
    char order_id[24];
    double qty, remaining;
    int32_t order_day, due_day;
    uint32_t n_shipments;
} sim_order;

typedef struct sim_shipment {
    uint32_t link;
    char shipment_id[24];
    char order_id[24];
    double ordered, qty;
    int32_t ship_day, arrive_day, due_day;
} sim_shipment;

typedef struct sim_active {
    cs_sim_scenario sc;
    bool started;
    uint32_t n;  /* its number, for the risk id */
    int32_t ent; /* bankruptcy: the enterprise */
    int chain;   /* demand: chain index, -1 all */
} sim_active;

struct cs_sim {
    cs_sim_opts o;
    char source[128];
    char risk_tenant[65];
    char id_prefix[48];
    cs_sim_emit_fn emit;
    void *ctx;
    uint64_t rng[4];
    int32_t day; /* next day to simulate; negative during warm-up */
    bool muted;  /* warm-up: simulate, emit nothing */

    sim_ent *ent;
    size_t n_ent;
    sim_link *link;
    size_t n_link, cap_link;
    uint32_t *stage_first; /* enterprises are grouped by stage */
    uint32_t *stage_count;

    sim_order *ord;
    size_t n_ord, cap_ord;
    sim_shipment *shp;
    size_t n_shp, cap_shp;
    uint32_t day_orders, day_shipments; /* numbering within a day */

    sim_active sc[SIM_MAX_SCENARIOS];
    size_t n_sc;
    uint32_t n_risk;

    char json[SIM_JSON_BYTES];
};

/* sim_region.c */
void cs__sim_seed(cs_sim *s, uint64_t seed);
uint64_t cs__sim_rand(cs_sim *s);
double cs__sim_uniform(cs_sim *s); /* [0, 1) */
double cs__sim_normal(cs_sim *s);
cs_status cs__sim_build(cs_sim *s, cs_err *err);
double cs__sim_round_qty(const sim_stage *st, double q);

/* sim_emit.c */
void cs__sim_date(int32_t abs_day, char buf[11]);
cs_status cs__sim_emit_enterprise(cs_sim *s, const sim_ent *e, cs_err *err);
cs_status cs__sim_emit_product(cs_sim *s, const sim_ent *e, cs_err *err);
cs_status cs__sim_emit_link(cs_sim *s, const sim_link *l, int32_t day,
                            cs_err *err);
cs_status cs__sim_emit_production(cs_sim *s, const sim_ent *e, double output,
                                  cs_err *err);
cs_status cs__sim_emit_sales(cs_sim *s, const sim_ent *e, double qty,
                             double revenue, cs_err *err);
cs_status cs__sim_emit_inventory(cs_sim *s, const sim_ent *e, int slot,
                                 cs_err *err);
cs_status cs__sim_emit_order(cs_sim *s, const sim_order *o, cs_err *err);
cs_status cs__sim_emit_shipment(cs_sim *s, const sim_shipment *sh,
                                bool delivered, cs_err *err);
cs_status cs__sim_emit_risk(cs_sim *s, const sim_active *a, cs_err *err);

#endif
