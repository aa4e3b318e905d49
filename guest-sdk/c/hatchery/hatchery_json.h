/*
 * hatchery_json.h: a growable byte buffer, and a small JSON reader and writer.
 *
 * C has no JSON, and Hatchery speaks it: gen_server calls and casts, spawn arguments,
 * supervisor specs. This is just enough of it, written to be safe on hostile input: every
 * read is bounds-checked, nothing recurses deeper than HX_JSON_MAX_DEPTH, and malformed text
 * gives HX_ERR_BAD_JSON, never a crash. It follows RFC 8259 as serde_json does: strings must
 * be valid UTF-8 with no raw control characters, no trailing commas, no comments.
 *
 * The reader does not build a tree. An hx_json is a view of one value's text inside the
 * caller's bytes; hx_json_get and hx_json_at scan that text to find a member. Scanning is
 * linear, which is fine for the message-sized documents processes exchange.
 *
 *   hx_json msg, call, req;
 *   if (hx_json_parse(bytes, len, &msg) == 0 && hx_json_get(msg, "$call", &call) == 0 &&
 *       hx_json_get(call, "req", &req) == 0 && hx_json_str_eq(req, "get")) { ... }
 *
 * The writer appends to an hx_buf; hx_json_put_str escapes a string.
 */
#ifndef HATCHERY_JSON_H
#define HATCHERY_JSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Error codes of the SDK, below the ABI's (hatchery.h, -1 to -12) -------------------- */

#define HX_ERR_NOMEM    (-100) /* malloc failed (the node caps a process's memory) */
#define HX_ERR_BAD_JSON (-101) /* not valid JSON, or not the JSON type asked for */
#define HX_ERR_MISSING  (-102) /* no such key or index */
#define HX_ERR_RANGE    (-103) /* a number does not fit, or an output buffer is too small */

/* ---- hx_buf: bytes on the heap that grow as needed --------------------------------------- */

/* A growable buffer. Start it with HX_BUF_INIT (or zeroed memory). After an allocation fails
 * every later put is ignored and `failed` stays set, so a sequence of puts can be checked
 * once at the end. */
typedef struct hx_buf {
    uint8_t *data; /* the bytes; NULL until something is put */
    size_t len;    /* how many bytes are in use */
    size_t cap;    /* how many are allocated */
    int failed;    /* nonzero after an allocation failed */
} hx_buf;

#define HX_BUF_INIT {0, 0, 0, 0}

/* Makes room for `extra` more bytes: 0, or HX_ERR_NOMEM (and sets `failed`). */
int hx_buf_reserve(hx_buf *b, size_t extra);
/* Appends n bytes: 0 or HX_ERR_NOMEM. */
int hx_buf_put(hx_buf *b, const void *bytes, size_t n);
/* Appends a NUL-terminated string (without its NUL): 0 or HX_ERR_NOMEM. */
int hx_buf_puts(hx_buf *b, const char *s);
/* Appends one byte: 0 or HX_ERR_NOMEM. */
int hx_buf_putc(hx_buf *b, char c);
/* Empties the buffer and clears `failed`; keeps the memory for reuse. */
void hx_buf_clear(hx_buf *b);
/* Frees the memory; the buffer is HX_BUF_INIT again. */
void hx_buf_free(hx_buf *b);
/* The contents as a NUL-terminated string (the NUL is not counted in len). Returns "" when
 * the buffer failed or the terminator cannot be added. */
const char *hx_buf_cstr(hx_buf *b);

/* ---- Writing JSON ------------------------------------------------------------------------- */

/* Appends bytes as a JSON string: quoted, with ", \ and control characters escaped. Bytes
 * that are not valid UTF-8 are written as U+FFFD, so the output is always valid JSON. */
int hx_json_put_str(hx_buf *b, const void *s, size_t n);
/* hx_json_put_str of a NUL-terminated string. */
int hx_json_put_cstr(hx_buf *b, const char *s);
/* Appends an integer in decimal. */
int hx_json_put_int(hx_buf *b, int64_t v);

/* ---- Reading JSON ------------------------------------------------------------------------- */

/* How deep arrays and objects may nest (serde_json's default limit). */
#define HX_JSON_MAX_DEPTH 128

/* A view of one JSON value's text (no surrounding white space). It points into bytes the
 * caller owns and is valid as long as they are. */
typedef struct hx_json {
    const char *text;
    size_t len;
} hx_json;

typedef enum hx_json_type {
    HX_JSON_INVALID = 0,
    HX_JSON_NULL,
    HX_JSON_BOOL,
    HX_JSON_NUMBER,
    HX_JSON_STRING,
    HX_JSON_ARRAY,
    HX_JSON_OBJECT,
} hx_json_type;

/* Checks that text[0..len) is exactly one JSON value, white space around it allowed, and
 * sets *out to it: 0, or HX_ERR_BAD_JSON. */
int hx_json_parse(const void *text, size_t len, hx_json *out);
/* The type of a value, from its first character (HX_JSON_INVALID for an empty view). */
hx_json_type hx_json_type_of(hx_json v);
/* The member `key` of an object (compared after unescaping, so "\u0024call" is "$call"; if
 * the key repeats, the last one wins, as in serde_json): 0, HX_ERR_MISSING, or
 * HX_ERR_BAD_JSON when v is not a valid object. */
int hx_json_get(hx_json obj, const char *key, hx_json *out);
/* The element `index` (from 0) of an array: 0, HX_ERR_MISSING or HX_ERR_BAD_JSON. */
int hx_json_at(hx_json arr, size_t index, hx_json *out);
/* The number of elements of an array or members of an object: 0 or HX_ERR_BAD_JSON. */
int hx_json_count(hx_json v, size_t *count);
/* An integer (no fraction or exponent, as serde_json's as_i64): 0, HX_ERR_BAD_JSON when v
 * is not an integer, HX_ERR_RANGE when it does not fit in an int64_t. */
int hx_json_int(hx_json v, int64_t *out);
/* `true` or `false`: 0 (with *out = 1 or 0) or HX_ERR_BAD_JSON. */
int hx_json_bool(hx_json v, int *out);
/* Whether v is `null`. */
int hx_json_is_null(hx_json v);
/* Unescapes a string into buf (UTF-8, NUL-terminated) and sets *len (may be NULL) to its
 * length without the NUL: 0, HX_ERR_BAD_JSON when v is not a string, HX_ERR_RANGE when
 * buf (cap bytes) is too small for the text and its NUL. */
int hx_json_str(hx_json v, char *buf, size_t cap, size_t *len);
/* Unescapes a string and appends it to b (no NUL): 0, HX_ERR_BAD_JSON or HX_ERR_NOMEM. */
int hx_json_str_buf(hx_json v, hx_buf *b);
/* Whether v is a string whose unescaped text equals the NUL-terminated s. */
int hx_json_str_eq(hx_json v, const char *s);

/* Walks the members of an object or the elements of an array:
 *
 *   hx_json_iter it = hx_json_iter_start(obj);
 *   hx_json key, value;
 *   while (hx_json_next(&it, &key, &value) > 0) { ... }   // key is the quoted string
 *
 * hx_json_next returns 1 with the next item (key is left alone for an array; it may be
 * NULL), 0 at the end, HX_ERR_BAD_JSON for malformed text (then it stays at the end). */
typedef struct hx_json_iter {
    hx_json in;
    size_t pos; /* 0 before the first item */
    int done;
} hx_json_iter;

hx_json_iter hx_json_iter_start(hx_json container);
int hx_json_next(hx_json_iter *it, hx_json *key, hx_json *value);

#ifdef __cplusplus
}
#endif

#endif /* HATCHERY_JSON_H */
