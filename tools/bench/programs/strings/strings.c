/* strings: C twin of strings.lm -- build a ~10 KB string of 1000 "k<key>=<value>;" pieces
   with snprintf into a growing buffer, split it on ';' into malloc'd pieces, parse the
   number after '=' in each; 3000 rounds. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static Buf build(int64_t n, int64_t seed) {
    Buf s = {0};
    char tmp[64];
    for (int64_t i = 0; i < n; i++) {
        int64_t key = (i * 31 + seed) % 97;
        int64_t value = (i * 7919 + seed * 13) % 100003;
        int len = snprintf(tmp, sizeof tmp, "k%" PRId64 "=%" PRId64 ";", key, value);
        buf_push(&s, tmp, (size_t)len);
    }
    return s;
}

typedef struct {
    char **items;
    size_t len, cap;
} Pieces;

static void pieces_push(Pieces *p, char *s) {
    if (p->len == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4;
        p->items = realloc(p->items, p->cap * sizeof(char *));
        if (!p->items) abort();
    }
    p->items[p->len++] = s;
}

static char *copy_range(const char *s, size_t n) {
    char *out = malloc(n + 1);
    if (!out) abort();
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static Pieces split_pieces(const char *s, size_t len) {
    Pieces p = {0};
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ';') {
            pieces_push(&p, copy_range(s + start, i - start));
            start = i + 1;
        }
    }
    if (start < len) pieces_push(&p, copy_range(s + start, len - start));
    return p;
}

static int64_t value_of(const char *piece) {
    int64_t v = 0;
    int seen = 0;
    for (const char *c = piece; *c; c++) {
        if (seen)
            v = v * 10 + (*c >= '0' && *c <= '9' ? *c - '0' : -1);
        else if (*c == '=')
            seen = 1;
    }
    return v;
}

int main(void) {
    volatile int64_t n_opaque = 1000; /* problem size hidden from the optimizer */
    volatile int64_t rounds_opaque = 3000;
    int64_t n = n_opaque;
    int64_t rounds = rounds_opaque;
    int64_t total_pieces = 0, total_chars = 0, sum = 0;
    for (int64_t r = 0; r < rounds; r++) {
        Buf s = build(n, r);
        total_chars = total_chars + (int64_t)s.len;
        Pieces pieces = split_pieces(s.data, s.len);
        total_pieces = total_pieces + (int64_t)pieces.len;
        for (size_t i = 0; i < pieces.len; i++) {
            sum = sum + value_of(pieces.items[i]);
            free(pieces.items[i]);
        }
        free(pieces.items);
        free(s.data);
    }
    printf("%" PRId64 "\n%" PRId64 "\n%" PRId64 "\n", total_pieces, total_chars, sum);
    return 0;
}
