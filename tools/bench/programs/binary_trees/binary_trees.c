/* binary_trees: C twin of binary_trees.lm -- the benchmarks-game binary-trees program
   with one malloc per node and free of each tree after checking. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct Tree {
    struct Tree *left;
    struct Tree *right; /* both NULL: a leaf */
} Tree;

static Tree *bottom_up(int64_t depth) {
    Tree *t = malloc(sizeof(Tree));
    if (!t) abort();
    if (depth <= 0) {
        t->left = NULL;
        t->right = NULL;
    } else {
        t->left = bottom_up(depth - 1);
        t->right = bottom_up(depth - 1);
    }
    return t;
}

static int64_t check(const Tree *t) {
    if (!t->left) return 1;
    return 1 + check(t->left) + check(t->right);
}

static void free_tree(Tree *t) {
    if (t->left) {
        free_tree(t->left);
        free_tree(t->right);
    }
    free(t);
}

int main(void) {
    volatile int64_t n_opaque = 18; /* problem size hidden from the optimizer */
    int64_t n = n_opaque;
    int64_t min_depth = 4;
    int64_t max_depth = n;
    if (min_depth + 2 > n) max_depth = min_depth + 2;
    int64_t stretch_depth = max_depth + 1;
    Tree *stretch = bottom_up(stretch_depth);
    printf("stretch tree of depth %" PRId64 "\t check: %" PRId64 "\n", stretch_depth, check(stretch));
    free_tree(stretch);
    Tree *long_lived = bottom_up(max_depth);
    for (int64_t depth = min_depth; depth <= max_depth; depth += 2) {
        int64_t iterations = (int64_t)1 << (max_depth - depth + min_depth);
        int64_t sum = 0;
        for (int64_t i = 0; i < iterations; i++) {
            Tree *t = bottom_up(depth);
            sum = sum + check(t);
            free_tree(t);
        }
        printf("%" PRId64 "\t trees of depth %" PRId64 "\t check: %" PRId64 "\n", iterations, depth, sum);
    }
    printf("long lived tree of depth %" PRId64 "\t check: %" PRId64 "\n", max_depth, check(long_lived));
    free_tree(long_lived);
    return 0;
}
