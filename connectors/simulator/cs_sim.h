/* cs_sim.h - a deterministic simulated regional economy: one province,
 * three industry chains, a few thousand enterprises linked by multi-tier
 * supply links, stepped one day at a time. Every fact it produces is a
 * canonical CloudEvent (docs/events.md) handed to an emit callback; the
 * same options and seed give a byte-identical event stream. No I/O here:
 * cs-simulator (main.c) owns Kafka, stdout, HTTP and pacing. */
#ifndef CS_SIM_H
#define CS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"
#include "cs_json.h"

#define CS_SIM_TARGET_BYTES 24
#define CS_SIM_SPEC_BYTES   128

typedef struct cs_sim cs_sim;

typedef struct cs_sim_opts {
    uint64_t seed;
    uint32_t n_enterprises;  /* 50 .. 100000 */
    int32_t start_day;       /* days since 1970-01-01 of simulated day 0 */
    uint32_t warmup_days;    /* simulated silently before day 0 */
    const char *source;      /* CloudEvents source, borrowed */
    const char *risk_tenant; /* tenantid of cs.risk_event.v1, borrowed */
} cs_sim_opts;

/* Receives one event: topic, Kafka key and the JSON text (not
 * NUL-terminated, valid until the callback returns). A status other than
 * CS_OK stops the step and is returned by it. */
typedef cs_status (*cs_sim_emit_fn)(void *ctx, const char *topic,
                                    const char *key, const char *json,
                                    size_t len, cs_err *err);

typedef enum cs_sim_kind {
    CS_SIM_FLOOD,
    CS_SIM_POWER_CUT,
    CS_SIM_BANKRUPTCY,
    CS_SIM_DEMAND,
} cs_sim_kind;

/* A disruption. target: a GB/T 2260 prefix of 2-6 digits (flood, power
 * cut: "3301" is Hangzhou), a credit code or "auto" (bankruptcy: auto is
 * the supplier with the most single-sourced buyers), or a chain "nev",
 * "electronics", "textiles", "all" (demand). */
typedef struct cs_sim_scenario {
    cs_sim_kind kind;
    char target[CS_SIM_TARGET_BYTES];
    int32_t day;       /* simulated day it starts; -1: the next day */
    uint32_t days;     /* how long; 0: for good (bankruptcy) */
    uint32_t severity; /* 1..5 */
    double factor;     /* demand: multiplier of final demand */
} cs_sim_scenario;

/* "flood:3301:day=30:days=10:severity=4", "power_cut:3302",
 * "bankruptcy:auto:day=20", "demand:nev:factor=0.5:days=30". Missing
 * keys get the kind's defaults (see docs/simulator.md). */
cs_status cs_sim_scenario_parse(const char *spec, cs_sim_scenario *out,
                                cs_err *err);
/* The same from a JSON object: {"spec":"flood:3301"} or
 * {"kind":"flood","target":"3301","day":30,"days":10,"severity":4,
 *  "factor":1.5}. */
cs_status cs_sim_scenario_from_json(const cs_jval *obj, cs_sim_scenario *out,
                                    cs_err *err);
/* Writes the canonical spec text of sc into buf. */
void cs_sim_scenario_format(const cs_sim_scenario *sc, char *buf,
                            size_t buf_bytes);

/* Builds the region. emit and ctx are kept for every later call. */
cs_status cs_sim_new(const cs_sim_opts *o, cs_sim_emit_fn emit, void *ctx,
                     cs_sim **out, cs_err *err);
void cs_sim_free(cs_sim *s); /* NULL is a no-op */

/* Emits the master data: enterprises, products, supply links. */
cs_status cs_sim_emit_master(cs_sim *s, cs_err *err);
/* Simulates and emits the next day. */
cs_status cs_sim_step(cs_sim *s, cs_err *err);
/* Schedules a scenario; day -1 becomes the next day, a past day too, and
 * "auto" the credit code it chose: sc is updated to what was scheduled.
 * CS_E_INVALID when its target matches nothing. */
cs_status cs_sim_add_scenario(cs_sim *s, cs_sim_scenario *sc, cs_err *err);

/* The next simulated day (0 before the first step). */
int32_t cs_sim_day(const cs_sim *s);
/* Writes "YYYY-MM-DD" of simulated day into buf (11 bytes). */
void cs_sim_date(const cs_sim *s, int32_t day, char buf[11]);

/* Read-only view for tests and the summary. */
typedef struct cs_sim_ent_info {
    const char *uscc;
    const char *region_code;
    const char *chain; /* "nev", "electronics", "textiles" */
    const char *stage; /* e.g. "cells" */
    unsigned tier;     /* 0: final assembly, 1: its suppliers, ... */
    double capacity;   /* units per day */
    double last_output;
    double on_hand;            /* finished goods */
    uint32_t late_deliveries;  /* inbound deliveries after the due day */
    uint32_t short_deliveries; /* inbound lines below the ordered qty */
    uint32_t late_shipped;     /* its deliveries to customers, late */
    uint32_t short_shipped;    /* and short */
} cs_sim_ent_info;

size_t cs_sim_n_enterprises(const cs_sim *s);
void cs_sim_enterprise(const cs_sim *s, size_t i, cs_sim_ent_info *out);
/* Indices of the distinct customers of enterprise i (active links);
 * returns how many, writing at most cap. */
size_t cs_sim_customers(const cs_sim *s, size_t i, size_t *out, size_t cap);

#endif
