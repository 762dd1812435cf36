/* The runtime ABI as seen from C, for the runtime's smoke tests: the layouts
 * of lumen_abi and the handful of lm_* functions the tests call. */
#include <stdint.h>

#define RC_IMMORTAL 0xFFFFFFFFu
#define KIND_STRING 1

/* TypeKind */
enum { TK_INT = 1, TK_FLOAT, TK_BOOL, TK_NULL, TK_STRING, TK_LIST, TK_RECORD,
       TK_ENUM, TK_VARIANT, TK_TAG_ENUM, TK_CLOSURE, TK_UNION, TK_MAP, TK_SET,
       TK_TUPLE };

/* A static type descriptor (lumen_abi::TypeDesc, 32 bytes). */
struct lm_type {
    uint32_t kind; uint32_t count; const char *name;
    const struct lm_type *const *children; const char *const *field_names;
};

/* Field slots of a record (RECORD_FIELDS_OFFSET) and an enum value
 * (ENUM_FIELDS_OFFSET), as generated code addresses them. */
#define LM_RECORD_FIELDS(obj) ((int64_t *)((char *)(obj) + 16))
#define LM_ENUM_FIELDS(obj) ((int64_t *)((char *)(obj) + 24))

/* A string object with room for N bytes, laid out like a literal the code
 * generator emits: header, length, bytes. */
#define LM_STR(name, text)                                                   \
    static const struct {                                                    \
        uint32_t rc; uint16_t kind; uint16_t flags; uint64_t len;            \
        char bytes[sizeof(text)];                                            \
    } name = {RC_IMMORTAL, KIND_STRING, 0, sizeof(text) - 1, text}

struct lm_loc { const char *file; const char *cell; uint32_t line; uint32_t column; };

typedef void lm_str;

void lm_retain(void *);
void lm_release(void *);
void lm_write_int(int32_t, int64_t);
void lm_write_float(int32_t, double);
void lm_write_bool(int32_t, int8_t);
void lm_write_null(int32_t);
void lm_write_str(int32_t, const void *);
void lm_write_space(int32_t);
void lm_write_newline(int32_t);
lm_str *lm_str_from_int(int64_t);
lm_str *lm_str_from_float(double);
lm_str *lm_str_concat(const void *, const void *);
lm_str *lm_str_concat_n(const void *const *, int64_t);
int64_t lm_str_len(const void *);
lm_str *lm_str_index(const void *, int64_t, const struct lm_loc *);
lm_str *lm_fmt_int(int64_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t);
lm_str *lm_fmt_float(double, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t);
int64_t lm_int_pow(int64_t, int64_t, const struct lm_loc *);
double lm_float_mod(double, double);
void *lm_record_new(const struct lm_type *);
void *lm_enum_new(const struct lm_type *, int64_t);
void *lm_unshare(void *);
void *lm_list_new(const struct lm_type *, int64_t);
void *lm_list_push(void *, int64_t);
int64_t lm_list_len(const void *);
int64_t lm_list_get(const void *, int64_t, const struct lm_loc *);
void *lm_list_set(void *, int64_t, int64_t, const struct lm_loc *);
void *lm_list_concat(const void *, const void *);
lm_str *lm_str_from_value(int64_t, const struct lm_type *);
void lm_write_value(int32_t, int64_t, const struct lm_type *);
int8_t lm_value_eq(int64_t, int64_t, const struct lm_type *);
int64_t lm_value_cmp(int64_t, int64_t, const struct lm_type *);
void *lm_map_new(const struct lm_type *);
void *lm_map_set(void *, int64_t, int64_t);
int8_t lm_map_has(const void *, int64_t);
int64_t lm_map_get(const void *, int64_t);
void *lm_map_remove(void *, int64_t);
int64_t lm_map_len(const void *);
int64_t lm_map_key_at(const void *, int64_t);
int64_t lm_map_value_at(const void *, int64_t);
void *lm_map_keys(const void *, const struct lm_type *);
void *lm_map_values(const void *, const struct lm_type *);
void *lm_map_merge(const void *, const void *);
void *lm_set_new(const struct lm_type *);
void *lm_set_add(void *, int64_t);
int8_t lm_set_contains(const void *, int64_t);
void *lm_set_remove(void *, int64_t);
int64_t lm_set_len(const void *);
int64_t lm_set_at(const void *, int64_t);
void *lm_set_union(const void *, const void *);
void *lm_set_intersection(const void *, const void *);
void *lm_set_difference(const void *, const void *);
void *lm_set_to_list(const void *, const struct lm_type *);
void *lm_tuple_new(const struct lm_type *);
/* Failures return with `lm_failing` set (docs/runtime-abi.md, "Failures"):
   the caller leaves its frame, and the runtime reports the failure when
   `lm_program_main` returns. */
void lm_runtime_error(int32_t, const struct lm_loc *);
void lm_halt(const void *, const struct lm_loc *);
void lm_stack_overflow(const struct lm_loc *);
_Noreturn void lm_exit(int64_t);
extern uintptr_t lm_stack_limit;
extern uint8_t lm_failing;
