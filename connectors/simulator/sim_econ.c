/* sim_econ.c - one simulated day: scenarios start, deliveries arrive,
 * every enterprise produces what its stock, inputs and available
 * capacity allow, final assemblers sell to a seasonal market, suppliers
 * ship their open orders first in first out (late and short when stock
 * runs out, later still across a flood), buyers reorder up to a target
 * cover each week, and stocks are reported. A disruption propagates only
 * through these links and inventories. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_str.h"
#include "sim_int.h"

#define EPS 1e-6

static bool region_match(const char *region, const char *prefix)
{
    size_t n = strlen(prefix);
    if (n == 6 && prefix[4] == '0' && prefix[5] == '0')
        n = prefix[2] == '0' && prefix[3] == '0' ? 2 : 4; /* 330100: a city */
    return strncmp(region, prefix, n) == 0;
}

static bool scenario_on(const sim_active *a, int32_t day)
{
    return a->started && day >= a->sc.day &&
           (a->sc.days == 0 || day < a->sc.day + (int32_t)a->sc.days);
}

/* Extra transit days for goods leaving or entering a flooded area. */
static int32_t logistics_delay(const cs_sim *s, const sim_link *l, int32_t day)
{
    int32_t extra = 0;
    for (size_t i = 0; i < s->n_sc; i++) {
        const sim_active *a = &s->sc[i];
        if (a->sc.kind != CS_SIM_FLOOD || !scenario_on(a, day))
            continue;
        if (region_match(s->ent[l->supplier].region, a->sc.target) ||
            region_match(s->ent[l->buyer].region, a->sc.target))
            extra += (int32_t)a->sc.severity;
    }
    return extra;
}

static double demand_shock(const cs_sim *s, int chain, int32_t day)
{
    double f = 1.0;
    for (size_t i = 0; i < s->n_sc; i++) {
        const sim_active *a = &s->sc[i];
        if (a->sc.kind == CS_SIM_DEMAND && scenario_on(a, day) &&
            (a->chain < 0 || a->chain == chain))
            f *= a->sc.factor;
    }
    return f;
}

static void set_availability(cs_sim *s, int32_t day)
{
    for (size_t i = 0; i < s->n_ent; i++) {
        sim_ent *e = &s->ent[i];
        e->avail = e->bankrupt_day >= 0 && day >= e->bankrupt_day ? 0 : 1;
    }
    for (size_t k = 0; k < s->n_sc; k++) {
        const sim_active *a = &s->sc[k];
        double f;
        if (!scenario_on(a, day))
            continue;
        if (a->sc.kind == CS_SIM_FLOOD)
            f = 0.55 - 0.1 * a->sc.severity;
        else if (a->sc.kind == CS_SIM_POWER_CUT)
            f = 0.74 - 0.08 * a->sc.severity;
        else
            continue;
        for (size_t i = 0; i < s->n_ent; i++)
            if (region_match(s->ent[i].region, a->sc.target) &&
                s->ent[i].avail > f)
                s->ent[i].avail = f;
    }
}

static void day_tag(const cs_sim *s, int32_t day, char out[7]) /* YYMMDD */
{
    char d[11];
    cs__sim_date(s->o.start_day + day, d);
    snprintf(out, 7, "%.2s%.2s%.2s", d + 2, d + 5, d + 8);
}

/* A bankrupt supplier: a week later its buyers learn of it, its open
 * orders are cancelled and its links closed; buyers with no other source
 * qualify the nearest peer of the same stage after 45 days. */
static cs_status bankruptcy_effects(cs_sim *s, int32_t day, cs_err *err)
{
    for (size_t k = 0; k < s->n_sc; k++) {
        const sim_active *a = &s->sc[k];
        int32_t since;
        uint32_t dead;

        if (a->sc.kind != CS_SIM_BANKRUPTCY || !a->started)
            continue;
        dead = (uint32_t)a->ent;
        since = day - a->sc.day;
        if (since == 7) {
            size_t w = 0;
            for (size_t i = 0; i < s->n_ord; i++) {
                sim_order *o = &s->ord[i];
                sim_link *l = &s->link[o->link];
                if (l->supplier == dead) {
                    sim_ent *b = &s->ent[l->buyer];
                    b->on_order[l->input] -= o->remaining;
                    if (b->on_order[l->input] < 0)
                        b->on_order[l->input] = 0;
                    continue;
                }
                s->ord[w++] = *o;
            }
            s->n_ord = w;
            for (size_t i = 0; i < s->n_link; i++) {
                sim_link *l = &s->link[i];
                cs_status rc;
                if (l->supplier != dead || !l->active)
                    continue;
                l->active = false;
                rc = cs__sim_emit_link(s, l, day, err);
                if (rc != CS_OK)
                    return rc;
            }
        } else if (since == 45) {
            for (size_t i = 0; i < s->n_link; i++) {
                sim_link *l = &s->link[i];
                const sim_ent *b = &s->ent[l->buyer];
                const sim_ent *d = &s->ent[dead];
                uint32_t st = (uint32_t)d->stage, best = UINT32_MAX;
                double best_d = 1e300;
                bool alone = true;
                cs_status rc;

                if (l->supplier != dead)
                    continue;
                for (uint32_t m = 0; m < b->n_links[l->input]; m++)
                    if (s->link[b->link0[l->input] + m].active)
                        alone = false;
                if (!alone)
                    continue;
                for (uint32_t j = s->stage_first[st];
                     j < s->stage_first[st] + s->stage_count[st]; j++) {
                    double dy = s->ent[j].lat - b->lat,
                           dx = s->ent[j].lon - b->lon;
                    if (j == dead || s->ent[j].bankrupt_day >= 0)
                        continue;
                    if (dx * dx + dy * dy < best_d) {
                        best_d = dx * dx + dy * dy;
                        best = j;
                    }
                }
                if (best == UINT32_MAX)
                    continue;
                l->supplier = best;
                l->active = true;
                l->share = 1.0;
                rc = cs__sim_emit_link(s, l, day, err);
                if (rc != CS_OK)
                    return rc;
            }
        }
    }
    return CS_OK;
}

static cs_status start_scenarios(cs_sim *s, int32_t day, cs_err *err)
{
    for (size_t k = 0; k < s->n_sc; k++) {
        sim_active *a = &s->sc[k];
        cs_status rc;
        if (a->started || a->sc.day != day)
            continue;
        a->started = true;
        if (a->sc.kind == CS_SIM_BANKRUPTCY)
            s->ent[a->ent].bankrupt_day = day;
        rc = cs__sim_emit_risk(s, a, err);
        if (rc != CS_OK)
            return rc;
    }
    return bankruptcy_effects(s, day, err);
}

static cs_status deliver(cs_sim *s, int32_t day, cs_err *err)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_shp; i++) {
        sim_shipment *sh = &s->shp[i];
        sim_link *l = &s->link[sh->link];
        sim_ent *b = &s->ent[l->buyer];
        cs_status rc;

        if (sh->arrive_day > day) {
            s->shp[w++] = *sh;
            continue;
        }
        b->raw[l->input] += sh->qty;
        b->on_order[l->input] -= sh->qty;
        if (b->on_order[l->input] < EPS)
            b->on_order[l->input] = 0;
        if (s->day >= 0) {
            sim_ent *sup = &s->ent[l->supplier];
            if (sh->arrive_day > sh->due_day) {
                b->late_in++;
                sup->late_out++;
            }
            if (sh->qty + EPS < sh->ordered) {
                b->short_in++;
                sup->short_out++;
            }
        }
        rc = cs__sim_emit_shipment(s, sh, true, err);
        if (rc != CS_OK)
            return rc;
    }
    s->n_shp = w;
    return CS_OK;
}

/* Final demand of one assembler today: its share of the market, the
 * season with a Spring Festival dip, the chain's trend, 618 and Double 11
 * for consumer goods, quarter-end pushes for vehicles, weekends, its own
 * occasional promotion, any demand shock, and noise. */
static double market_demand(cs_sim *s, sim_ent *e, int32_t day, bool *promo)
{
    const sim_stage *st = &cs__sim_stages[e->stage];
    const sim_chain *c = &cs__sim_chains[st->chain];
    int32_t abs = s->o.start_day + day;
    char date[11];
    int64_t m, d;
    int doy, wday = (int)(((abs % 7) + 11) % 7); /* 0: Sunday */
    double f;
    static const int mdays[] = {0,   31,  59,  90,  120, 151,
                                181, 212, 243, 273, 304, 334};

    cs__sim_date(abs, date);
    m = (date[5] - '0') * 10 + (date[6] - '0');
    d = (date[8] - '0') * 10 + (date[9] - '0');
    doy = mdays[m - 1] + (int)d;
    f = 1.0 + c->season_amp * cos(2.0 * M_PI * (doy - c->peak_doy) / 365.25);
    if (doy >= 20 && doy <= 48)
        f *= 0.75;
    f *= pow(1.0 + c->trend_per_year, day / 365.0);
    if (st->chain != 0) {
        if (m == 6 && d <= 18)
            f *= d == 18 ? 2.5 : 1.3;
        else if (m == 11 && d <= 11)
            f *= d == 11 ? 3.0 : 1.4;
        else if (m == 12 && d == 12)
            f *= 1.5;
    } else if ((m == 3 || m == 6 || m == 9 || m == 12) && d > 20) {
        f *= 1.2;
    }
    if (wday == 0 || wday == 6)
        f *= c->weekend;
    if (day > e->promo_until && cs__sim_uniform(s) < 1.0 / 45)
        e->promo_until = day + 2;
    *promo = day <= e->promo_until;
    if (*promo)
        f *= 1.5;
    f *= demand_shock(s, st->chain, day);
    return e->base_demand * f * exp(0.12 * cs__sim_normal(s));
}

static cs_status produce(cs_sim *s, int32_t day, cs_err *err)
{
    for (size_t i = 0; i < s->n_ent; i++) {
        sim_ent *e = &s->ent[i];
        const sim_stage *st = &cs__sim_stages[e->stage];
        double cover = st->channel ? 10 : 6, plan, out;
        cs_status rc;

        plan = e->exp_demand + (e->exp_demand * cover + e->backlog - e->fg) / 4;
        if (plan > e->capacity * e->avail)
            plan = e->capacity * e->avail;
        plan *= 0.96 + 0.05 * cs__sim_uniform(s);
        for (int k = 0; k < st->n_inputs; k++)
            if (plan * st->bom[k] > e->raw[k])
                plan = e->raw[k] / st->bom[k];
        out = cs__sim_round_qty(st, plan);
        for (int k = 0; k < st->n_inputs; k++) {
            e->raw[k] -= out * st->bom[k];
            if (e->raw[k] < EPS)
                e->raw[k] = 0;
        }
        e->fg += out;
        e->last_output = out;
        if (e->avail > 0 || e->bankrupt_day < 0) {
            rc = cs__sim_emit_production(s, e, out, err);
            if (rc != CS_OK)
                return rc;
        }
        if (st->channel != NULL && e->bankrupt_day < 0) {
            bool promo;
            double want = market_demand(s, e, day, &promo);
            double sold = cs__sim_round_qty(st, want < e->fg ? want : e->fg);
            e->demand_today += want;
            e->fg -= sold;
            rc = cs__sim_emit_sales(
                s, e, sold, sold * st->price_cny * (promo ? 0.9 : 1.0), err);
            if (rc != CS_OK)
                return rc;
        }
    }
    return CS_OK;
}

static cs_status grow(void **p, size_t *cap, size_t n, size_t elem, cs_err *err)
{
    void *np;
    size_t nc;
    if (n < *cap)
        return CS_OK;
    nc = *cap ? 2 * *cap : 1024;
    np = realloc(*p, nc * elem);
    if (np == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    *p = np;
    *cap = nc;
    return CS_OK;
}

static int32_t transit_noise(cs_sim *s)
{
    double u = cs__sim_uniform(s);
    if (u < 0.80)
        return 0;
    if (u < 0.93)
        return 1;
    if (u < 0.98)
        return 2;
    return 3 + (int32_t)(cs__sim_uniform(s) * 4);
}

static cs_status ship(cs_sim *s, int32_t day, cs_err *err)
{
    char tag[7];
    size_t w = 0;

    day_tag(s, day, tag);
    for (size_t i = 0; i < s->n_ord; i++) {
        sim_order *o = &s->ord[i];
        sim_link *l = &s->link[o->link];
        sim_ent *sup = &s->ent[l->supplier];
        const sim_stage *st = &cs__sim_stages[sup->stage];
        int32_t proc = (int32_t)(l->lead_time_days - l->transit_days);
        double q;
        sim_shipment *sh;
        cs_status rc;

        if (sup->avail <= 0 || day < o->order_day + proc)
            goto keep;
        /* A flooded site's yard and roads: trucks leave on some days only. */
        if (sup->avail < 1 && logistics_delay(s, l, day) > 0 &&
            cs__sim_uniform(s) > sup->avail + 0.2)
            goto keep;
        q = cs__sim_round_qty(st,
                              o->remaining < sup->fg ? o->remaining : sup->fg);
        if (q <= 0 || (q + EPS < o->remaining && q < 0.3 * o->remaining &&
                       day < o->due_day - (int32_t)l->transit_days))
            goto keep;
        rc = grow((void **)&s->shp, &s->cap_shp, s->n_shp, sizeof(*sh), err);
        if (rc != CS_OK)
            return rc;
        sh = &s->shp[s->n_shp++];
        memset(sh, 0, sizeof(*sh));
        sh->link = o->link;
        snprintf(sh->shipment_id, sizeof(sh->shipment_id), "ASN%s-%06u", tag,
                 ++s->day_shipments);
        memcpy(sh->order_id, o->order_id, sizeof(sh->order_id));
        sh->ordered = o->remaining;
        sh->qty = q;
        sh->ship_day = day;
        sh->due_day = o->due_day;
        sh->arrive_day = day + (int32_t)l->transit_days + transit_noise(s) +
                         logistics_delay(s, l, day);
        sup->fg -= q;
        sup->backlog -= q;
        if (sup->backlog < EPS)
            sup->backlog = 0;
        o->remaining -= q;
        o->n_shipments++;
        rc = cs__sim_emit_shipment(s, sh, false, err);
        if (rc != CS_OK)
            return rc;
        if (o->remaining <= EPS)
            continue;
    keep:
        s->ord[w++] = *o;
    }
    s->n_ord = w;
    return CS_OK;
}

static double round_up(const sim_stage *st, double q)
{
    return st->integer_units ? ceil(q - EPS) : ceil(q * 1000.0 - EPS) / 1000.0;
}

static cs_status reorder(cs_sim *s, int32_t day, cs_err *err)
{
    char tag[7];

    day_tag(s, day, tag);
    for (size_t i = 0; i < s->n_ent; i++) {
        sim_ent *e = &s->ent[i];
        const sim_stage *st = &cs__sim_stages[e->stage];

        if (e->bankrupt_day >= 0 || ((int64_t)i + day) % 7 != 0)
            continue;
        for (int k = 0; k < st->n_inputs; k++) {
            const sim_stage *in = &cs__sim_stages[st->input[k]];
            double use = e->exp_demand * st->bom[k];
            double target = use * (e->max_lead[k] + 7 + 5);
            double pos = e->raw[k] + e->on_order[k], act = 0;

            if (pos >= target - use)
                continue;
            for (uint32_t m = 0; m < e->n_links[k]; m++) {
                const sim_link *l = &s->link[e->link0[k] + m];
                if (l->active)
                    act += l->share;
            }
            for (uint32_t m = 0; act > 0 && m < e->n_links[k]; m++) {
                uint32_t li = e->link0[k] + m;
                const sim_link *l = &s->link[li];
                double q = round_up(in, (target - pos) * l->share / act);
                sim_order *o;
                cs_status rc;

                if (!l->active || q <= 0)
                    continue;
                rc = grow((void **)&s->ord, &s->cap_ord, s->n_ord, sizeof(*o),
                          err);
                if (rc != CS_OK)
                    return rc;
                o = &s->ord[s->n_ord++];
                memset(o, 0, sizeof(*o));
                o->link = li;
                snprintf(o->order_id, sizeof(o->order_id), "PO%s-%06u", tag,
                         ++s->day_orders);
                o->qty = o->remaining = q;
                o->order_day = day;
                o->due_day = day + (int32_t)l->lead_time_days;
                s->ent[l->supplier].backlog += q;
                s->ent[l->supplier].demand_today += q;
                e->on_order[k] += q;
                rc = cs__sim_emit_order(s, o, err);
                if (rc != CS_OK)
                    return rc;
            }
        }
    }
    return CS_OK;
}

static cs_status snapshots(cs_sim *s, int32_t day, cs_err *err)
{
    for (size_t i = 0; i < s->n_ent; i++) {
        const sim_ent *e = &s->ent[i];
        const sim_stage *st = &cs__sim_stages[e->stage];
        cs_status rc;

        if (e->bankrupt_day >= 0 || ((int64_t)i + day) % 7 != 3)
            continue;
        rc = cs__sim_emit_inventory(s, e, -1, err);
        for (int k = 0; rc == CS_OK && k < st->n_inputs; k++)
            rc = cs__sim_emit_inventory(s, e, k, err);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

cs_status cs_sim_step(cs_sim *s, cs_err *err)
{
    int32_t day = s->day;
    cs_status rc;

    s->day_orders = s->day_shipments = 0;
    rc = start_scenarios(s, day, err);
    if (rc != CS_OK)
        return rc;
    set_availability(s, day);
    if ((rc = deliver(s, day, err)) != CS_OK ||
        (rc = produce(s, day, err)) != CS_OK ||
        (rc = ship(s, day, err)) != CS_OK ||
        (rc = reorder(s, day, err)) != CS_OK ||
        (rc = snapshots(s, day, err)) != CS_OK)
        return rc;
    for (size_t i = 0; i < s->n_ent; i++) {
        sim_ent *e = &s->ent[i];
        /* Weekly orders are lumpy: smooth over about a month upstream,
         * over ten days at the market. */
        double a = cs__sim_stages[e->stage].channel ? 0.1 : 0.03;
        e->exp_demand = (1 - a) * e->exp_demand + a * e->demand_today;
        e->demand_today = 0;
    }
    s->day++;
    return CS_OK;
}

cs_status cs_sim_add_scenario(cs_sim *s, cs_sim_scenario *sc, cs_err *err)
{
    sim_active *a;

    if (s->n_sc == SIM_MAX_SCENARIOS)
        return cs_err_set(err, CS_E_INVALID, "at most %d scenarios per run",
                          SIM_MAX_SCENARIOS);
    a = &s->sc[s->n_sc];
    memset(a, 0, sizeof(*a));
    a->sc = *sc;
    if (a->sc.day < s->day)
        a->sc.day = s->day;
    a->ent = -1;
    a->chain = -1;
    if (sc->kind == CS_SIM_FLOOD || sc->kind == CS_SIM_POWER_CUT) {
        bool any = false;
        for (size_t i = 0; i < s->n_ent && !any; i++)
            any = region_match(s->ent[i].region, sc->target);
        if (!any)
            return cs_err_set(err, CS_E_INVALID, "no enterprise in region %s",
                              sc->target);
    } else if (sc->kind == CS_SIM_DEMAND) {
        for (int c = 0; c < SIM_N_CHAINS; c++)
            if (strcmp(cs__sim_chains[c].name, sc->target) == 0)
                a->chain = c;
    } else if (strcmp(sc->target, "auto") == 0) {
        /* The supplier most buyers depend on alone. */
        uint32_t *n_alone = calloc(s->n_ent, sizeof(uint32_t));
        uint32_t best = 0;
        if (n_alone == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        for (size_t i = 0; i < s->n_ent; i++)
            for (int k = 0; k < SIM_MAX_INPUTS; k++)
                if (s->ent[i].n_links[k] == 1)
                    n_alone[s->link[s->ent[i].link0[k]].supplier]++;
        for (size_t i = 0; i < s->n_ent; i++)
            if (s->ent[i].bankrupt_day < 0 && n_alone[i] > best) {
                best = n_alone[i];
                a->ent = (int32_t)i;
            }
        free(n_alone);
        if (a->ent < 0)
            return cs_err_set(err, CS_E_INVALID, "no single-sourced supplier");
    } else {
        for (size_t i = 0; i < s->n_ent; i++)
            if (strcmp(s->ent[i].uscc, sc->target) == 0)
                a->ent = (int32_t)i;
        if (a->ent < 0)
            return cs_err_set(err, CS_E_INVALID, "no enterprise %s",
                              sc->target);
    }
    if (a->ent >= 0) {
        cs_strlcpy(a->sc.target, s->ent[a->ent].uscc, sizeof(a->sc.target));
        if (s->ent[a->ent].bankrupt_day >= 0)
            return cs_err_set(err, CS_E_INVALID, "%s is already bankrupt",
                              a->sc.target);
    }
    a->n = ++s->n_risk;
    s->n_sc++;
    *sc = a->sc;
    return CS_OK;
}

cs_status cs_sim_new(const cs_sim_opts *o, cs_sim_emit_fn emit, void *ctx,
                     cs_sim **out, cs_err *err)
{
    cs_sim *s;
    cs_status rc;
    char d8[11];

    *out = NULL;
    if (o->n_enterprises < 50 || o->n_enterprises > 100000)
        return cs_err_set(err, CS_E_INVALID, "enterprises must be 50-100000");
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    s->o = *o;
    s->emit = emit;
    s->ctx = ctx;
    cs_strlcpy(s->source, o->source, sizeof(s->source));
    cs_strlcpy(s->risk_tenant, o->risk_tenant, sizeof(s->risk_tenant));
    s->o.source = s->source;
    s->o.risk_tenant = s->risk_tenant;
    cs__sim_date(o->start_day, d8);
    snprintf(s->id_prefix, sizeof(s->id_prefix), "sim%llu-%.4s%.2s%.2s",
             (unsigned long long)o->seed, d8, d8 + 5, d8 + 8);
    cs__sim_seed(s, o->seed);
    rc = cs__sim_build(s, err);
    if (rc != CS_OK)
        goto fail;
    /* Warm up silently so day 0 starts with pipelines full. */
    s->muted = true;
    s->day = -(int32_t)o->warmup_days;
    while (s->day < 0) {
        rc = cs_sim_step(s, err);
        if (rc != CS_OK)
            goto fail;
    }
    s->muted = false;
    for (size_t i = 0; i < s->n_ent; i++)
        s->ent[i].late_in = s->ent[i].short_in = s->ent[i].late_out =
            s->ent[i].short_out = 0;
    *out = s;
    return CS_OK;
fail:
    cs_sim_free(s);
    return rc;
}

void cs_sim_free(cs_sim *s)
{
    if (s == NULL)
        return;
    free(s->ent);
    free(s->link);
    free(s->stage_first);
    free(s->stage_count);
    free(s->ord);
    free(s->shp);
    free(s);
}

cs_status cs_sim_emit_master(cs_sim *s, cs_err *err)
{
    cs_status rc = CS_OK;
    for (size_t i = 0; rc == CS_OK && i < s->n_ent; i++) {
        rc = cs__sim_emit_enterprise(s, &s->ent[i], err);
        if (rc == CS_OK)
            rc = cs__sim_emit_product(s, &s->ent[i], err);
    }
    for (size_t i = 0; rc == CS_OK && i < s->n_link; i++)
        rc = cs__sim_emit_link(s, &s->link[i], 0, err);
    return rc;
}

int32_t cs_sim_day(const cs_sim *s)
{
    return s->day;
}

void cs_sim_date(const cs_sim *s, int32_t day, char buf[11])
{
    cs__sim_date(s->o.start_day + day, buf);
}

size_t cs_sim_n_enterprises(const cs_sim *s)
{
    return s->n_ent;
}

void cs_sim_enterprise(const cs_sim *s, size_t i, cs_sim_ent_info *out)
{
    const sim_ent *e = &s->ent[i];
    const sim_stage *st = &cs__sim_stages[e->stage];

    out->uscc = e->uscc;
    out->region_code = e->region;
    out->chain = cs__sim_chains[st->chain].name;
    out->stage = st->name;
    out->tier = e->tier;
    out->capacity = e->capacity;
    out->last_output = e->last_output;
    out->on_hand = e->fg;
    out->late_deliveries = e->late_in;
    out->short_deliveries = e->short_in;
    out->late_shipped = e->late_out;
    out->short_shipped = e->short_out;
}

size_t cs_sim_customers(const cs_sim *s, size_t i, size_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t k = 0; k < s->n_link; k++) {
        const sim_link *l = &s->link[k];
        bool seen = false;
        if (l->supplier != i || !l->active)
            continue;
        for (size_t j = 0; j < n && j < cap; j++)
            seen = seen || out[j] == l->buyer;
        if (seen)
            continue;
        if (n < cap)
            out[n] = l->buyer;
        n++;
    }
    return n;
}
