/* cmd_version.c - `cs-model version`: the build's version, and a smoke
 * check that registration, input and output work end to end. */
#include "cs_model_cli.h"

#include <string.h>

static cs_status run_version(yajl_val in, yajl_gen out, const char **field,
                             cs_err *err)
{
    (void)in;
    (void)field;
    (void)err;
    yajl_gen_map_open(out);
    cs_cli_key(out, "version");
    yajl_gen_string(out, (const unsigned char *)"0.1.0", strlen("0.1.0"));
    yajl_gen_map_close(out);
    return CS_OK;
}

static const cs_model_cmd version_cmd = {
    .name = "version",
    .summary = "print the model library version",
    .example = "{}",
    .run = run_version,
};
CS_MODEL_COMMAND(version_cmd)
