/* hx_json.c: the JSON reader. Everything is a bounds-checked scan over (text, len). */
#include <string.h>

#include "hatchery_json.h"
#include "hx_internal.h"

/* A position in a text being scanned. */
typedef struct cursor {
    const char *s;
    size_t n, i;
} cursor;

static int at_end(const cursor *c) { return c->i >= c->n; }
static char peek(const cursor *c) { return c->i < c->n ? c->s[c->i] : 0; }

static void skip_ws(cursor *c) {
    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') break;
        c->i++;
    }
}

static int hex4(cursor *c, uint32_t *out) {
    if (c->n - c->i < 4) return HX_ERR_BAD_JSON;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char h = c->s[c->i++];
        v <<= 4;
        if (h >= '0' && h <= '9') v |= (uint32_t)(h - '0');
        else if (h >= 'a' && h <= 'f') v |= (uint32_t)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= (uint32_t)(h - 'A' + 10);
        else return HX_ERR_BAD_JSON;
    }
    *out = v;
    return 0;
}

/* Inside a string: reads one character. Returns 1 with *cp set, 0 at the closing quote
 * (consumed), HX_ERR_BAD_JSON on malformed text. */
static int string_char(cursor *c, uint32_t *cp) {
    if (at_end(c)) return HX_ERR_BAD_JSON;
    uint8_t ch = (uint8_t)c->s[c->i];
    if (ch == '"') {
        c->i++;
        return 0;
    }
    if (ch < 0x20) return HX_ERR_BAD_JSON;
    if (ch != '\\') {
        size_t k = hx_utf8_decode((const uint8_t *)c->s + c->i, c->n - c->i, cp);
        if (k == 0) return HX_ERR_BAD_JSON;
        c->i += k;
        return 1;
    }
    c->i++;
    if (at_end(c)) return HX_ERR_BAD_JSON;
    switch (c->s[c->i++]) {
    case '"': *cp = '"'; return 1;
    case '\\': *cp = '\\'; return 1;
    case '/': *cp = '/'; return 1;
    case 'b': *cp = '\b'; return 1;
    case 'f': *cp = '\f'; return 1;
    case 'n': *cp = '\n'; return 1;
    case 'r': *cp = '\r'; return 1;
    case 't': *cp = '\t'; return 1;
    case 'u': break;
    default: return HX_ERR_BAD_JSON;
    }
    uint32_t hi;
    if (hex4(c, &hi) != 0) return HX_ERR_BAD_JSON;
    if (hi >= 0xDC00 && hi <= 0xDFFF) return HX_ERR_BAD_JSON; /* a lone low surrogate */
    if (hi < 0xD800 || hi > 0xDBFF) {
        *cp = hi;
        return 1;
    }
    /* A high surrogate must be followed by an escaped low one. */
    uint32_t lo;
    if (c->n - c->i < 2 || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u') return HX_ERR_BAD_JSON;
    c->i += 2;
    if (hex4(c, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) return HX_ERR_BAD_JSON;
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return 1;
}

static int skip_string(cursor *c) {
    if (peek(c) != '"') return HX_ERR_BAD_JSON;
    c->i++;
    uint32_t cp;
    int r;
    while ((r = string_char(c, &cp)) > 0) {
    }
    return r;
}

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static int skip_number(cursor *c) {
    if (peek(c) == '-') c->i++;
    if (peek(c) == '0') {
        c->i++;
    } else if (is_digit(peek(c))) {
        while (is_digit(peek(c))) c->i++;
    } else {
        return HX_ERR_BAD_JSON;
    }
    if (peek(c) == '.') {
        c->i++;
        if (!is_digit(peek(c))) return HX_ERR_BAD_JSON;
        while (is_digit(peek(c))) c->i++;
    }
    if (peek(c) == 'e' || peek(c) == 'E') {
        c->i++;
        if (peek(c) == '+' || peek(c) == '-') c->i++;
        if (!is_digit(peek(c))) return HX_ERR_BAD_JSON;
        while (is_digit(peek(c))) c->i++;
    }
    return 0;
}

static int skip_word(cursor *c, const char *word) {
    size_t k = strlen(word);
    if (c->n - c->i < k || memcmp(c->s + c->i, word, k) != 0) return HX_ERR_BAD_JSON;
    c->i += k;
    return 0;
}

static int skip_value(cursor *c, int depth);

/* An array or object starting at c; depth counts the containers around it. */
static int skip_container(cursor *c, int depth) {
    char close = c->s[c->i] == '[' ? ']' : '}';
    if (depth >= HX_JSON_MAX_DEPTH) return HX_ERR_BAD_JSON;
    c->i++;
    skip_ws(c);
    if (peek(c) == close) {
        c->i++;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            if (skip_string(c) != 0) return HX_ERR_BAD_JSON;
            skip_ws(c);
            if (peek(c) != ':') return HX_ERR_BAD_JSON;
            c->i++;
            skip_ws(c);
        }
        if (skip_value(c, depth + 1) != 0) return HX_ERR_BAD_JSON;
        skip_ws(c);
        char ch = peek(c);
        c->i++;
        if (ch == close) return 0;
        if (ch != ',') return HX_ERR_BAD_JSON;
        skip_ws(c);
    }
}

/* Skips one value starting exactly at c (no white space before it). */
static int skip_value(cursor *c, int depth) {
    switch (peek(c)) {
    case '"': return skip_string(c);
    case '[':
    case '{': return skip_container(c, depth);
    case 't': return skip_word(c, "true");
    case 'f': return skip_word(c, "false");
    case 'n': return skip_word(c, "null");
    default: return skip_number(c);
    }
}

int hx_json_parse(const void *text, size_t len, hx_json *out) {
    cursor c = {text, len, 0};
    if (!text) return HX_ERR_BAD_JSON;
    skip_ws(&c);
    size_t start = c.i;
    if (skip_value(&c, 0) != 0) return HX_ERR_BAD_JSON;
    size_t end = c.i;
    skip_ws(&c);
    if (!at_end(&c)) return HX_ERR_BAD_JSON;
    out->text = c.s + start;
    out->len = end - start;
    return 0;
}

hx_json_type hx_json_type_of(hx_json v) {
    if (!v.text || v.len == 0) return HX_JSON_INVALID;
    switch (v.text[0]) {
    case 'n': return HX_JSON_NULL;
    case 't':
    case 'f': return HX_JSON_BOOL;
    case '"': return HX_JSON_STRING;
    case '[': return HX_JSON_ARRAY;
    case '{': return HX_JSON_OBJECT;
    default: return (v.text[0] == '-' || is_digit(v.text[0])) ? HX_JSON_NUMBER : HX_JSON_INVALID;
    }
}

hx_json_iter hx_json_iter_start(hx_json container) {
    hx_json_iter it = {container, 0, 0};
    hx_json_type t = hx_json_type_of(container);
    if (t != HX_JSON_ARRAY && t != HX_JSON_OBJECT) it.done = 1;
    return it;
}

int hx_json_next(hx_json_iter *it, hx_json *key, hx_json *value) {
    if (it->done) return it->pos == SIZE_MAX ? HX_ERR_BAD_JSON : 0;
    cursor c = {it->in.text, it->in.len, it->pos};
    int object = it->in.text[0] == '{';
    char close = object ? '}' : ']';
    if (c.i == 0) {
        c.i = 1; /* past the opening bracket */
        skip_ws(&c);
        if (peek(&c) == close) {
            it->done = 1;
            return 0;
        }
    } else {
        skip_ws(&c);
        char ch = peek(&c);
        c.i++;
        if (ch == close) {
            it->done = 1;
            return 0;
        }
        if (ch != ',') goto bad;
        skip_ws(&c);
    }
    if (object) {
        size_t k = c.i;
        if (skip_string(&c) != 0) goto bad;
        if (key) *key = (hx_json){c.s + k, c.i - k};
        skip_ws(&c);
        if (peek(&c) != ':') goto bad;
        c.i++;
        skip_ws(&c);
    }
    size_t v = c.i;
    /* Depth 1: the container itself counts as one level. */
    if (skip_value(&c, 1) != 0) goto bad;
    if (value) *value = (hx_json){c.s + v, c.i - v};
    it->pos = c.i;
    return 1;
bad:
    it->done = 1;
    it->pos = SIZE_MAX; /* remembers the failure for later calls */
    return HX_ERR_BAD_JSON;
}

/* Whether the quoted string `key` (valid JSON text) unescapes to exactly s. */
static int key_equals(hx_json key, const char *s) {
    cursor c = {key.text, key.len, 1};
    const uint8_t *want = (const uint8_t *)s;
    size_t wn = strlen(s), wi = 0;
    uint32_t cp;
    int r;
    while ((r = string_char(&c, &cp)) > 0) {
        uint8_t enc[4];
        size_t k = hx_utf8_encode(cp, enc);
        if (k > wn - wi || memcmp(want + wi, enc, k) != 0) return 0;
        wi += k;
    }
    return r == 0 && wi == wn;
}

int hx_json_get(hx_json obj, const char *key, hx_json *out) {
    if (hx_json_type_of(obj) != HX_JSON_OBJECT) return HX_ERR_BAD_JSON;
    hx_json_iter it = hx_json_iter_start(obj);
    hx_json k, v;
    int found = 0, r;
    while ((r = hx_json_next(&it, &k, &v)) > 0) {
        if (key_equals(k, key)) {
            *out = v;
            found = 1;
        }
    }
    if (r < 0) return r;
    return found ? 0 : HX_ERR_MISSING;
}

int hx_json_at(hx_json arr, size_t index, hx_json *out) {
    if (hx_json_type_of(arr) != HX_JSON_ARRAY) return HX_ERR_BAD_JSON;
    hx_json_iter it = hx_json_iter_start(arr);
    hx_json v;
    int r;
    for (size_t i = 0; (r = hx_json_next(&it, NULL, &v)) > 0; i++) {
        if (i == index) {
            *out = v;
            return 0;
        }
    }
    return r < 0 ? r : HX_ERR_MISSING;
}

int hx_json_count(hx_json v, size_t *count) {
    hx_json_type t = hx_json_type_of(v);
    if (t != HX_JSON_ARRAY && t != HX_JSON_OBJECT) return HX_ERR_BAD_JSON;
    hx_json_iter it = hx_json_iter_start(v);
    size_t n = 0;
    int r;
    while ((r = hx_json_next(&it, NULL, NULL)) > 0) n++;
    if (r < 0) return r;
    *count = n;
    return 0;
}

int hx_json_int(hx_json v, int64_t *out) {
    cursor c = {v.text, v.len, 0};
    if (!v.text || hx_json_type_of(v) != HX_JSON_NUMBER) return HX_ERR_BAD_JSON;
    if (skip_number(&c) != 0 || c.i != v.len) return HX_ERR_BAD_JSON;
    int neg = v.text[0] == '-';
    uint64_t m = 0;
    for (size_t i = neg; i < v.len; i++) {
        char ch = v.text[i];
        if (!is_digit(ch)) return HX_ERR_BAD_JSON; /* a fraction or an exponent */
        uint64_t d = (uint64_t)(ch - '0');
        if (m > (UINT64_MAX - d) / 10) return HX_ERR_RANGE;
        m = m * 10 + d;
    }
    if (neg ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX) return HX_ERR_RANGE;
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

int hx_json_bool(hx_json v, int *out) {
    if (v.len == 4 && memcmp(v.text, "true", 4) == 0) {
        *out = 1;
        return 0;
    }
    if (v.len == 5 && memcmp(v.text, "false", 5) == 0) {
        *out = 0;
        return 0;
    }
    return HX_ERR_BAD_JSON;
}

int hx_json_is_null(hx_json v) { return v.len == 4 && memcmp(v.text, "null", 4) == 0; }

/* Unescapes the string v, handing each character's UTF-8 bytes to put(ctx, bytes, n). */
static int unescape(hx_json v, int (*put)(void *, const uint8_t *, size_t), void *ctx) {
    if (hx_json_type_of(v) != HX_JSON_STRING) return HX_ERR_BAD_JSON;
    cursor c = {v.text, v.len, 1};
    uint32_t cp;
    int r;
    while ((r = string_char(&c, &cp)) > 0) {
        uint8_t enc[4];
        int e = put(ctx, enc, hx_utf8_encode(cp, enc));
        if (e != 0) return e;
    }
    return r == 0 && c.i == v.len ? 0 : HX_ERR_BAD_JSON;
}

static int put_buf(void *ctx, const uint8_t *bytes, size_t n) { return hx_buf_put(ctx, bytes, n); }

int hx_json_str_buf(hx_json v, hx_buf *b) { return unescape(v, put_buf, b); }

/* A caller's fixed array being filled, with room kept for the NUL. */
typedef struct fixed {
    char *buf;
    size_t cap, len;
} fixed;

static int put_fixed(void *ctx, const uint8_t *bytes, size_t n) {
    fixed *f = ctx;
    if (f->cap == 0 || n > f->cap - 1 - f->len) return HX_ERR_RANGE;
    memcpy(f->buf + f->len, bytes, n);
    f->len += n;
    return 0;
}

int hx_json_str(hx_json v, char *buf, size_t cap, size_t *len) {
    if (cap == 0) return hx_json_type_of(v) == HX_JSON_STRING ? HX_ERR_RANGE : HX_ERR_BAD_JSON;
    fixed f = {buf, cap, 0};
    int r = unescape(v, put_fixed, &f);
    if (r != 0) return r;
    buf[f.len] = 0;
    if (len) *len = f.len;
    return 0;
}

int hx_json_str_eq(hx_json v, const char *s) {
    return hx_json_type_of(v) == HX_JSON_STRING && key_equals(v, s);
}
