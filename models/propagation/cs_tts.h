/* cs_tts.h - time-to-survive (TTS) against time-to-recover (TTR) in the
 * sense of Simchi-Levi, Schmidt & Wei (HBR, 2014) and Simchi-Levi et al.,
 * Interfaces 45(5):375-390 (2015): how long the buyers of a node keep
 * meeting demand while it is down, through the tiers downstream of it,
 * from stock and the spare capacity of alternative suppliers, as a
 * linear program (GLPK). Nodes
 * with TTS < TTR are the hidden risks. Maths: docs/models/propagation.md. */
#ifndef CS_TTS_H
#define CS_TTS_H

#include <stddef.h>
#include <stdint.h>

#include "cs_graph.h"

typedef struct cs_tts cs_tts; /* opaque: reusable LP workspace */

typedef struct cs_tts_entry {
    uint32_t node;
    double tts_days; /* capped at max_days */
    double ttr_days; /* the node's own recovery time */
    int is_capped;   /* TTS reached max_days: survives the horizon */
    int is_hidden;   /* tts_days < ttr_days */
} cs_tts_entry;

/* Returns a new solver for g (borrowed: g must outlive it); the caller
 * frees it with cs_tts_free(). One solver per thread. */
cs_tts *cs_tts_new(const cs_graph *g, cs_err *err);

/* Tiers downstream of the disrupted node the LP follows: 1 = its buyers
 * only (they must stay at plan: the first-tier model), k = up to k links
 * away; nodes at the limit must stay at plan, so a smaller k gives a
 * lower (safe) bound. The default follows every tier. The LP grows with
 * the downstream fan-out (about out-degree^k nodes): on the benchmark's
 * graph (out-degree ~12) 2 tiers cost ~10 ms per node, 3 tiers ~1 s. */
#define CS_TTS_ALL_TIERS     UINT32_MAX
#define CS_TTS_DEFAULT_TIERS CS_TTS_ALL_TIERS
cs_status cs_tts_set_max_tiers(cs_tts *t, uint32_t tiers, cs_err *err);

/* TTS of one node, in days, capped at max_days (> 0): the longest time
 * every end node downstream of it (no buyers, or at the tier limit) can
 * stay at plan while it is down, using stock along the way and the
 * spare capacity of unaffected suppliers of the same products. */
cs_status cs_tts_node(cs_tts *t, uint32_t node, double max_days,
                      double *tts_days, cs_err *err);

/* TTS of each listed node into out (n entries), then sorted: hidden
 * risks first, largest TTR - TTS gap first; then the rest by TTS. */
cs_status cs_tts_rank(cs_tts *t, const uint32_t *nodes, size_t n,
                      double max_days, cs_tts_entry *out, cs_err *err);

void cs_tts_free(cs_tts *t); /* NULL is a no-op */

/* Releases the LP solver's per-thread state (GLPK's environment). Call
 * once on a thread that used cs_tts after its last cs_tts_free(). */
void cs_tts_thread_done(void);

#endif
