/* Compound values as generated code builds them: static descriptors, objects
 * from the runtime, fields stored at the ABI offsets; then printed, compared,
 * mutated by copy-on-write and released. */
#include <string.h>
#include "lumen.h"

static const struct lm_type INT = {TK_INT, 0, 0, 0, 0};
static const struct lm_type FLOAT = {TK_FLOAT, 0, 0, 0, 0};
static const struct lm_type STRING = {TK_STRING, 0, 0, 0, 0};

/* record Point(x: Int, label: String) */
static const struct lm_type *const POINT_FIELDS[] = {&INT, &STRING};
static const char *const POINT_NAMES[] = {"x", "label"};
static const struct lm_type POINT = {TK_RECORD, 2, "Point", POINT_FIELDS, POINT_NAMES};
static const struct lm_type *const POINT_ELEM[] = {&POINT};
static const struct lm_type POINTS = {TK_LIST, 1, 0, POINT_ELEM, 0};

/* enum Shape { Empty, Circle(radius: Float), Custom(Int, String) } */
static const struct lm_type EMPTY = {TK_VARIANT, 0, "Empty", 0, 0};
static const struct lm_type *const CIRCLE_FIELDS[] = {&FLOAT};
static const char *const CIRCLE_NAMES[] = {"radius"};
static const struct lm_type CIRCLE = {TK_VARIANT, 1, "Circle", CIRCLE_FIELDS, CIRCLE_NAMES};
static const struct lm_type *const CUSTOM_FIELDS[] = {&INT, &STRING};
static const struct lm_type CUSTOM = {TK_VARIANT, 2, "Custom", CUSTOM_FIELDS, 0};
static const struct lm_type *const SHAPE_VARIANTS[] = {&EMPTY, &CIRCLE, &CUSTOM};
static const struct lm_type SHAPE = {TK_ENUM, 3, "Shape", SHAPE_VARIANTS, 0};
static const struct lm_type *const SHAPE_ELEM[] = {&SHAPE};
static const struct lm_type SHAPES = {TK_LIST, 1, 0, SHAPE_ELEM, 0};

/* enum Color { Red, Green } (no payloads: values are tags) */
static const struct lm_type RED = {TK_VARIANT, 0, "Red", 0, 0};
static const struct lm_type GREEN = {TK_VARIANT, 0, "Green", 0, 0};
static const struct lm_type *const COLOR_VARIANTS[] = {&RED, &GREEN};
static const struct lm_type COLOR = {TK_TAG_ENUM, 2, "Color", COLOR_VARIANTS, 0};

LM_STR(ORIGIN, "origin \"0\"");
LM_STR(TAB, "a\tb");

static int64_t point(int64_t x, const void *label) {
    int64_t *p = lm_record_new(&POINT);
    int64_t *f = LM_RECORD_FIELDS(p);
    f[0] = x;
    lm_retain((void *)label);
    f[1] = (int64_t)label;
    return (int64_t)p;
}

int64_t lm_program_main(void) {
    void *points = lm_list_new(&POINT, 2);
    int64_t p = point(0, &ORIGIN);
    points = lm_list_push(points, p);
    lm_release((void *)p);
    p = point(-3, &TAB);
    points = lm_list_push(points, p);
    lm_release((void *)p);
    lm_write_value(1, (int64_t)points, &POINTS);
    lm_write_newline(1);

    void *shapes = lm_list_new(&SHAPE, 0);
    void *e = lm_enum_new(&SHAPE, 0);
    shapes = lm_list_push(shapes, (int64_t)e);
    lm_release(e);
    e = lm_enum_new(&SHAPE, 1);
    double r = 1.0;
    memcpy(LM_ENUM_FIELDS(e), &r, 8);
    shapes = lm_list_push(shapes, (int64_t)e);
    lm_release(e);
    e = lm_enum_new(&SHAPE, 2);
    LM_ENUM_FIELDS(e)[0] = 5;
    lm_retain((void *)&TAB);
    LM_ENUM_FIELDS(e)[1] = (int64_t)&TAB;
    shapes = lm_list_push(shapes, (int64_t)e);
    lm_release(e);
    lm_str *text = lm_str_from_value((int64_t)shapes, &SHAPES);
    lm_write_str(1, text);
    lm_write_newline(1);
    lm_release(text);

    lm_write_value(1, 1, &COLOR);
    lm_write_newline(1);

    /* Copy-on-write: `let mut copy = points; copy[0] = …` leaves `points`. */
    lm_retain(points);
    int64_t second = lm_list_get(points, 1, 0);
    void *copy = lm_list_set(points, 0, second, 0);
    lm_release((void *)second);
    lm_write_bool(1, lm_value_eq((int64_t)points, (int64_t)copy, &POINTS));
    lm_write_space(1);
    lm_write_value(1, (int64_t)copy, &POINTS);
    lm_write_newline(1);

    void *both = lm_list_concat(points, copy);
    lm_write_int(1, lm_list_len(both));
    lm_write_newline(1);

    lm_release(points);
    lm_release(copy);
    lm_release(both);
    lm_release(shapes);
    return 0;
}
