/* chains.c - industry chains in the supply graph: the final producers
 * (enterprises that buy over active links and supply nobody) grouped by
 * their GB/T 4754 division, and every enterprise upstream of them within
 * max_tiers links, tier = the fewest links to one of them (breadth-first
 * from all of a chain's producers at once). Written to chain_members. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"

/* qsort context: the division of each node (cycles run one at a time). */
static const char **sort_div;

static int cmp_head(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(sort_div[x], sort_div[y]);

    return c != 0 ? c : (x > y) - (x < y);
}

cs_status analyst_chains(const char *const *names, size_t n_names,
                         const cs_link *links, const char *const *buyer_div,
                         size_t n_links, uint32_t max_tiers, const char *cycle,
                         cs_copybuf *cb, size_t *n_rows, cs_err *err)
{
    uint32_t *start = calloc(n_names + 2, sizeof(*start));
    uint32_t *adj = calloc(n_links + 1, sizeof(*adj));
    uint32_t *heads = calloc(n_names + 1, sizeof(*heads));
    uint32_t *queue = calloc(n_names + 1, sizeof(*queue));
    int32_t *dist = malloc((n_names + 1) * sizeof(*dist));
    bool *supplies = calloc(n_names + 1, sizeof(*supplies));
    const char **div = calloc(n_names + 1, sizeof(*div));
    size_t n_heads = 0;
    cs_status rc = CS_OK;

    *n_rows = 0;
    if (start == NULL || adj == NULL || heads == NULL || queue == NULL ||
        dist == NULL || supplies == NULL || div == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    /* Suppliers of each buyer, as compressed rows. */
    for (size_t i = 0; i < n_links; i++) {
        start[links[i].buyer + 1]++;
        supplies[links[i].supplier] = true;
        div[links[i].buyer] = buyer_div[i];
    }
    for (size_t v = 0; v < n_names; v++)
        start[v + 1] += start[v];
    {
        uint32_t *fill = calloc(n_names + 1, sizeof(*fill));
        if (fill == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n_links; i++)
            adj[start[links[i].buyer] + fill[links[i].buyer]++] =
                links[i].supplier;
        free(fill);
    }
    for (size_t v = 0; v < n_names; v++) {
        dist[v] = -1;
        if (!supplies[v] && div[v] != NULL && strlen(div[v]) == 3)
            heads[n_heads++] = (uint32_t)v;
    }
    sort_div = div;
    qsort(heads, n_heads, sizeof(*heads), cmp_head);
    for (size_t h = 0; h < n_heads;) {
        const char *key = div[heads[h]];
        size_t qn = 0;

        for (; h < n_heads && strcmp(div[heads[h]], key) == 0; h++) {
            dist[heads[h]] = 0;
            queue[qn++] = heads[h];
        }
        for (size_t qi = 0; qi < qn; qi++) {
            uint32_t u = queue[qi];
            if ((uint32_t)dist[u] >= max_tiers)
                continue;
            for (uint32_t e = start[u]; e < start[u + 1]; e++)
                if (dist[adj[e]] < 0) {
                    dist[adj[e]] = dist[u] + 1;
                    queue[qn++] = adj[e];
                }
        }
        for (size_t qi = 0; qi < qn; qi++) {
            char tier[16];
            snprintf(tier, sizeof(tier), "%d", dist[queue[qi]]);
            cs_copybuf_field(cb, key, true);
            cs_copybuf_field(cb, names[queue[qi]], false);
            cs_copybuf_field(cb, tier, false);
            cs_copybuf_field(cb, cycle, false);
            cs_copybuf_end_row(cb);
            dist[queue[qi]] = -1;
        }
        *n_rows += qn;
    }
    if (cb->failed)
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
out:
    free(div);
    free(supplies);
    free(dist);
    free(queue);
    free(heads);
    free(adj);
    free(start);
    return rc;
}
