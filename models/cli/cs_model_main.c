/* cs_model_main.c - cs-model: every model behind JSON on stdin and JSON on
 * stdout, so analysts can script the models without the services and the
 * models can be checked from outside the C test suite. */
#include "cs_model_cli.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>

#define CS_MODEL_MAX_COMMANDS    64
#define CS_MODEL_MAX_INPUT_BYTES ((size_t)1 << 30)

static const cs_model_cmd *commands[CS_MODEL_MAX_COMMANDS];
static size_t n_commands;

void cs_model_register(const cs_model_cmd *cmd)
{
    if (n_commands < CS_MODEL_MAX_COMMANDS)
        commands[n_commands++] = cmd;
}

static int by_name(const void *a, const void *b)
{
    const cs_model_cmd *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cs-model COMMAND < input.json > output.json\n"
               "       cs-model COMMAND --help\n\n"
               "Runs one model on the JSON object read from stdin and writes "
               "one JSON object\nto stdout. On invalid input it writes "
               "{\"error\":{\"field\":...,\"message\":...}}\nand exits 65; a "
               "model failure exits 70; a usage error exits 64.\n\n"
               "commands:\n");
    for (size_t i = 0; i < n_commands; i++)
        fprintf(f, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
}

/* Returns new NUL-terminated bytes read from f, or NULL. */
static char *read_all(FILE *f, size_t *len_out, cs_err *err)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);

    while (buf != NULL) {
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
        if (len + 1 == cap) {
            char *nb;
            if (cap >= CS_MODEL_MAX_INPUT_BYTES) {
                free(buf);
                cs_err_set(err, CS_E_TOO_LARGE, "input exceeds %zu bytes",
                           CS_MODEL_MAX_INPUT_BYTES);
                return NULL;
            }
            nb = realloc(buf, cap * 2);
            if (nb == NULL)
                free(buf);
            buf = nb;
            cap *= 2;
        }
    }
    if (buf == NULL) {
        cs_err_set(err, CS_E_NOMEM, "out of memory reading input");
        return NULL;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

static void print_error(const char *field, const cs_err *err)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;

    yajl_gen_map_open(g);
    cs_cli_key(g, "error");
    yajl_gen_map_open(g);
    cs_cli_key(g, "field");
    if (field != NULL)
        yajl_gen_string(g, (const unsigned char *)field, strlen(field));
    else
        yajl_gen_null(g);
    cs_cli_key(g, "code");
    yajl_gen_string(g, (const unsigned char *)cs_status_name(err->code),
                    strlen(cs_status_name(err->code)));
    cs_cli_key(g, "message");
    yajl_gen_string(g, (const unsigned char *)err->msg, strlen(err->msg));
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    yajl_gen_get_buf(g, &buf, &len);
    fwrite(buf, 1, len, stdout);
    fputc('\n', stdout);
    yajl_gen_free(g);
    fprintf(stderr, "cs-model: %s\n", err->msg);
}

int main(int argc, char **argv)
{
    const cs_model_cmd *cmd = NULL;
    const char *field = NULL;
    cs_err err = {0};
    char parse_err[256];
    char *text;
    size_t len = 0;
    yajl_val in;
    yajl_gen g;
    cs_status rc;
    int code;

    gsl_set_error_handler_off();
    qsort(commands, n_commands, sizeof(commands[0]), by_name);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CS_MODEL_EXIT_USAGE : CS_MODEL_EXIT_OK;
    }
    for (size_t i = 0; i < n_commands; i++)
        if (strcmp(commands[i]->name, argv[1]) == 0)
            cmd = commands[i];
    if (cmd == NULL) {
        fprintf(stderr, "cs-model: unknown command \"%s\"\n\n", argv[1]);
        usage(stderr);
        return CS_MODEL_EXIT_USAGE;
    }
    if (argc > 2) {
        if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
            printf("cs-model %s - %s\n\nexample input:\n%s\n", cmd->name,
                   cmd->summary, cmd->example);
            return CS_MODEL_EXIT_OK;
        }
        fprintf(stderr, "cs-model: unexpected argument \"%s\"\n", argv[2]);
        return CS_MODEL_EXIT_USAGE;
    }

    text = read_all(stdin, &len, &err);
    if (text == NULL) {
        print_error(NULL, &err);
        return CS_MODEL_EXIT_INPUT;
    }
    in = yajl_tree_parse(text, parse_err, sizeof(parse_err));
    free(text);
    if (in == NULL || !YAJL_IS_OBJECT(in)) {
        cs_err_set(&err, CS_E_INVALID, "input is not a JSON object: %s",
                   in == NULL ? parse_err : "got another JSON value");
        /* yajl's message ends with a newline and context lines */
        err.msg[strcspn(err.msg, "\n")] = '\0';
        print_error(NULL, &err);
        yajl_tree_free(in);
        return CS_MODEL_EXIT_INPUT;
    }

    g = yajl_gen_alloc(NULL);
    rc = cmd->run(in, g, &field, &err);
    if (rc == CS_OK) {
        const unsigned char *buf;
        yajl_gen_get_buf(g, &buf, &len);
        fwrite(buf, 1, len, stdout);
        fputc('\n', stdout);
        code = CS_MODEL_EXIT_OK;
    } else {
        print_error(field, &err);
        code = rc == CS_E_INVALID || rc == CS_E_TOO_LARGE ? CS_MODEL_EXIT_INPUT
                                                          : CS_MODEL_EXIT_MODEL;
    }
    yajl_gen_free(g);
    yajl_tree_free(in);
    return code;
}
