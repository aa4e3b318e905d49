/* hx_buf.c: the growable buffer, the JSON writer and the UTF-8 helpers. */
#include <stdlib.h>
#include <string.h>

#include "hatchery_json.h"
#include "hx_internal.h"

int hx_buf_reserve(hx_buf *b, size_t extra) {
    if (b->failed) return HX_ERR_NOMEM;
    if (extra <= b->cap - b->len) return 0;
    if (extra > SIZE_MAX - b->len) goto fail;
    size_t want = b->len + extra;
    /* Doubling keeps a long run of small puts linear. */
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < want) cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) goto fail;
    b->data = p;
    b->cap = cap;
    return 0;
fail:
    b->failed = 1;
    return HX_ERR_NOMEM;
}

int hx_buf_put(hx_buf *b, const void *bytes, size_t n) {
    if (n == 0) return b->failed ? HX_ERR_NOMEM : 0;
    if (hx_buf_reserve(b, n) != 0) return HX_ERR_NOMEM;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return 0;
}

int hx_buf_puts(hx_buf *b, const char *s) { return hx_buf_put(b, s, strlen(s)); }

int hx_buf_putc(hx_buf *b, char c) { return hx_buf_put(b, &c, 1); }

void hx_buf_clear(hx_buf *b) {
    b->len = 0;
    b->failed = 0;
}

void hx_buf_free(hx_buf *b) {
    free(b->data);
    *b = (hx_buf)HX_BUF_INIT;
}

const char *hx_buf_cstr(hx_buf *b) {
    if (b->failed || hx_buf_reserve(b, 1) != 0) return "";
    b->data[b->len] = 0;
    return (const char *)b->data;
}

/* ---- UTF-8 -------------------------------------------------------------------------------- */

size_t hx_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp) {
    if (n == 0) return 0;
    uint8_t c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

int hx_utf8_valid(const uint8_t *p, size_t n) {
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t k = hx_utf8_decode(p + i, n - i, &cp);
        if (k == 0) return 0;
        i += k;
    }
    return 1;
}

size_t hx_utf8_encode(uint32_t cp, uint8_t out[4]) {
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

int hx_utf8_put(hx_buf *b, uint32_t cp) {
    uint8_t out[4];
    return hx_buf_put(b, out, hx_utf8_encode(cp, out));
}

int hx_buf_put_lossy(hx_buf *b, const uint8_t *p, size_t n) {
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t k = hx_utf8_decode(p + i, n - i, &cp);
        if (k == 0) {
            hx_utf8_put(b, 0xFFFD);
            i++;
        } else {
            hx_buf_put(b, p + i, k);
            i += k;
        }
    }
    return b->failed ? HX_ERR_NOMEM : 0;
}

/* ---- Writing JSON ------------------------------------------------------------------------- */

int hx_json_put_str(hx_buf *b, const void *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = s;
    hx_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = hx_utf8_decode(p + i, n - i, &cp);
            if (k == 0) {
                hx_utf8_put(b, 0xFFFD);
                i++;
            } else {
                hx_buf_put(b, p + i, k);
                i += k;
            }
            continue;
        }
        i++;
        switch (c) {
        case '"': hx_buf_puts(b, "\\\""); break;
        case '\\': hx_buf_puts(b, "\\\\"); break;
        case '\n': hx_buf_puts(b, "\\n"); break;
        case '\r': hx_buf_puts(b, "\\r"); break;
        case '\t': hx_buf_puts(b, "\\t"); break;
        case '\b': hx_buf_puts(b, "\\b"); break;
        case '\f': hx_buf_puts(b, "\\f"); break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                hx_buf_put(b, esc, sizeof esc);
            } else {
                hx_buf_putc(b, (char)c);
            }
        }
    }
    hx_buf_putc(b, '"');
    return b->failed ? HX_ERR_NOMEM : 0;
}

int hx_json_put_cstr(hx_buf *b, const char *s) { return hx_json_put_str(b, s, strlen(s)); }

int hx_json_put_int(hx_buf *b, int64_t v) {
    char tmp[20];
    size_t n = 0;
    /* Work on the unsigned magnitude so INT64_MIN does not overflow. */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) hx_buf_putc(b, '-');
    while (n) hx_buf_putc(b, tmp[--n]);
    return b->failed ? HX_ERR_NOMEM : 0;
}
