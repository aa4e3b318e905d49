/*
 * sdk_test.c: native unit tests of the parts of the C SDK that need no host: the JSON
 * reader and writer, the buffer, exit reasons. Run under the sanitizers, with a fuzz loop
 * that feeds the reader truncated and mutated text (guest-sdk/c/README.md, "Testing"):
 *
 *   cc -std=c11 -g -fsanitize=address,undefined -Wno-attributes -Ihatchery tests/sdk_test.c \
 *      hatchery/hx_json.c hatchery/hx_buf.c hatchery/hx_reason.c -o /tmp/sdk_test && /tmp/sdk_test
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hatchery_sdk.h"

static int failures;

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);        \
            failures++;                                                                     \
        }                                                                                   \
    } while (0)

static hx_json parsed(const char *s) {
    hx_json v = {0, 0};
    CHECK(hx_json_parse(s, strlen(s), &v) == 0);
    return v;
}

static int valid(const char *s) {
    hx_json v;
    return hx_json_parse(s, strlen(s), &v) == 0;
}

static void test_parse(void) {
    const char *good[] = {"0", "-0", "12", "-3.5e+2", "1E9", "true", "false", "null", "\"\"",
                          "\"a\\u00e9\\ud83d\\ude00\\n\"", " [1, [2, {}], \"x\"] ", "{}",
                          "{\"a\":{\"b\":[null]}}", "\"\xc3\xa9\xf0\x9f\x98\x80\""};
    const char *bad[] = {"", " ", "01", "1.", ".5", "-", "1e", "tru", "nul", "[1,]", "[1 2]",
                         "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "\"\\x\"", "\"abc",
                         "\"\x01\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
                         "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xff\"", "1 2", "[", "]",
                         "{\"a\":1}}", "+1", "NaN", "\"\\u12\""};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) CHECK(valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (valid(bad[i])) fprintf(stderr, "accepted bad JSON: %s\n", bad[i]), failures++;
    }
    hx_json v = parsed("  {\"k\": 1}\n");
    CHECK(v.len == 8 && v.text[0] == '{');
    /* Nesting: the limit is enforced without recursing past it. */
    char deep[2 * HX_JSON_MAX_DEPTH + 10];
    for (int depth = HX_JSON_MAX_DEPTH - 1; depth <= HX_JSON_MAX_DEPTH + 1; depth++) {
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        hx_json d;
        CHECK((hx_json_parse(deep, 2 * (size_t)depth, &d) == 0) == (depth <= HX_JSON_MAX_DEPTH));
    }
    char *huge = malloc(100001);
    memset(huge, '[', 100000);
    hx_json d;
    CHECK(hx_json_parse(huge, 100000, &d) == HX_ERR_BAD_JSON);
    free(huge);
}

static void test_access(void) {
    hx_json o = parsed("{ \"$call\" : {\"req\":\"get\", \"ref\": 42}, \"x\":1, \"x\":2,"
                       " \"\\u0024cast\": [1,2,3] }");
    hx_json call, ref, req, x, cast, e;
    int64_t n;
    size_t count;
    CHECK(hx_json_get(o, "$call", &call) == 0);
    CHECK(hx_json_get(call, "ref", &ref) == 0 && hx_json_int(ref, &n) == 0 && n == 42);
    CHECK(hx_json_get(call, "req", &req) == 0 && hx_json_str_eq(req, "get"));
    CHECK(!hx_json_str_eq(req, "ge") && !hx_json_str_eq(req, "gets"));
    CHECK(hx_json_get(o, "x", &x) == 0 && hx_json_int(x, &n) == 0 && n == 2); /* last wins */
    CHECK(hx_json_get(o, "$cast", &cast) == 0 && hx_json_type_of(cast) == HX_JSON_ARRAY);
    CHECK(hx_json_count(cast, &count) == 0 && count == 3);
    CHECK(hx_json_at(cast, 2, &e) == 0 && hx_json_int(e, &n) == 0 && n == 3);
    CHECK(hx_json_at(cast, 3, &e) == HX_ERR_MISSING);
    CHECK(hx_json_get(o, "nope", &e) == HX_ERR_MISSING);
    CHECK(hx_json_get(cast, "a", &e) == HX_ERR_BAD_JSON);
    CHECK(hx_json_at(o, 0, &e) == HX_ERR_BAD_JSON);
    CHECK(hx_json_count(o, &count) == 0 && count == 4);
    /* A hand-made view of broken text gives errors, not reads past its end. */
    hx_json broken = {"{\"a\":1,\"b\"", 10};
    CHECK(hx_json_get(broken, "b", &e) == HX_ERR_BAD_JSON);
    CHECK(hx_json_get(broken, "a", &e) == HX_ERR_BAD_JSON);

    const char *ints[] = {"9223372036854775807", "-9223372036854775808", "0", "-0"};
    int64_t want[] = {INT64_MAX, INT64_MIN, 0, 0};
    for (int i = 0; i < 4; i++) {
        CHECK(hx_json_int(parsed(ints[i]), &n) == 0 && n == want[i]);
    }
    CHECK(hx_json_int(parsed("9223372036854775808"), &n) == HX_ERR_RANGE);
    CHECK(hx_json_int(parsed("-9223372036854775809"), &n) == HX_ERR_RANGE);
    CHECK(hx_json_int(parsed("99999999999999999999999"), &n) == HX_ERR_RANGE);
    CHECK(hx_json_int(parsed("5.0"), &n) == HX_ERR_BAD_JSON);
    CHECK(hx_json_int(parsed("1e3"), &n) == HX_ERR_BAD_JSON);
    CHECK(hx_json_int(parsed("\"5\""), &n) == HX_ERR_BAD_JSON);
    int b;
    CHECK(hx_json_bool(parsed("true"), &b) == 0 && b == 1);
    CHECK(hx_json_bool(parsed("false"), &b) == 0 && b == 0);
    CHECK(hx_json_bool(parsed("null"), &b) == HX_ERR_BAD_JSON);
    CHECK(hx_json_is_null(parsed("null")) && !hx_json_is_null(parsed("0")));

    char buf[9];
    size_t len;
    hx_json s = parsed("\"a\\\"\\u00e9\\ud83d\\ude00\"");
    CHECK(hx_json_str(s, buf, sizeof buf, &len) == 0 && len == 8);
    CHECK(memcmp(buf, "a\"\xc3\xa9\xf0\x9f\x98\x80", 9) == 0);
    CHECK(hx_json_str(s, buf, 8, &len) == HX_ERR_RANGE); /* no room for the NUL */
    CHECK(hx_json_str(parsed("\"\""), buf, 0, &len) == HX_ERR_RANGE);
    CHECK(hx_json_str(parsed("\"\""), buf, 1, &len) == 0 && len == 0 && buf[0] == 0);
    CHECK(hx_json_str(parsed("1"), buf, sizeof buf, &len) == HX_ERR_BAD_JSON);

    hx_json_iter it = hx_json_iter_start(parsed("{\"a\":1,\"b\":[2]}"));
    hx_json k, val;
    int items = 0;
    while (hx_json_next(&it, &k, &val) > 0) items++;
    CHECK(items == 2 && hx_json_str_eq(k, "b") && hx_json_type_of(val) == HX_JSON_ARRAY);
}

static void test_writer(void) {
    hx_buf b = HX_BUF_INIT;
    const char raw[] = "q\"b\\n\n\t\x01\x1f\xc3\xa9\xff end";
    hx_json_put_str(&b, raw, sizeof raw - 1);
    CHECK(strcmp(hx_buf_cstr(&b), "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f\xc3\xa9\xef\xbf\xbd end\"") == 0);
    hx_json v;
    CHECK(hx_json_parse(b.data, b.len, &v) == 0);
    hx_buf back = HX_BUF_INIT;
    CHECK(hx_json_str_buf(v, &back) == 0 && back.len == sizeof raw - 1 + 2);
    hx_buf_clear(&b);
    hx_json_put_int(&b, INT64_MIN);
    hx_buf_putc(&b, ' ');
    hx_json_put_int(&b, 0);
    hx_buf_putc(&b, ' ');
    hx_json_put_int(&b, 1234567890123LL);
    CHECK(strcmp(hx_buf_cstr(&b), "-9223372036854775808 0 1234567890123") == 0);
    /* Every byte value round-trips through the escaper as valid JSON. */
    for (int c = 0; c < 256; c++) {
        char one = (char)c;
        hx_buf_clear(&b);
        hx_json_put_str(&b, &one, 1);
        CHECK(hx_json_parse(b.data, b.len, &v) == 0);
    }
    hx_buf_free(&b);
    hx_buf_free(&back);
}

static void test_reasons(void) {
    hx_buf b = HX_BUF_INIT;
    hx_reason r = hx_reason_decode("\x07" "bye", 4);
    CHECK(r.kind == HATCHERY_REASON_CUSTOM && r.len == 3 && memcmp(r.detail, "bye", 3) == 0);
    hx_reason_encode(r, &b);
    CHECK(b.len == 4 && memcmp(b.data, "\x07" "bye", 4) == 0);
    CHECK(hx_reason_decode("\x04\x01\x02", 3).kind == HATCHERY_REASON_SHUTDOWN);
    CHECK(hx_reason_decode("\x04\x01\x02", 3).len == 0);
    r = hx_reason_decode("", 0);
    CHECK(r.kind == HATCHERY_REASON_CUSTOM && r.len == 0);
    r = hx_reason_decode("\x09\x01", 2);
    CHECK(r.kind == HATCHERY_REASON_CUSTOM && r.len == 2 && r.detail[0] == 9);
    CHECK(hx_reason_eq(hx_reason_custom("x"), hx_reason_decode("\x07x", 2)));
    CHECK(!hx_reason_eq(hx_reason_custom("x"), hx_reason_custom("y")));
    struct { hx_reason r; const char *text; } shown[] = {
        {HX_NORMAL, "normal"},
        {HX_KILLED, "killed"},
        {HX_REASON(HATCHERY_REASON_NOPROC), "noproc"},
        {hx_reason_decode("\x05wasm trap: unreachable", 23), "trap: wasm trap: unreachable"},
        {hx_reason_decode("\x06memory", 7), "limit: memory"},
        {hx_reason_custom_bytes("\xff\x00\x01", 3), "custom: 0xff0001"},
        {hx_reason_custom(""), "custom: "},
        {hx_reason_decode("\x08m", 2), "undef: m"},
    };
    for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
        hx_buf_clear(&b);
        hx_reason_display(shown[i].r, &b);
        if (strcmp(hx_buf_cstr(&b), shown[i].text) != 0) {
            fprintf(stderr, "display: got %s, want %s\n", hx_buf_cstr(&b), shown[i].text);
            failures++;
        }
    }
    hx_buf_free(&b);
}

/* Runs every reader function over a text; only the sanitizers can fail here. */
static void poke(const char *text, size_t len) {
    hx_json v = {text, len}, out;
    int64_t n;
    size_t count;
    char small[4];
    hx_buf b = HX_BUF_INIT;
    hx_json_parse(text, len, &v);
    hx_json_get(v, "a", &out);
    hx_json_get(v, "$call", &out);
    hx_json_at(v, 1, &out);
    hx_json_count(v, &count);
    hx_json_int(v, &n);
    hx_json_str(v, small, sizeof small, NULL);
    hx_json_str_eq(v, "ab");
    hx_json_str_buf(v, &b);
    hx_json_iter it = hx_json_iter_start(v);
    hx_json k, e;
    while (hx_json_next(&it, &k, &e) > 0) hx_json_int(e, &n);
    hx_reason_display(hx_reason_decode(text, len), &b);
    hx_buf_free(&b);
}

static void fuzz(void) {
    const char *seeds[] = {"{\"$call\":{\"ref\":7,\"req\":{\"put\":{\"key\":\"k\",\"value\":[1,2]}}}}",
                           "{\"a\":\"\\ud83d\\ude00\",\"b\":[true,false,null,-1.5e3]}",
                           "[\"\\u0000\",{\"a\":{}}]"};
    const char alphabet[] = "{}[]\":,\\u0123456789abcdefnrt-+.eE \xc3\xa9\xff\xed";
    srand(12345);
    for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
        size_t n = strlen(seeds[s]);
        /* Every truncation, in a heap block of exactly that size so ASan sees overreads. */
        for (size_t cut = 0; cut <= n; cut++) {
            char *t = malloc(cut ? cut : 1);
            memcpy(t, seeds[s], cut);
            poke(t, cut);
            free(t);
        }
        for (int round = 0; round < 20000; round++) {
            char *t = malloc(n);
            memcpy(t, seeds[s], n);
            int edits = 1 + rand() % 4;
            for (int e = 0; e < edits; e++) t[rand() % n] = alphabet[rand() % (sizeof alphabet - 1)];
            poke(t, n);
            free(t);
        }
    }
}

int main(void) {
    test_parse();
    test_access();
    test_writer();
    test_reasons();
    fuzz();
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("sdk_test: ok\n");
    return 0;
}
