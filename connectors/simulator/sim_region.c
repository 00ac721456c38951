/* sim_region.c - the province and its chains as static tables, the
 * seeded random stream, and the build of a region: enterprises with
 * credit codes and sites, supply links (some single-sourced), capacities
 * and opening stocks sized from the final demand backwards. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

/* GB/T 2260: Zhejiang's 11 prefecture-level cities and a few of their
 * districts and county-level cities each. */
static const char *const hz_d[] = {"330102", "330105", "330106", "330108",
                                   "330109", "330110", NULL};
static const char *const nb_d[] = {"330203", "330205", "330206",
                                   "330211", "330212", NULL};
static const char *const wz_d[] = {"330302", "330303", "330381", "330382",
                                   NULL};
static const char *const jx_d[] = {"330402", "330411", "330481", "330483",
                                   NULL};
static const char *const huz_d[] = {"330502", "330503", "330521", "330523",
                                    NULL};
static const char *const sx_d[] = {"330602", "330603", "330604", "330681",
                                   NULL};
static const char *const jh_d[] = {"330702", "330703", "330782", "330783",
                                   NULL};
static const char *const qz_d[] = {"330802", "330803", "330881", NULL};
static const char *const zs_d[] = {"330902", "330903", NULL};
static const char *const tz_d[] = {"331002", "331003", "331004", "331081",
                                   NULL};
static const char *const ls_d[] = {"331102", "331121", "331181", NULL};

const sim_city cs__sim_cities[] = {
    {"330100", "杭州", 30.274, 120.155, hz_d},
    {"330200", "宁波", 29.868, 121.544, nb_d},
    {"330300", "温州", 27.994, 120.699, wz_d},
    {"330400", "嘉兴", 30.746, 120.756, jx_d},
    {"330500", "湖州", 30.894, 120.088, huz_d},
    {"330600", "绍兴", 30.030, 120.580, sx_d},
    {"330700", "金华", 29.079, 119.647, jh_d},
    {"330800", "衢州", 28.936, 118.874, qz_d},
    {"330900", "舟山", 29.985, 122.207, zs_d},
    {"331000", "台州", 28.656, 121.421, tz_d},
    {"331100", "丽水", 28.468, 119.923, ls_d},
};
const size_t cs__sim_n_cities =
    sizeof(cs__sim_cities) / sizeof(cs__sim_cities[0]);

/* clang-format off */
/* Final demand in units per day for the whole province; where each
 * chain clusters (Ningbo and Hangzhou for vehicles, Shaoxing's Keqiao
 * and Jiaxing's Tongxiang for textiles). */
const sim_chain cs__sim_chains[SIM_N_CHAINS] = {
    {"nev", 2600.0, 0.25, 0.15, 350, 1.30,
     {3, 3, 1, 1.5, 1.5, 1, 2, 1, 0.3, 2, 0.5}},
    {"electronics", 120000.0, 0.03, 0.12, 315, 1.15,
     {4, 2.5, 1.5, 2, 1, 1, 1, 0.3, 0.2, 1, 0.3}},
    {"textiles", 350000.0, -0.02, 0.20, 330, 1.35,
     {1.5, 2, 1, 2.5, 2, 4, 1.5, 0.5, 0.2, 1, 0.5}},
};

/* Stages: inputs always have a lower index, and each stage feeds exactly
 * one other stage (or the market). Industry classes of GB/T 4754-2017. */
const sim_stage cs__sim_stages[] = {
    {0, "lithium", "C2613", "NEV-LI2CO3", "电池级碳酸锂", "T", "锂业", 10,
     100000, 5, 0, {0}, {0}, NULL, false},
    {0, "magnets", "C3985", "NEV-NDFEB-N52", "钕铁硼永磁体", "KG", "磁材", 12,
     450, 7, 0, {0}, {0}, NULL, false},
    {0, "cells", "C3841", "NEV-CELL-LFP280", "磷酸铁锂电芯 280Ah", "PCS",
     "电池", 40, 380, 7, 1, {0}, {0.0005}, NULL, true},
    {0, "packs", "C3670", "NEV-PACK-60KWH", "动力电池包 60kWh", "SET",
     "动力系统", 30, 48000, 5, 1, {2}, {66}, NULL, true},
    {0, "motors", "C3812", "NEV-EDRIVE-150KW", "电驱动总成 150kW", "SET",
     "电机", 40, 7800, 5, 1, {1}, {2.2}, NULL, true},
    {0, "vehicles", "C3612", "NEV-SUV-E5", "纯电动SUV", "PCS", "汽车", 8,
     168000, 3, 2, {3, 4}, {1, 1}, "distributor", true},
    {1, "materials", "C3985", "EL-CCL-FR4", "FR-4覆铜板", "M2", "电子材料",
     40, 120, 5, 0, {0}, {0}, NULL, false},
    {1, "components", "C3981", "EL-PASSIVE-KIT", "贴片被动元件套件", "SET",
     "电子元件", 150, 28, 6, 0, {0}, {0}, NULL, true},
    {1, "pcb", "C3982", "EL-PCB-HDI8", "八层HDI电路板", "PCS", "电路", 120,
     65, 6, 1, {6}, {0.012}, NULL, true},
    {1, "devices", "C3921", "EL-PHONE-5G", "5G智能手机", "PCS", "通信", 60,
     2300, 3, 2, {8, 7}, {1, 1}, "online", true},
    {2, "fibre", "C2822", "TX-PET-FDY", "涤纶FDY长丝", "T", "化纤", 40, 7600,
     4, 0, {0}, {0}, NULL, false},
    {2, "yarn", "C1711", "TX-YARN-T65", "涤棉混纺纱 T65/C35", "T", "纺织",
     230, 19000, 5, 1, {10}, {0.7}, NULL, false},
    {2, "weaving", "C1712", "TX-GREIGE-PC", "涤棉坯布", "M", "织造", 330, 9,
     6, 1, {11}, {0.00014}, NULL, false},
    {2, "dyeing", "C1713", "TX-FABRIC-DYED", "印染面料", "M", "印染", 220,
     14, 5, 1, {12}, {1.04}, NULL, false},
    {2, "apparel", "C1810", "TX-SHIRT-M", "男士衬衫", "PCS", "服饰", 570, 139,
     4, 1, {13}, {1.6}, "retail", true},
};
/* clang-format on */
const size_t cs__sim_n_stages =
    sizeof(cs__sim_stages) / sizeof(cs__sim_stages[0]);

static const char *const brand_chars[] = {
    "恒", "华", "天", "金", "新", "宏", "瑞", "永", "正", "远", "泰",
    "鑫", "盛", "达", "兴", "博", "嘉", "联", "创", "晶", "航", "宇",
    "之", "海", "东", "明", "通", "中", "富", "力", "科", "源"};
#define N_BRAND (sizeof(brand_chars) / sizeof(brand_chars[0]))

/* xoshiro256** seeded through splitmix64: fast, and the same sequence on
 * every platform (unlike rand()). */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void cs__sim_seed(cs_sim *s, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        s->rng[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t cs__sim_rand(cs_sim *s)
{
    uint64_t *r = s->rng;
    uint64_t out = rotl(r[1] * 5, 7) * 9, t = r[1] << 17;

    r[2] ^= r[0];
    r[3] ^= r[1];
    r[1] ^= r[2];
    r[0] ^= r[3];
    r[2] ^= t;
    r[3] = rotl(r[3], 45);
    return out;
}

double cs__sim_uniform(cs_sim *s)
{
    return (double)(cs__sim_rand(s) >> 11) * 0x1.0p-53;
}

double cs__sim_normal(cs_sim *s)
{
    /* Box-Muller; one value per call keeps the stream simple. */
    double u1 = cs__sim_uniform(s), u2 = cs__sim_uniform(s);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static unsigned rand_below(cs_sim *s, unsigned n)
{
    return (unsigned)(cs__sim_uniform(s) * n) % n;
}

double cs__sim_round_qty(const sim_stage *st, double q)
{
    if (q <= 0)
        return 0;
    return st->integer_units ? floor(q) : floor(q * 1000.0) / 1000.0;
}

static double dist_km(const sim_ent *a, const sim_ent *b)
{
    double dy = (a->lat - b->lat) * 111.0;
    double dx = (a->lon - b->lon) * 111.0 * cos(a->lat * M_PI / 180.0);
    return sqrt(dx * dx + dy * dy);
}

static int gb11714_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

/* "91" + district + organisation code (8 characters and the GB 11714
 * check character) + the GB 32100 check character. The index in the
 * code keeps every enterprise's code unique. */
static cs_status make_uscc(cs_sim *s, const char *district, size_t idx,
                           char out[CS_USCC_LEN + 1], cs_err *err)
{
    static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    char org[10];
    int sum = 0, c9;

    org[0] = alpha[rand_below(s, 31)];
    org[1] = alpha[10 + rand_below(s, 21)];
    snprintf(org + 2, 7, "%06u",
             (unsigned)((idx * 7919u + 104729u) % 1000000u));
    for (int i = 0; i < 8; i++)
        sum += gb11714_value(org[i]) * w[i];
    c9 = 11 - sum % 11;
    org[8] = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
    org[9] = '\0';
    snprintf(out, CS_USCC_LEN + 1, "91%.6s%.9s", district, org);
    return cs_uscc_check_char(out, &out[17], err);
}

static int pick_city(cs_sim *s, const sim_chain *c)
{
    double tot = 0, u;
    for (size_t i = 0; i < cs__sim_n_cities; i++)
        tot += c->city_weight[i];
    u = cs__sim_uniform(s) * tot;
    for (size_t i = 0; i < cs__sim_n_cities; i++) {
        u -= c->city_weight[i];
        if (u < 0)
            return (int)i;
    }
    return 0;
}

static cs_status add_link(cs_sim *s, uint32_t sup, uint32_t buy, uint8_t k,
                          cs_err *err)
{
    sim_link *l;

    if (s->n_link == s->cap_link) {
        size_t cap = s->cap_link ? 2 * s->cap_link : 1024;
        sim_link *n = realloc(s->link, cap * sizeof(*n));
        if (n == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        s->link = n;
        s->cap_link = cap;
    }
    l = &s->link[s->n_link++];
    memset(l, 0, sizeof(*l));
    l->supplier = sup;
    l->buyer = buy;
    l->input = k;
    l->active = true;
    return CS_OK;
}

static int link_cmp(const void *a, const void *b)
{
    const sim_link *x = a, *y = b;
    if (x->buyer != y->buyer)
        return x->buyer < y->buyer ? -1 : 1;
    if (x->supplier != y->supplier)
        return x->supplier < y->supplier ? -1 : 1;
    return 0;
}

static bool has_link(const cs_sim *s, size_t from, uint32_t sup, uint32_t buy)
{
    for (size_t i = from; i < s->n_link; i++)
        if (s->link[i].supplier == sup && s->link[i].buyer == buy)
            return true;
    return false;
}

/* Links every buyer of stage st to suppliers of its input k: one to
 * three, nearby ones likelier, a quarter single-sourced; then every
 * supplier left without a customer gets one. Shares, lead times and the
 * suppliers' expected demand follow. */
static cs_status link_stage(cs_sim *s, int st, int k, cs_err *err)
{
    const sim_stage *bs = &cs__sim_stages[st];
    int in = bs->input[k];
    uint32_t b0 = s->stage_first[st], nb = s->stage_count[st];
    uint32_t s0 = s->stage_first[in], ns = s->stage_count[in];
    size_t first = s->n_link;
    double *wt = malloc(ns * sizeof(*wt));
    bool *used = calloc(ns, sizeof(*used));
    cs_status rc = CS_OK;

    if (wt == NULL || used == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t b = b0; b < b0 + nb; b++) {
        unsigned want = cs__sim_uniform(s) < 0.25  ? 1u
                        : cs__sim_uniform(s) < 0.6 ? 2u
                                                   : 3u;
        double tot = 0;
        if (want > ns)
            want = ns;
        for (uint32_t j = 0; j < ns; j++) {
            wt[j] = (0.5 + cs__sim_uniform(s)) /
                    (1.0 + dist_km(&s->ent[b], &s->ent[s0 + j]) / 40.0);
            tot += wt[j];
        }
        for (unsigned n = 0; n < want; n++) {
            double u = cs__sim_uniform(s) * tot;
            uint32_t j = 0;
            while (j + 1 < ns && (u -= wt[j]) >= 0)
                j++;
            if (wt[j] == 0) { /* rounding at the end: take any unused */
                for (j = 0; j < ns && wt[j] == 0; j++)
                    ;
                if (j == ns)
                    break;
            }
            rc = add_link(s, s0 + j, b, (uint8_t)k, err);
            if (rc != CS_OK)
                goto out;
            used[j] = true;
            tot -= wt[j];
            wt[j] = 0;
        }
    }
    for (uint32_t j = 0; j < ns; j++) {
        uint32_t b;
        if (used[j])
            continue;
        b = b0 + rand_below(s, nb);
        if (!has_link(s, first, s0 + j, b)) {
            rc = add_link(s, s0 + j, b, (uint8_t)k, err);
            if (rc != CS_OK)
                goto out;
        }
    }
    qsort(s->link + first, s->n_link - first, sizeof(sim_link), link_cmp);
    for (size_t i = first; i < s->n_link;) {
        size_t j = i;
        uint32_t b = s->link[i].buyer;
        double tot = 0;
        sim_ent *e = &s->ent[b];

        for (; j < s->n_link && s->link[j].buyer == b; j++) {
            sim_link *l = &s->link[j];
            double d = dist_km(e, &s->ent[l->supplier]);
            int proc =
                cs__sim_stages[in].processing_days - 1 + (int)rand_below(s, 4);
            l->share = j == i ? 1.0 + cs__sim_uniform(s)
                              : 0.3 + 0.7 * cs__sim_uniform(s);
            tot += l->share;
            l->transit_days = 1u + (uint32_t)(d / 200.0);
            l->lead_time_days =
                (uint32_t)(proc < 1 ? 1 : proc) + l->transit_days;
            l->price_factor = 0.94 + 0.12 * cs__sim_uniform(s);
        }
        e->link0[k] = (uint32_t)i;
        e->n_links[k] = (uint32_t)(j - i);
        for (size_t m = i; m < j; m++) {
            sim_link *l = &s->link[m];
            l->share /= tot;
            s->ent[l->supplier].base_demand +=
                l->share * e->base_demand * bs->bom[k];
            if (l->lead_time_days > e->max_lead[k])
                e->max_lead[k] = l->lead_time_days;
        }
        i = j;
    }
out:
    free(wt);
    free(used);
    return rc;
}

static cs_status make_enterprises(cs_sim *s, cs_err *err)
{
    double wsum = 0, scale;
    size_t n = 0;

    for (size_t st = 0; st < cs__sim_n_stages; st++)
        wsum += cs__sim_stages[st].weight;
    scale = s->o.n_enterprises / wsum;
    for (size_t st = 0; st < cs__sim_n_stages; st++) {
        double c = floor(cs__sim_stages[st].weight * scale + 0.5);
        s->stage_count[st] = c < 2 ? 2u : (uint32_t)c;
        s->stage_first[st] = (uint32_t)n;
        n += s->stage_count[st];
    }
    s->ent = calloc(n, sizeof(*s->ent));
    if (s->ent == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    s->n_ent = n;
    for (size_t st = 0; st < cs__sim_n_stages; st++) {
        const sim_stage *sg = &cs__sim_stages[st];
        for (uint32_t i = 0; i < s->stage_count[st]; i++) {
            size_t idx = s->stage_first[st] + i;
            sim_ent *e = &s->ent[idx];
            const sim_city *c;
            const char *d;
            size_t nd = 0;
            cs_status rc;

            e->stage = (int)st;
            e->city = pick_city(s, &cs__sim_chains[sg->chain]);
            c = &cs__sim_cities[e->city];
            while (c->districts[nd] != NULL)
                nd++;
            d = c->districts[rand_below(s, (unsigned)nd)];
            memcpy(e->region, d, 7);
            e->lat = c->lat + (cs__sim_uniform(s) - 0.5) * 0.24;
            e->lon = c->lon + (cs__sim_uniform(s) - 0.5) * 0.24;
            rc = make_uscc(s, d, idx, e->uscc, err);
            if (rc != CS_OK)
                return rc;
            snprintf(e->name, sizeof(e->name), "%s%s%s%s%s", c->name,
                     brand_chars[rand_below(s, N_BRAND)],
                     brand_chars[rand_below(s, N_BRAND)], sg->word,
                     cs__sim_uniform(s) < 0.2 ? "股份有限公司" : "有限公司");
            e->bankrupt_day = -1;
            e->promo_until = INT32_MIN / 2;
            e->avail = 1.0;
            if (sg->channel != NULL)
                e->base_demand = exp(0.5 * cs__sim_normal(s));
        }
    }
    return CS_OK;
}

cs_status cs__sim_build(cs_sim *s, cs_err *err)
{
    unsigned tier[32] = {0};
    cs_status rc;

    s->stage_first = calloc(cs__sim_n_stages, sizeof(uint32_t));
    s->stage_count = calloc(cs__sim_n_stages, sizeof(uint32_t));
    if (s->stage_first == NULL || s->stage_count == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    rc = make_enterprises(s, err);
    if (rc != CS_OK)
        return rc;
    /* Final demand shared by size, then every stage from the market
     * upstream: a stage's buyers are all sized before it is. */
    for (size_t st = 0; st < cs__sim_n_stages; st++) {
        const sim_stage *sg = &cs__sim_stages[st];
        double tot = 0;
        if (sg->channel == NULL)
            continue;
        for (uint32_t i = 0; i < s->stage_count[st]; i++)
            tot += s->ent[s->stage_first[st] + i].base_demand;
        for (uint32_t i = 0; i < s->stage_count[st]; i++)
            s->ent[s->stage_first[st] + i].base_demand *=
                cs__sim_chains[sg->chain].final_demand / tot;
    }
    for (size_t st = cs__sim_n_stages; st-- > 0;) {
        const sim_stage *sg = &cs__sim_stages[st];
        for (int k = 0; k < sg->n_inputs; k++) {
            tier[sg->input[k]] = tier[st] + 1;
            rc = link_stage(s, (int)st, k, err);
            if (rc != CS_OK)
                return rc;
        }
    }
    for (size_t i = 0; i < s->n_ent; i++) {
        sim_ent *e = &s->ent[i];
        const sim_stage *sg = &cs__sim_stages[e->stage];
        if (e->base_demand <= 0) /* cannot happen: every supplier has a buyer */
            e->base_demand = 1;
        e->tier = tier[e->stage];
        e->capacity = e->base_demand * (1.15 + 0.3 * cs__sim_uniform(s));
        if (sg->integer_units)
            e->capacity = ceil(e->capacity);
        e->exp_demand = e->base_demand;
        e->fg = e->base_demand * 6;
        for (int k = 0; k < sg->n_inputs; k++)
            e->raw[k] = e->base_demand * sg->bom[k] * (e->max_lead[k] + 12);
    }
    return CS_OK;
}
