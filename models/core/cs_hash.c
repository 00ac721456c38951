/* cs_hash.c - the string set of cs_hash.h. */
#include "cs_hash.h"

#include <stdlib.h>
#include <string.h>

/* The slot of str in a table of cap slots: its own or the empty one it
 * would take. */
static size_t slot_of(char *const *slot, size_t cap, const char *str)
{
    size_t i = (size_t)cs_fnv1a(CS_FNV1A_INIT, str, strlen(str)) & (cap - 1);

    while (slot[i] != NULL && strcmp(slot[i], str) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

bool cs_strset_has(const cs_strset *s, const char *str)
{
    return s->n > 0 && s->slot[slot_of(s->slot, s->cap, str)] != NULL;
}

int cs_strset_add(cs_strset *s, const char *str)
{
    size_t i;
    char *v;

    if (s->cap > 0 && s->slot[slot_of(s->slot, s->cap, str)] != NULL)
        return 0;
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        char **ns = calloc(cap, sizeof(*ns));
        if (ns == NULL)
            return -1;
        for (size_t k = 0; k < s->cap; k++)
            if (s->slot[k] != NULL)
                ns[slot_of(ns, cap, s->slot[k])] = s->slot[k];
        free(s->slot);
        s->slot = ns;
        s->cap = cap;
    }
    i = slot_of(s->slot, s->cap, str);
    v = s->owns ? strdup(str) : (char *)str;
    if (v == NULL)
        return -1;
    s->slot[i] = v;
    s->n++;
    return 1;
}

void cs_strset_free(cs_strset *s)
{
    if (s->owns)
        for (size_t k = 0; k < s->cap; k++)
            free(s->slot[k]);
    free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}
