/* cmd_ahp.c - `cs-model ahp`: AHP weights, lambda_max, CI and CR from a
 * pairwise-comparison matrix; refuses CR >= max_cr (default 0.1). */
#include "cs_model_cli.h"

#include <stdlib.h>

#include "cs_risk.h"

static cs_status run_ahp(yajl_val in, yajl_gen out, const char **field,
                         cs_err *err)
{
    double *a = NULL, max_cr, w[CS_RISK_AHP_MAX_N];
    size_t rows = 0, cols = 0;
    cs_risk_ahp_result res = {0};
    cs_status rc;

    rc = cs_cli_get_number(in, "max_cr", 0, 0.1, &max_cr, field, err);
    if (rc != CS_OK)
        return rc;
    rc = cs_cli_get_matrix(in, "pairwise", &a, &rows, &cols, field, err);
    if (rc != CS_OK)
        return rc;
    if (rows != cols) {
        *field = "pairwise";
        rc = cs_err_set(err, CS_E_INVALID,
                        "pairwise: must be square, got %zu x %zu", rows, cols);
        goto out;
    }
    rc = cs_risk_ahp(a, rows, max_cr, w, &res, err);
    if (rc == CS_E_INVALID || rc == CS_E_TOO_LARGE) {
        *field = "pairwise";
        goto out;
    }
    if (rc != CS_OK)
        goto out;
    yajl_gen_map_open(out);
    cs_cli_vector(out, "weights", w, rows);
    cs_cli_key(out, "lambda_max");
    cs_cli_double(out, res.lambda_max);
    cs_cli_key(out, "ci");
    cs_cli_double(out, res.ci);
    cs_cli_key(out, "cr");
    cs_cli_double(out, res.cr);
    cs_cli_key(out, "ri");
    cs_cli_double(out, cs_risk_random_index(rows));
    yajl_gen_map_close(out);
out:
    free(a);
    return rc;
}

static const cs_model_cmd ahp_cmd = {
    .name = "ahp",
    .summary = "AHP weights and consistency ratio from a pairwise matrix",
    .example = "{\"pairwise\": [[1, 3, 5], [0.333333, 1, 3], [0.2, "
               "0.333333, 1]], \"max_cr\": 0.1}",
    .run = run_ahp,
};
CS_MODEL_COMMAND(ahp_cmd)
