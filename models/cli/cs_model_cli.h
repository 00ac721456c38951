/* cs_model_cli.h - the cs-model front end: JSON on stdin, JSON on stdout.
 * Each subcommand lives in its own cmd_<name>.c and registers itself with
 * CS_MODEL_COMMAND(), so model owners add commands without editing a
 * shared table. Helpers here wrap yajl_tree for the small inputs. */
#ifndef CS_MODEL_CLI_H
#define CS_MODEL_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cs_err.h"

/* Exit codes of cs-model. */
enum {
    CS_MODEL_EXIT_OK = 0,
    CS_MODEL_EXIT_USAGE = 64, /* unknown command or flag (EX_USAGE) */
    CS_MODEL_EXIT_INPUT = 65, /* invalid JSON input (EX_DATAERR) */
    CS_MODEL_EXIT_MODEL = 70, /* the model failed on valid input */
};

/* A subcommand: reads the parsed input, fills gen with the result object.
 * On failure it returns non-OK and sets err; if the failure concerns one
 * input field it also sets *field (a static or input-borrowed string). */
typedef cs_status (*cs_model_cmd_fn)(yajl_val in, yajl_gen out,
                                     const char **field, cs_err *err);

typedef struct cs_model_cmd {
    const char *name;    /* e.g. "ahp" */
    const char *summary; /* one line for --help */
    const char *example; /* one input example for --help */
    cs_model_cmd_fn run;
} cs_model_cmd;

void cs_model_register(const cs_model_cmd *cmd);

#define CS_MODEL_COMMAND(var)                                                  \
    static void var##_register(void) __attribute__((constructor));             \
    static void var##_register(void)                                           \
    {                                                                          \
        cs_model_register(&(var));                                             \
    }

/* Input helpers. Each returns CS_E_INVALID with a message naming the
 * field (and sets *field) when the value is missing or has the wrong
 * shape. Arrays are returned new; the caller frees them with free(). */
cs_status cs_cli_get_number(yajl_val obj, const char *key, int required,
                            double dflt, double *out, const char **field,
                            cs_err *err);
cs_status cs_cli_get_vector(yajl_val obj, const char *key, double **out,
                            size_t *n_out, const char **field, cs_err *err);
/* Row-major matrix; every row must have the same length. */
cs_status cs_cli_get_matrix(yajl_val obj, const char *key, double **out,
                            size_t *n_rows, size_t *n_cols, const char **field,
                            cs_err *err);
/* Borrowed string from the tree, or dflt when absent. */
cs_status cs_cli_get_string(yajl_val obj, const char *key, int required,
                            const char *dflt, const char **out,
                            const char **field, cs_err *err);

/* Output helpers: shortest round-trip doubles, null for NaN/Inf. */
void cs_cli_key(yajl_gen g, const char *key);
void cs_cli_double(yajl_gen g, double v);
void cs_cli_vector(yajl_gen g, const char *key, const double *v, size_t n);
void cs_cli_matrix(yajl_gen g, const char *key, const double *m, size_t n_rows,
                   size_t n_cols);

#endif
