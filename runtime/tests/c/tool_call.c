/* Tool calls as generated code makes them (docs/runtime-abi.md, "Tools"),
 * driven by environment variables so one program covers every case of
 * runtime/tests/tools.rs:
 *
 *   TOOL_SITE     the site JSON ({"tool", "alias", "grants"})
 *   TOOL_MODE     "call" (lm_tool_call, default) or "fetch" (lm_fetch of ARG_url)
 *   ARG_<name>    the named arguments given, in this order: prompt, messages
 *                 ("role:content|role:content"), model, max_tokens, temperature,
 *                 system, url, headers ("Name=value;Name=value"), body, query,
 *                 timeout_ms
 *   CONVERSATION  the cell's role blocks ("role:content|…")
 *   EXPECT        String, Int, Json, Person, Team, Color, Ints, HttpResponse
 *   CALLS         how many calls to make at once (spawned tasks, awaited in order)
 *   REPEAT        how many calls to make one after the other (only the last
 *                 result is printed; tools/bench/tool_overhead.py)
 *
 * Each result is printed with its display form, one per line. */
#include <stdlib.h>
#include <string.h>
#include "lumen.h"

void *lm_closure_new(const struct lm_type *, const void *);
void *lm_spawn(void *, const struct lm_type *);
int64_t lm_await(const void *, const struct lm_loc *);
int64_t lm_tool_call(const void *, const void *, const struct lm_type *, const void *,
                     const struct lm_type *, const uint64_t *, int64_t, const struct lm_loc *);
void *lm_fetch(const void *, const void *, const struct lm_type *, const struct lm_loc *);

#define TK_FUTURE 17

static const struct lm_type INT = {TK_INT, 0, 0, 0, 0};
static const struct lm_type FLOAT = {TK_FLOAT, 0, 0, 0, 0};
static const struct lm_type BOOL = {TK_BOOL, 0, 0, 0, 0};
static const struct lm_type NUL = {TK_NULL, 0, 0, 0, 0};
static const struct lm_type STRING = {TK_STRING, 0, 0, 0, 0};

static const struct lm_type *const MESSAGE_FIELDS[] = {&STRING, &STRING};
static const char *const MESSAGE_NAMES[] = {"role", "content"};
static const struct lm_type MESSAGE = {TK_RECORD, 2, "Message", MESSAGE_FIELDS, MESSAGE_NAMES};
static const struct lm_type *const MESSAGE_ELEM[] = {&MESSAGE};
static const struct lm_type MESSAGES = {TK_LIST, 1, 0, MESSAGE_ELEM, 0};

static const struct lm_type *const STR_STR[] = {&STRING, &STRING};
static const struct lm_type HEADERS = {TK_MAP, 2, 0, STR_STR, 0};

static const struct lm_type *const HTTP_FIELDS[] = {&INT, &STRING, &HEADERS};
static const char *const HTTP_NAMES[] = {"status", "body", "headers"};
static const struct lm_type HTTP_RESPONSE = {TK_RECORD, 3, "HttpResponse", HTTP_FIELDS, HTTP_NAMES};

static const struct lm_type *const PERSON_FIELDS[] = {&STRING, &INT};
static const char *const PERSON_NAMES[] = {"name", "born"};
static const struct lm_type PERSON = {TK_RECORD, 2, "Person", PERSON_FIELDS, PERSON_NAMES};
static const struct lm_type *const PERSON_ELEM[] = {&PERSON};
static const struct lm_type PEOPLE = {TK_LIST, 1, 0, PERSON_ELEM, 0};
static const struct lm_type *const TEAM_FIELDS[] = {&PEOPLE};
static const char *const TEAM_NAMES[] = {"members"};
static const struct lm_type TEAM = {TK_RECORD, 1, "Team", TEAM_FIELDS, TEAM_NAMES};

static const struct lm_type RED = {TK_VARIANT, 0, "Red", 0, 0};
static const struct lm_type GREEN = {TK_VARIANT, 0, "Green", 0, 0};
static const struct lm_type *const COLOR_VARIANTS[] = {&RED, &GREEN};
static const struct lm_type COLOR = {TK_TAG_ENUM, 2, "Color", COLOR_VARIANTS, 0};

static const struct lm_type *const INT_ELEM[] = {&INT};
static const struct lm_type INTS = {TK_LIST, 1, 0, INT_ELEM, 0};

/* Json: cyclic through list[Json] and map[String, Json]. */
static const struct lm_type JSON;
static const struct lm_type *const JSON_ELEM[] = {&JSON};
static const struct lm_type JSON_LIST = {TK_LIST, 1, 0, JSON_ELEM, 0};
static const struct lm_type *const STR_JSON[] = {&STRING, &JSON};
static const struct lm_type JSON_MAP = {TK_MAP, 2, 0, STR_JSON, 0};
static const struct lm_type *const JSON_MEMBERS[] = {&INT, &FLOAT, &BOOL, &STRING,
                                                     &JSON_LIST, &JSON_MAP, &NUL};
static const struct lm_type JSON = {TK_UNION, 7, "Json", JSON_MEMBERS, 0};

static const struct lm_loc LOC = {"app.lm", "main", 3, 5};

/* An immortal string object holding `text` (the runtime never frees it). */
static void *str(const char *text) {
    size_t n = strlen(text);
    char *obj = malloc(16 + n + 1);
    uint32_t rc = RC_IMMORTAL;
    uint16_t kind = KIND_STRING, flags = 0;
    uint64_t len = n;
    memcpy(obj, &rc, 4);
    memcpy(obj + 4, &kind, 2);
    memcpy(obj + 6, &flags, 2);
    memcpy(obj + 8, &len, 8);
    memcpy(obj + 16, text, n);
    return obj;
}

/* "role:content|role:content" as a list[Message]. */
static void *messages(const char *spec) {
    void *list = lm_list_new(&MESSAGE, 0);
    char *copy = strdup(spec), *save = 0;
    for (char *m = strtok_r(copy, "|", &save); m; m = strtok_r(0, "|", &save)) {
        char *colon = strchr(m, ':');
        if (!colon) continue;
        *colon = 0;
        int64_t *rec = lm_record_new(&MESSAGE);
        LM_RECORD_FIELDS(rec)[0] = (int64_t)str(m);
        LM_RECORD_FIELDS(rec)[1] = (int64_t)str(colon + 1);
        list = lm_list_push(list, (int64_t)rec);
        lm_release(rec);
    }
    free(copy);
    return list;
}

/* "Name=value;Name=value" as a map[String, String]. */
static void *headers(const char *spec) {
    void *map = lm_map_new(&HEADERS);
    char *copy = strdup(spec), *save = 0;
    for (char *h = strtok_r(copy, ";", &save); h; h = strtok_r(0, ";", &save)) {
        char *eq = strchr(h, '=');
        if (!eq) continue;
        *eq = 0;
        map = lm_map_set(map, (int64_t)str(h), (int64_t)str(eq + 1));
    }
    free(copy);
    return map;
}

static const char *const ARG_NAMES[] = {"prompt", "messages", "model", "max_tokens",
                                        "temperature", "system", "url", "headers",
                                        "body", "query", "timeout_ms"};
#define NARGS (sizeof ARG_NAMES / sizeof ARG_NAMES[0])

static struct lm_type args_desc;
static void *args_record;
static void *conversation;
static const struct lm_type *expected;
static void *site;

static const struct lm_type *arg_type(const char *name) {
    if (!strcmp(name, "messages")) return &MESSAGES;
    if (!strcmp(name, "headers")) return &HEADERS;
    if (!strcmp(name, "max_tokens") || !strcmp(name, "timeout_ms")) return &INT;
    if (!strcmp(name, "temperature")) return &FLOAT;
    return &STRING;
}

static int64_t arg_value(const char *name, const char *text) {
    if (!strcmp(name, "messages")) return (int64_t)messages(text);
    if (!strcmp(name, "headers")) return (int64_t)headers(text);
    if (!strcmp(name, "max_tokens") || !strcmp(name, "timeout_ms")) return atoll(text);
    if (!strcmp(name, "temperature")) {
        double d = atof(text);
        int64_t bits;
        memcpy(&bits, &d, 8);
        return bits;
    }
    return (int64_t)str(text);
}

static void build_args(void) {
    const struct lm_type **children = calloc(NARGS, sizeof *children);
    const char **names = calloc(NARGS, sizeof *names);
    const char *values[NARGS];
    uint32_t n = 0;
    for (size_t i = 0; i < NARGS; i++) {
        char var[64] = "ARG_";
        strcat(var, ARG_NAMES[i]);
        const char *v = getenv(var);
        if (!v) continue;
        names[n] = ARG_NAMES[i];
        children[n] = arg_type(ARG_NAMES[i]);
        values[n] = v;
        n++;
    }
    args_desc = (struct lm_type){TK_RECORD, n, "Args", children, names};
    args_record = lm_record_new(&args_desc);
    for (uint32_t i = 0; i < n; i++)
        LM_RECORD_FIELDS(args_record)[i] = arg_value(names[i], values[i]);
}

static const struct lm_type *expected_type(const char *name) {
    if (!name || !strcmp(name, "String")) return &STRING;
    if (!strcmp(name, "Int")) return &INT;
    if (!strcmp(name, "Json")) return &JSON;
    if (!strcmp(name, "Person")) return &PERSON;
    if (!strcmp(name, "Team")) return &TEAM;
    if (!strcmp(name, "Color")) return &COLOR;
    if (!strcmp(name, "Ints")) return &INTS;
    if (!strcmp(name, "HttpResponse")) return &HTTP_RESPONSE;
    return &STRING;
}

static int heap(const struct lm_type *t) { return t != &INT && t != &COLOR; }

/* One call, as a task body or directly: its result slot (owned). */
static int64_t one_call(void *closure) {
    (void)closure;
    const char *mode = getenv("TOOL_MODE");
    if (mode && !strcmp(mode, "fetch")) {
        static struct lm_type future;
        static const struct lm_type *child[1] = {&STRING};
        future = (struct lm_type){TK_FUTURE, 1, 0, child, 0};
        void *f = lm_fetch(str(getenv("ARG_url")), site, &future, &LOC);
        if (lm_failing) return 0;
        int64_t v = lm_await(f, &LOC);
        lm_release(f);
        return v;
    }
    return lm_tool_call(site, args_record, &args_desc, conversation, expected, NULL, 0, &LOC);
}

static const struct lm_type THUNK = {TK_CLOSURE, 0, 0, 0, 0};

int64_t lm_program_main(void) {
    site = str(getenv("TOOL_SITE"));
    build_args();
    const char *conv = getenv("CONVERSATION");
    conversation = conv ? messages(conv) : lm_list_new(&MESSAGE, 0);
    const char *mode = getenv("TOOL_MODE");
    expected = (mode && !strcmp(mode, "fetch")) ? &STRING : expected_type(getenv("EXPECT"));
    const char *calls_text = getenv("CALLS");
    int calls = calls_text ? atoi(calls_text) : 1;
    const char *repeat_text = getenv("REPEAT");
    for (int i = 1; repeat_text && i < atoi(repeat_text); i++) {
        int64_t v = one_call(0);
        if (lm_failing) return 0;
        if (heap(expected)) lm_release((void *)v);
    }
    if (calls <= 1) {
        int64_t v = one_call(0);
        if (lm_failing) return 0;
        lm_write_value(1, v, expected);
        lm_write_newline(1);
        if (heap(expected)) lm_release((void *)v);
    } else {
        static struct lm_type future;
        static const struct lm_type *child[1];
        child[0] = expected;
        future = (struct lm_type){TK_FUTURE, 1, 0, child, 0};
        void **futures = calloc(calls, sizeof *futures);
        for (int i = 0; i < calls; i++) {
            void *thunk = lm_closure_new(&THUNK, (const void *)one_call);
            futures[i] = lm_spawn(thunk, &future);
            lm_release(thunk);
            if (lm_failing) return 0;
        }
        for (int i = 0; i < calls; i++) {
            int64_t v = lm_await(futures[i], &LOC);
            if (lm_failing) return 0;
            lm_write_value(1, v, expected);
            lm_write_newline(1);
            if (heap(expected)) lm_release((void *)v);
            lm_release(futures[i]);
        }
    }
    lm_release(args_record);
    lm_release(conversation);
    return 0;
}
