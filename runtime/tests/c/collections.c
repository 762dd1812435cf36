/* Maps, sets and tuples as generated code uses them: static descriptors,
 * string literals as keys, copy-on-write updates, iteration by index,
 * set algebra; everything printed and released. */
#include "lumen.h"

static const struct lm_type INT = {TK_INT, 0, 0, 0, 0};
static const struct lm_type STRING = {TK_STRING, 0, 0, 0, 0};

/* (Int, String) and list[(Int, String)] */
static const struct lm_type *const PAIR_ELEMS[] = {&INT, &STRING};
static const struct lm_type PAIR = {TK_TUPLE, 2, 0, PAIR_ELEMS, 0};
static const struct lm_type *const PAIR_ELEM[] = {&PAIR};
static const struct lm_type PAIRS = {TK_LIST, 1, 0, PAIR_ELEM, 0};
/* (Int,) */
static const struct lm_type *const ONE_ELEMS[] = {&INT};
static const struct lm_type ONE = {TK_TUPLE, 1, 0, ONE_ELEMS, 0};

/* map[String, list[(Int, String)]] and list[String] */
static const struct lm_type *const INDEX_KV[] = {&STRING, &PAIRS};
static const struct lm_type INDEX = {TK_MAP, 2, 0, INDEX_KV, 0};
static const struct lm_type *const STRING_ELEM[] = {&STRING};
static const struct lm_type STRINGS = {TK_LIST, 1, 0, STRING_ELEM, 0};

/* set[Int], list[Int] */
static const struct lm_type *const INT_ELEM[] = {&INT};
static const struct lm_type INTS = {TK_SET, 1, 0, INT_ELEM, 0};
static const struct lm_type INT_LIST = {TK_LIST, 1, 0, INT_ELEM, 0};

LM_STR(APPLE, "apple");
LM_STR(KIWI, "kiwi");
LM_STR(FIG, "fig");
LM_STR(RED, "red");
LM_STR(GREEN, "green \"g\"");

static int64_t pair(int64_t n, const void *s) {
    int64_t *t = lm_tuple_new(&PAIR);
    LM_RECORD_FIELDS(t)[0] = n;
    lm_retain((void *)s);
    LM_RECORD_FIELDS(t)[1] = (int64_t)s;
    return (int64_t)t;
}

static void *set_of(const int64_t *xs, int n) {
    void *s = lm_set_new(&INTS);
    for (int i = 0; i < n; i++) s = lm_set_add(s, xs[i]);
    return s;
}

static void show(int64_t v, const struct lm_type *t) {
    lm_write_value(1, v, t);
    lm_write_newline(1);
}

int64_t lm_program_main(void) {
    void *index = lm_map_new(&INDEX);
    show((int64_t)index, &INDEX);

    void *l = lm_list_new(&PAIR, 0);
    int64_t t = pair(1, &RED);
    l = lm_list_push(l, t);
    lm_release((void *)t);
    t = pair(2, &GREEN);
    l = lm_list_push(l, t);
    lm_release((void *)t);
    index = lm_map_set(index, (int64_t)&KIWI, (int64_t)l);
    index = lm_map_set(index, (int64_t)&APPLE, (int64_t)l);
    lm_release(l);
    void *empty = lm_list_new(&PAIR, 0);
    index = lm_map_set(index, (int64_t)&FIG, (int64_t)empty);
    lm_release(empty);
    show((int64_t)index, &INDEX);

    /* `let mut copy = index; copy.remove("apple")` leaves `index`. */
    lm_retain(index);
    void *copy = lm_map_remove(index, (int64_t)&APPLE);
    lm_write_int(1, lm_map_len(index));
    lm_write_space(1);
    lm_write_int(1, lm_map_len(copy));
    lm_write_space(1);
    lm_write_bool(1, lm_map_has(copy, (int64_t)&APPLE));
    lm_write_space(1);
    lm_write_bool(1, lm_value_eq((int64_t)index, (int64_t)copy, &INDEX));
    lm_write_newline(1);

    /* for (k, v) in copy */
    for (int64_t i = 0; i < lm_map_len(copy); i++) {
        int64_t k = lm_map_key_at(copy, i), v = lm_map_value_at(copy, i);
        lm_write_str(1, (void *)k);
        lm_write_space(1);
        lm_write_int(1, lm_list_len((void *)v));
        lm_write_newline(1);
        lm_release((void *)k);
        lm_release((void *)v);
    }
    void *keys = lm_map_keys(index, &STRINGS);
    show((int64_t)keys, &STRINGS);
    int64_t got = lm_map_get(index, (int64_t)&KIWI);
    show(got, &PAIRS);
    lm_release((void *)got);

    static const int64_t A[] = {5, 1, 3, 1, 9}, B[] = {3, 4, 5};
    void *a = set_of(A, 5), *b = set_of(B, 3), *none = lm_set_new(&INTS);
    void *u = lm_set_union(a, b), *x = lm_set_intersection(a, b), *d = lm_set_difference(a, b);
    show((int64_t)u, &INTS);
    show((int64_t)x, &INTS);
    show((int64_t)d, &INTS);
    show((int64_t)none, &INTS);
    void *dl = lm_set_to_list(d, &INT_LIST);
    show((int64_t)dl, &INT_LIST);

    int64_t *one = lm_tuple_new(&ONE);
    LM_RECORD_FIELDS(one)[0] = 7;
    show((int64_t)one, &ONE);
    int64_t p = pair(1, &FIG), q = pair(1, &KIWI);
    lm_write_int(1, lm_value_cmp(p, q, &PAIR));
    lm_write_newline(1);

    void *all[] = {index, copy, keys, a, b, none, u, x, d, dl, one, (void *)p, (void *)q};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) lm_release(all[i]);
    return 0;
}
