/* json_parse: C twin of json_parse.lm -- generate a JSON-ish document per round (nested
   lists of ints and strings), parse it by recursive descent into a malloc'd tree, fold
   the tree into a checksum, free it. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M 1000000007

/* Lumen's % (sign of the divisor) for a positive divisor. */
static int64_t modp(int64_t a, int64_t m) {
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

static void buf_push(Buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        while (cap < b->len + n + 1) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) abort();
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void gen(Buf *out, int64_t depth, int64_t seed) {
    int64_t r = (seed * 1103515245 + 12345) % 2147483648;
    char tmp[64];
    if (depth == 0 || r % 7 == 0) {
        int len;
        if (r % 3 == 0)
            len = snprintf(tmp, sizeof tmp, "\"s%" PRId64 "x\"", r % 1000);
        else if (r % 5 == 0)
            len = snprintf(tmp, sizeof tmp, "-%" PRId64, r % 100000);
        else
            len = snprintf(tmp, sizeof tmp, "%" PRId64, r % 100000);
        buf_push(out, tmp, (size_t)len);
        return;
    }
    int64_t width = 2 + r % 4;
    buf_push(out, "[", 1);
    for (int64_t i = 0; i < width; i++) {
        if (i > 0) buf_push(out, ", ", 2);
        gen(out, depth - 1, (r + i * 7919) % 2147483648);
    }
    buf_push(out, "]", 1);
}

enum { JNUM, JSTR, JLIST };

typedef struct Json {
    int tag;
    int64_t num;
    char *str;
    size_t len; /* string length or item count */
    size_t cap;
    struct Json **items;
} Json;

static Json *new_json(int tag) {
    Json *j = calloc(1, sizeof(Json));
    if (!j) abort();
    j->tag = tag;
    return j;
}

static void free_json(Json *j) {
    if (j->tag == JLIST) {
        for (size_t i = 0; i < j->len; i++) free_json(j->items[i]);
        free(j->items);
    } else if (j->tag == JSTR) {
        free(j->str);
    }
    free(j);
}

static size_t skip_ws(const char *s, size_t n, size_t p) {
    while (p < n && s[p] == ' ') p++;
    return p;
}

static Json *parse_value(const char *s, size_t n, size_t *pos) {
    char c = s[*pos];
    if (c == '[') {
        Json *list = new_json(JLIST);
        size_t p = skip_ws(s, n, *pos + 1);
        if (s[p] == ']') {
            *pos = p + 1;
            return list;
        }
        for (;;) {
            Json *item = parse_value(s, n, &p);
            if (list->len == list->cap) {
                list->cap = list->cap ? list->cap * 2 : 4;
                list->items = realloc(list->items, list->cap * sizeof(Json *));
                if (!list->items) abort();
            }
            list->items[list->len++] = item;
            p = skip_ws(s, n, p);
            if (s[p] == ',') {
                p = skip_ws(s, n, p + 1);
            } else if (s[p] == ']') {
                *pos = p + 1;
                return list;
            } else {
                fprintf(stderr, "error: expected , or ] at %zu\n", p);
                exit(1);
            }
        }
    }
    if (c == '"') {
        size_t p = *pos + 1;
        Buf text = {0};
        while (s[p] != '"') {
            buf_push(&text, s + p, 1);
            p++;
        }
        Json *j = new_json(JSTR);
        j->str = text.data;
        j->len = text.len;
        *pos = p + 1;
        return j;
    }
    size_t p = *pos;
    int negative = 0;
    if (c == '-') {
        negative = 1;
        p++;
    }
    int64_t v = 0;
    while (p < n && s[p] >= '0' && s[p] <= '9') {
        v = v * 10 + (s[p] - '0');
        p++;
    }
    if (negative) v = -v;
    Json *j = new_json(JNUM);
    j->num = v;
    *pos = p;
    return j;
}

static int64_t checksum(const Json *j) {
    switch (j->tag) {
    case JNUM:
        return j->num;
    case JSTR:
        return (int64_t)j->len * 7;
    default: {
        int64_t acc = (int64_t)j->len;
        for (size_t i = 0; i < j->len; i++) acc = modp(acc * 31 + checksum(j->items[i]), M);
        return acc;
    }
    }
}

int main(void) {
    volatile int64_t docs_opaque = 5000; /* problem size hidden from the optimizer */
    volatile int64_t depth_opaque = 6;
    int64_t docs = docs_opaque;
    int64_t depth = depth_opaque;
    int64_t total_chars = 0, total = 0;
    for (int64_t d = 0; d < docs; d++) {
        Buf text = {0};
        gen(&text, depth, d);
        total_chars = total_chars + (int64_t)text.len;
        size_t pos = 0;
        Json *parsed = parse_value(text.data, text.len, &pos);
        total = modp(total * 17 + checksum(parsed), M);
        free_json(parsed);
        free(text.data);
    }
    printf("%" PRId64 "\n%" PRId64 "\n", total_chars, total);
    return 0;
}
