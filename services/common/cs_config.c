/* cs_config.c - defaults, environment and flags from one option table. */
#include "cs_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_log.h"
#include "cs_str.h"

#define CS_FLAG_BYTES 96

static void *field(void *cfg, const cs_opt *o)
{
    return (char *)cfg + o->offset;
}

static const void *cfield(const void *cfg, const cs_opt *o)
{
    return (const char *)cfg + o->offset;
}

/* "kafka.brokers" -> "kafka-brokers" */
static void flag_name(const cs_opt *o, char *out, size_t cap)
{
    size_t n = cs_strlcpy(out, o->key, cap);

    for (size_t i = 0; i < n && i < cap; i++)
        if (out[i] == '.' || out[i] == '_')
            out[i] = '-';
}

static cs_status set_value(void *cfg, const cs_opt *o, const char *value,
                           const char *source, cs_err *err)
{
    cs_err perr = {0};
    cs_status rc = CS_OK;

    switch (o->type) {
    case CS_OPT_STR:
    case CS_OPT_SECRET: {
        char **slot = field(cfg, o);
        char *copy = strdup(value);
        if (copy == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        free(*slot);
        *slot = copy;
        return CS_OK;
    }
    case CS_OPT_U32:
        rc = cs_parse_u32(value, field(cfg, o), &perr);
        break;
    case CS_OPT_BOOL:
        rc = cs_parse_bool(value, field(cfg, o), &perr);
        break;
    case CS_OPT_DOUBLE:
        rc = cs_parse_double(value, field(cfg, o), &perr);
        break;
    }
    if (rc != CS_OK)
        return cs_err_set(err, CS_E_CONFIG, "invalid value for %s (%s): %s",
                          o->key, source, perr.msg);
    return CS_OK;
}

static const cs_opt *find_flag(const cs_config_spec *spec, const char *name,
                               size_t name_len)
{
    char flag[CS_FLAG_BYTES];

    for (size_t i = 0; i < spec->n_opts; i++) {
        flag_name(&spec->opts[i], flag, sizeof(flag));
        if (strlen(flag) == name_len && memcmp(flag, name, name_len) == 0)
            return &spec->opts[i];
    }
    return NULL;
}

cs_status cs_config_load(const cs_config_spec *spec, void *cfg, int argc,
                         char **argv, cs_config_action *action, cs_err *err)
{
    bool print = false;
    cs_status rc;

    *action = CS_CONFIG_RUN;
    for (size_t i = 0; i < spec->n_opts; i++) {
        const cs_opt *o = &spec->opts[i];
        rc = set_value(cfg, o, o->dflt, "default", err);
        if (rc != CS_OK)
            return rc;
    }
    for (size_t i = 0; i < spec->n_opts; i++) {
        const cs_opt *o = &spec->opts[i];
        const char *v = getenv(o->env);
        if (v != NULL) {
            rc = set_value(cfg, o, v, o->env, err);
            if (rc != CS_OK)
                return rc;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *name, *eq, *value;
        size_t name_len;
        const cs_opt *o;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            cs_config_print_help(spec, stdout);
            *action = CS_CONFIG_EXIT;
            return CS_OK;
        }
        if (strcmp(arg, "--print-config") == 0) {
            print = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0)
            return cs_err_set(err, CS_E_CONFIG,
                              "unexpected argument \"%s\" (see --help)", arg);
        name = arg + 2;
        eq = strchr(name, '=');
        name_len = eq ? (size_t)(eq - name) : strlen(name);
        o = find_flag(spec, name, name_len);
        if (o == NULL)
            return cs_err_set(err, CS_E_CONFIG,
                              "unknown option \"%s\" (see --help)", arg);
        if (eq != NULL) {
            value = eq + 1;
        } else if (o->type == CS_OPT_BOOL &&
                   (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)) {
            value = "true"; /* a bare boolean flag turns it on */
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return cs_err_set(err, CS_E_CONFIG, "option %s needs a value", arg);
        }
        rc = set_value(cfg, o, value, "command line", err);
        if (rc != CS_OK)
            return rc;
    }
    if (print) {
        cs_config_print(spec, cfg, stdout);
        *action = CS_CONFIG_EXIT;
    }
    return CS_OK;
}

void cs_config_free(const cs_config_spec *spec, void *cfg)
{
    for (size_t i = 0; i < spec->n_opts; i++) {
        const cs_opt *o = &spec->opts[i];
        if (o->type == CS_OPT_STR || o->type == CS_OPT_SECRET) {
            char **slot = field(cfg, o);
            free(*slot);
            *slot = NULL;
        }
    }
}

void cs_config_print_help(const cs_config_spec *spec, FILE *f)
{
    char flag[CS_FLAG_BYTES];

    fprintf(f, "usage: %s [--OPTION=VALUE]... [--print-config] [--help]\n\n",
            spec->prog);
    fprintf(f, "%s\n\n", spec->summary);
    fprintf(f, "Options (flag / environment variable, default):\n");
    for (size_t i = 0; i < spec->n_opts; i++) {
        const cs_opt *o = &spec->opts[i];
        flag_name(o, flag, sizeof(flag));
        /* Defaults are in the source anyway; only --print-config masks
         * the values actually loaded. */
        fprintf(f, "  --%s / %s (default: %s)\n      %s\n", flag, o->env,
                o->dflt[0] ? o->dflt : "empty", o->help);
    }
    fprintf(f, "\nPrecedence: flags over environment over defaults.\n");
}

void cs_config_print(const cs_config_spec *spec, const void *cfg, FILE *f)
{
    char buf[1024];

    fputs("{", f);
    for (size_t i = 0; i < spec->n_opts; i++) {
        const cs_opt *o = &spec->opts[i];
        const void *p = cfield(cfg, o);
        size_t len;

        len = cs_json_escape_into(buf, 0, sizeof(buf), o->key, strlen(o->key));
        fprintf(f, "%s\"%.*s\":", i ? "," : "", (int)len, buf);
        switch (o->type) {
        case CS_OPT_STR: {
            const char *s = *(char *const *)p;
            len = cs_json_escape_into(buf, 0, sizeof(buf), s, strlen(s));
            fprintf(f, "\"%.*s\"", (int)len, buf);
            break;
        }
        case CS_OPT_SECRET:
            fputs((*(char *const *)p)[0] ? "\"***\"" : "\"\"", f);
            break;
        case CS_OPT_U32:
            fprintf(f, "%u", *(const uint32_t *)p);
            break;
        case CS_OPT_BOOL:
            fputs(*(const bool *)p ? "true" : "false", f);
            break;
        case CS_OPT_DOUBLE:
            fprintf(f, "%.17g", *(const double *)p);
            break;
        }
    }
    fputs("}\n", f);
}
