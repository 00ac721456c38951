/* test_sim.c - cs_sim with fixed seeds for a few simulated weeks:
 * the same seed gives byte-identical events, every event passes the
 * contract (the decoders cs-ingest uses), and disruptions make the chain
 * react: a flood cuts the city's output and makes its customers' inbound
 * deliveries late or short, a bankruptcy starves single-sourced buyers,
 * a demand shock reaches the final assemblers' sales. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_event.h"
#include "cs_family.h"
#include "cs_ident.h"
#include "cs_json.h"
#include "cs_sim.h"
#include "cs_test.h"

#define N_ENT 300

typedef struct capture {
    uint64_t hash; /* FNV-1a over topic, key and JSON of every event */
    size_t n_events;
    size_t n_by_type[16];
    bool validate;
    size_t n_invalid;
    char first_invalid[512];
    double sales_qty; /* sum of cs.sales.v1 quantities */
} capture;

static const char *const types[] = {
    "cs.enterprise.v1", "cs.product.v1",   "cs.supply_link.v1",
    "cs.order.v1",      "cs.shipment.v1",  "cs.production.v1",
    "cs.sales.v1",      "cs.inventory.v1", "cs.risk_event.v1"};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

static void fnv(uint64_t *h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *h ^= (unsigned char)p[i];
        *h *= 0x100000001b3ull;
    }
}

static void invalid(capture *c, const char *why, const char *json, size_t len)
{
    if (c->n_invalid++ == 0)
        snprintf(c->first_invalid, sizeof(c->first_invalid), "%s: %.*s", why,
                 (int)(len > 300 ? 300 : len), json);
}

static void check_event(capture *c, const char *topic, const char *json,
                        size_t len)
{
    cs_json_doc *doc = NULL;
    cs_event ev;
    cs_record rec;
    const cs_family *f;
    cs_err err = {0};

    memset(&rec, 0, sizeof(rec));
    if (cs_json_parse(json, len, &cs_json_default_limits, &doc, &err) !=
            CS_OK ||
        cs_event_parse(cs_json_root(doc), NULL, &ev, &err) != CS_OK) {
        invalid(c, err.msg, json, len);
        goto out;
    }
    f = cs_family_by_type(ev.type);
    if (f == NULL || !cs_family_on_topic(f, topic)) {
        invalid(c, "type not on its topic", json, len);
        goto out;
    }
    if (cs_record_decode(f, ev.data, &rec, &err) != CS_OK) {
        invalid(c, err.msg, json, len);
        goto out;
    }
    for (size_t i = 0; i < N_TYPES; i++)
        if (strcmp(types[i], ev.type) == 0)
            c->n_by_type[i]++;
    if (strcmp(ev.type, "cs.sales.v1") == 0)
        c->sales_qty += strtod(cs_json_get(ev.data, "quantity")->text, NULL);
out:
    cs_record_clear(&rec);
    cs_json_doc_free(doc);
}

static cs_status on_emit(void *ctx, const char *topic, const char *key,
                         const char *json, size_t len, cs_err *err)
{
    capture *c = ctx;
    (void)err;
    fnv(&c->hash, topic, strlen(topic));
    fnv(&c->hash, key, strlen(key));
    fnv(&c->hash, json, len);
    c->n_events++;
    if (c->validate)
        check_event(c, topic, json, len);
    return CS_OK;
}

static cs_sim *new_sim(uint64_t seed, capture *c)
{
    cs_sim_opts o = {.seed = seed,
                     .n_enterprises = N_ENT,
                     .start_day = 20454, /* 2026-01-01 */
                     .warmup_days = 56,
                     .source = "sim://test",
                     .risk_tenant = "bureau-330000"};
    cs_sim *s = NULL;
    cs_err err = {0};

    memset(c, 0, sizeof(*c));
    c->hash = 0xcbf29ce484222325ull;
    if (cs_sim_new(&o, on_emit, c, &s, &err) != CS_OK)
        fail_msg("cs_sim_new: %s", err.msg);
    return s;
}

static void run_days(cs_sim *s, int days)
{
    cs_err err = {0};
    for (int d = 0; d < days; d++)
        if (cs_sim_step(s, &err) != CS_OK)
            fail_msg("cs_sim_step: %s", err.msg);
}

static void add(cs_sim *s, const char *spec)
{
    cs_sim_scenario sc;
    cs_err err = {0};
    if (cs_sim_scenario_parse(spec, &sc, &err) != CS_OK ||
        cs_sim_add_scenario(s, &sc, &err) != CS_OK)
        fail_msg("scenario %s: %s", spec, err.msg);
}

static void same_seed_same_events(void **state)
{
    capture a, b, c;
    cs_sim *s1, *s2, *s3;
    cs_err err = {0};
    (void)state;

    s1 = new_sim(7, &a);
    s2 = new_sim(7, &b);
    s3 = new_sim(8, &c);
    assert_int_equal(cs_sim_emit_master(s1, &err), CS_OK);
    assert_int_equal(cs_sim_emit_master(s2, &err), CS_OK);
    assert_int_equal(cs_sim_emit_master(s3, &err), CS_OK);
    add(s1, "flood:3302:day=5:days=4");
    add(s2, "flood:3302:day=5:days=4");
    run_days(s1, 21);
    run_days(s2, 21);
    run_days(s3, 21);
    assert_true(a.n_events > 5000);
    assert_int_equal(a.n_events, b.n_events);
    assert_true(a.hash == b.hash);
    assert_true(a.hash != c.hash);
    cs_sim_free(s1);
    cs_sim_free(s2);
    cs_sim_free(s3);
}

static void every_event_passes_the_contract(void **state)
{
    capture c;
    cs_sim *s;
    cs_err err = {0};
    (void)state;

    s = new_sim(42, &c);
    c.validate = true;
    assert_int_equal(cs_sim_emit_master(s, &err), CS_OK);
    add(s, "flood:3301:day=3:days=5");
    add(s, "power_cut:330206:day=4");
    add(s, "bankruptcy:auto:day=2");
    add(s, "demand:electronics:day=1:factor=0.5:days=10");
    run_days(s, 60);
    if (c.n_invalid > 0)
        fail_msg("%zu invalid events, first: %s", c.n_invalid, c.first_invalid);
    /* Master data: one enterprise and product each, every link. */
    assert_int_equal(c.n_by_type[0], cs_sim_n_enterprises(s));
    assert_int_equal(c.n_by_type[1], cs_sim_n_enterprises(s));
    assert_true(c.n_by_type[2] >= cs_sim_n_enterprises(s) / 2);
    /* Facts: production every day, orders and deliveries flowing. */
    assert_true(c.n_by_type[5] >= 59 * (cs_sim_n_enterprises(s) - 1));
    assert_true(c.n_by_type[3] > 500);
    assert_true(c.n_by_type[4] > c.n_by_type[3]);
    assert_true(c.n_by_type[6] > 1000);
    assert_true(c.n_by_type[7] > 1000);
    assert_int_equal(c.n_by_type[8], 4); /* one risk event per scenario */
    for (size_t i = 0; i < cs_sim_n_enterprises(s); i++) {
        cs_sim_ent_info e;
        cs_sim_enterprise(s, i, &e);
        assert_int_equal(cs_uscc_validate(e.uscc, strlen(e.uscc), &err), CS_OK);
        assert_int_equal(strncmp(e.region_code, "33", 2), 0);
    }
    cs_sim_free(s);
}

/* Output of the enterprises in region prefix over days [from, from + 10)
 * and the late or short deliveries to their direct customers over days
 * [from, to). */
typedef struct reaction {
    double output_in_region;
    unsigned late_or_short; /* received by customers outside the region */
    unsigned shipped_badly; /* sent late or short by the region */
} reaction;

static reaction flood_run(const char *scenario, const char *prefix, int from,
                          int to)
{
    capture c;
    cs_sim *s = new_sim(11, &c);
    size_t n = cs_sim_n_enterprises(s), cust[256];
    bool *is_cust = calloc(n, sizeof(bool));
    reaction r = {0, 0, 0};
    unsigned late0 = 0, bad0 = 0;

    assert_non_null(is_cust);
    if (scenario != NULL)
        add(s, scenario);
    for (size_t i = 0; i < n; i++) {
        cs_sim_ent_info e;
        cs_sim_enterprise(s, i, &e);
        if (strncmp(e.region_code, prefix, strlen(prefix)) != 0)
            continue;
        size_t k = cs_sim_customers(s, i, cust, 256);
        for (size_t j = 0; j < k && j < 256; j++) {
            cs_sim_ent_info b;
            cs_sim_enterprise(s, cust[j], &b);
            if (strncmp(b.region_code, prefix, strlen(prefix)) != 0)
                is_cust[cust[j]] = true; /* customers outside the city */
        }
    }
    for (int d = 0; d < to; d++) {
        run_days(s, 1);
        for (size_t i = 0; i < n; i++) {
            cs_sim_ent_info e;
            cs_sim_enterprise(s, i, &e);
            if (d >= from && d < from + 10 && /* while it lasts */
                strncmp(e.region_code, prefix, strlen(prefix)) == 0)
                r.output_in_region +=
                    e.capacity > 0 ? e.last_output / e.capacity : 0;
            if (d == from - 1 && is_cust[i])
                late0 += e.late_deliveries + e.short_deliveries;
            if (d == from - 1 &&
                strncmp(e.region_code, prefix, strlen(prefix)) == 0)
                bad0 += e.late_shipped + e.short_shipped;
        }
    }
    for (size_t i = 0; i < n; i++) {
        cs_sim_ent_info e;
        cs_sim_enterprise(s, i, &e);
        if (is_cust[i])
            r.late_or_short += e.late_deliveries + e.short_deliveries;
        if (strncmp(e.region_code, prefix, strlen(prefix)) == 0)
            r.shipped_badly += e.late_shipped + e.short_shipped;
    }
    r.late_or_short -= late0;
    r.shipped_badly -= bad0;
    free(is_cust);
    cs_sim_free(s);
    return r;
}

static void flood_cuts_output_and_delays_customers(void **state)
{
    (void)state;
    /* Hangzhou floods on day 20 for 10 days; look at days 20-44. */
    reaction base = flood_run(NULL, "3301", 20, 45);
    reaction flood =
        flood_run("flood:3301:day=20:days=10:severity=4", "3301", 20, 45);

    print_message("output in 3301: %.1f -> %.1f capacity-days; late or "
                  "short deliveries from 3301: %u -> %u; received by its "
                  "customers elsewhere (from anyone): %u -> %u\n",
                  base.output_in_region, flood.output_in_region,
                  base.shipped_badly, flood.shipped_badly, base.late_or_short,
                  flood.late_or_short);
    assert_true(flood.output_in_region < 0.6 * base.output_in_region);
    assert_true(flood.shipped_badly > base.shipped_badly * 3 / 2);
    assert_true(flood.late_or_short > base.late_or_short + 10);
}

static void bankruptcy_starves_single_sourced_buyers(void **state)
{
    capture c1, c2;
    cs_sim *base = new_sim(5, &c1), *hit = new_sim(5, &c2);
    cs_sim_scenario sc;
    cs_err err = {0};
    size_t cust[256], n_cust, victim = SIZE_MAX;
    double out_base = 0, out_hit = 0;
    (void)state;

    assert_int_equal(cs_sim_scenario_parse("bankruptcy:auto:day=5", &sc, &err),
                     CS_OK);
    assert_int_equal(cs_sim_add_scenario(hit, &sc, &err), CS_OK);
    for (size_t i = 0; i < cs_sim_n_enterprises(hit); i++) {
        cs_sim_ent_info e;
        cs_sim_enterprise(hit, i, &e);
        if (strcmp(e.uscc, sc.target) == 0)
            victim = i;
    }
    assert_true(victim != SIZE_MAX);
    n_cust = cs_sim_customers(base, victim, cust, 256);
    assert_true(n_cust > 0 && n_cust <= 256);
    for (int d = 0; d < 44; d++) {
        run_days(base, 1);
        run_days(hit, 1);
        if (d < 20)
            continue;
        for (size_t j = 0; j < n_cust; j++) {
            cs_sim_ent_info a, b;
            cs_sim_enterprise(base, cust[j], &a);
            cs_sim_enterprise(hit, cust[j], &b);
            out_base += a.last_output;
            out_hit += b.last_output;
        }
    }
    {
        cs_sim_ent_info v;
        cs_sim_enterprise(hit, victim, &v);
        print_message("bankrupt %s (%s/%s, %zu customers): customers' "
                      "output on days 20-43: %.1f -> %.1f\n",
                      v.uscc, v.chain, v.stage, n_cust, out_base, out_hit);
        assert_true(v.last_output == 0);
    }
    assert_true(out_hit < 0.8 * out_base);
    cs_sim_free(base);
    cs_sim_free(hit);
}

static void demand_shock_reaches_sales(void **state)
{
    capture a, b;
    cs_sim *base = new_sim(9, &a), *hit = new_sim(9, &b);
    (void)state;

    a.validate = b.validate = true;
    add(hit, "demand:all:day=0:days=20:factor=0.4");
    run_days(base, 20);
    run_days(hit, 20);
    print_message("sales: %.0f -> %.0f\n", a.sales_qty, b.sales_qty);
    assert_true(b.sales_qty < 0.6 * a.sales_qty);
    cs_sim_free(base);
    cs_sim_free(hit);
}

static void scenario_specs(void **state)
{
    cs_sim_scenario sc;
    cs_err err = {0};
    cs_json_doc *doc = NULL;
    static const char body[] =
        "{\"kind\":\"power_cut\",\"target\":\"3305\",\"day\":3,\"days\":2}";
    (void)state;

    assert_int_equal(cs_sim_scenario_parse("flood:3301", &sc, &err), CS_OK);
    assert_int_equal(sc.kind, CS_SIM_FLOOD);
    assert_int_equal(sc.day, -1);
    assert_int_equal(sc.days, 7);
    assert_int_equal(sc.severity, 4);
    assert_int_equal(
        cs_sim_scenario_parse("demand:nev:factor=0.5:days=30", &sc, &err),
        CS_OK);
    cs_assert_near(sc.factor, 0.5, 1e-12);
    assert_int_equal(cs_sim_scenario_parse("flood:33011", &sc, &err),
                     CS_E_INVALID);
    assert_int_equal(cs_sim_scenario_parse("quake:3301", &sc, &err),
                     CS_E_INVALID);
    assert_int_equal(cs_sim_scenario_parse("flood:3301:severity=9", &sc, &err),
                     CS_E_INVALID);
    assert_int_equal(
        cs_sim_scenario_parse("bankruptcy:91330106YT1047292X", &sc, &err),
        CS_E_INVALID);
    assert_int_equal(cs_sim_scenario_parse("demand", &sc, &err), CS_E_INVALID);
    assert_int_equal(cs_json_parse(body, sizeof(body) - 1,
                                   &cs_json_default_limits, &doc, &err),
                     CS_OK);
    assert_int_equal(cs_sim_scenario_from_json(cs_json_root(doc), &sc, &err),
                     CS_OK);
    assert_int_equal(sc.kind, CS_SIM_POWER_CUT);
    assert_int_equal(sc.day, 3);
    assert_int_equal(sc.days, 2);
    assert_string_equal(sc.target, "3305");
    cs_json_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_specs),
        cmocka_unit_test(same_seed_same_events),
        cmocka_unit_test(every_event_passes_the_contract),
        cmocka_unit_test(flood_cuts_output_and_delays_customers),
        cmocka_unit_test(bankruptcy_starves_single_sourced_buyers),
        cmocka_unit_test(demand_shock_reaches_sales),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
