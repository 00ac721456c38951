/* cmd_graph.h - reading the supply graph of `cs-model cascade` and
 * `cs-model tts` from JSON (defined in cmd_cascade.c):
 *   "nodes": [{"output": 100, "value": 2.5, "spare": 0, "ttr": 10,
 *              "region": 330100}, ...]
 *   "links": [{"from": 0, "to": 1, "product": 0, "volume": 10,
 *              "share": 0.5, "cover_days": 7}, ...] */
#ifndef CMD_GRAPH_H
#define CMD_GRAPH_H

#include "cs_graph.h"
#include "cs_model_cli.h"

/* On CS_OK *out is a new graph for cs_graph_free(). *field points to a
 * static buffer naming the bad element, e.g. "links[3].share". */
cs_status cs_cli_read_graph(yajl_val in, cs_graph **out, const char **field,
                            cs_err *err);

/* Reads member key of obj as a whole number in [0, max]; dflt when
 * absent (required = 0). Names "where.key" in *field on failure, or
 * "key" when where is NULL (a top-level field). */
cs_status cs_cli_get_uint(yajl_val obj, const char *where, const char *key,
                          int required, double dflt, double max, uint32_t *out,
                          const char **field, cs_err *err);

#endif
