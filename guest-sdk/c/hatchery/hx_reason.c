/* hx_reason.c: exit reasons and their byte encoding (ABI.md section 3). */
#include <string.h>

#include "hatchery_sdk.h"
#include "hx_internal.h"

hx_reason hx_reason_custom(const char *text) {
    return hx_reason_custom_bytes(text, strlen(text));
}

hx_reason hx_reason_custom_bytes(const void *detail, size_t len) {
    return (hx_reason){HATCHERY_REASON_CUSTOM, detail, len};
}

/* Whether a kind carries detail bytes. */
static int has_detail(uint8_t kind) {
    return kind == HATCHERY_REASON_TRAP || kind == HATCHERY_REASON_LIMIT ||
           kind == HATCHERY_REASON_CUSTOM || kind == HATCHERY_REASON_UNDEF;
}

hx_reason hx_reason_decode(const void *bytes, size_t len) {
    const uint8_t *p = bytes;
    if (len == 0) return hx_reason_custom_bytes(NULL, 0);
    if (p[0] > HATCHERY_REASON_UNDEF) return hx_reason_custom_bytes(p, len);
    if (!has_detail(p[0])) return HX_REASON(p[0]);
    return (hx_reason){p[0], p + 1, len - 1};
}

int hx_reason_encode(hx_reason r, hx_buf *out) {
    hx_buf_putc(out, (char)r.kind);
    if (has_detail(r.kind)) hx_buf_put(out, r.detail, r.len);
    return out->failed ? HX_ERR_NOMEM : 0;
}

int hx_reason_display(hx_reason r, hx_buf *out) {
    static const char *const names[] = {"normal", "killed", "noproc", "noconnection",
                                        "shutdown", "trap", "limit", "custom", "undef"};
    static const char hex[] = "0123456789abcdef";
    if (r.kind > HATCHERY_REASON_UNDEF) {
        /* Not a kind of this ABI version: show it as custom would carry it. */
        hx_buf_puts(out, "custom: 0x");
        hx_buf_putc(out, hex[r.kind >> 4]);
        hx_buf_putc(out, hex[r.kind & 15]);
        return out->failed ? HX_ERR_NOMEM : 0;
    }
    hx_buf_puts(out, names[r.kind]);
    if (!has_detail(r.kind)) return out->failed ? HX_ERR_NOMEM : 0;
    hx_buf_puts(out, ": ");
    if (r.kind == HATCHERY_REASON_CUSTOM && !hx_utf8_valid(r.detail, r.len)) {
        hx_buf_puts(out, "0x");
        for (size_t i = 0; i < r.len; i++) {
            hx_buf_putc(out, hex[r.detail[i] >> 4]);
            hx_buf_putc(out, hex[r.detail[i] & 15]);
        }
    } else {
        hx_buf_put_lossy(out, r.detail, r.len);
    }
    return out->failed ? HX_ERR_NOMEM : 0;
}

int hx_reason_eq(hx_reason a, hx_reason b) {
    if (a.kind != b.kind) return 0;
    if (!has_detail(a.kind)) return 1;
    return a.len == b.len && (a.len == 0 || memcmp(a.detail, b.detail, a.len) == 0);
}
