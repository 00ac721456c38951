/* cs_config.h - service configuration from one table per service.
 * Load order: table defaults, then CS_* environment variables, then
 * command-line flags derived from the key ("batch.max_rows" becomes
 * --batch-max-rows). --help and --print-config (secrets masked) are
 * generated from the same table. */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cs_err.h"

typedef enum cs_opt_type {
    CS_OPT_STR,    /* char *, owned by the config, freed by cs_config_free */
    CS_OPT_SECRET, /* like STR, masked by --print-config */
    CS_OPT_U32,    /* uint32_t */
    CS_OPT_BOOL,   /* bool */
    CS_OPT_DOUBLE, /* double */
} cs_opt_type;

typedef struct cs_opt {
    const char *key; /* dotted, e.g. "kafka.brokers" */
    const char *env; /* e.g. "CS_KAFKA_BROKERS" */
    cs_opt_type type;
    const char *dflt; /* text form of the default */
    const char *help; /* one line */
    size_t offset;    /* of the field in the service's config struct */
} cs_opt;

#define CS_CFG(type, field) offsetof(type, field)

typedef struct cs_config_spec {
    const char *prog;    /* e.g. "cs-ingest" */
    const char *summary; /* one paragraph for --help */
    const cs_opt *opts;
    size_t n_opts;
} cs_config_spec;

typedef enum cs_config_action {
    CS_CONFIG_RUN,  /* configuration loaded, start the service */
    CS_CONFIG_EXIT, /* --help or --print-config was handled: exit 0 */
} cs_config_action;

/* Fills cfg (a zeroed struct) from defaults, the environment and argv.
 * On a bad value returns CS_E_CONFIG naming the option and its source;
 * cfg then holds whatever was loaded and must still be freed. */
cs_status cs_config_load(const cs_config_spec *spec, void *cfg, int argc,
                         char **argv, cs_config_action *action, cs_err *err);

/* Frees the strings cs_config_load allocated; cfg itself is the
 * caller's. */
void cs_config_free(const cs_config_spec *spec, void *cfg);

void cs_config_print_help(const cs_config_spec *spec, FILE *f);
void cs_config_print(const cs_config_spec *spec, const void *cfg, FILE *f);

#endif
