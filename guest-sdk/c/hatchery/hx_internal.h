/* hx_internal.h: helpers shared by the SDK's .c files; not part of the API. */
#ifndef HX_INTERNAL_H
#define HX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hatchery_json.h"

/* Decodes one UTF-8 sequence at p (n bytes available): its length (1-4) with *cp set, or 0
 * when it is not valid UTF-8 (overlong, a surrogate, above U+10FFFF, truncated). */
size_t hx_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp);

/* Writes the UTF-8 encoding of a code point (at most U+10FFFF) to out; returns its length. */
size_t hx_utf8_encode(uint32_t cp, uint8_t out[4]);

/* Appends the UTF-8 encoding of a code point (at most U+10FFFF). */
int hx_utf8_put(hx_buf *b, uint32_t cp);

/* Appends bytes as UTF-8 text, each invalid sequence replaced by U+FFFD (as Rust's
 * from_utf8_lossy does for the common cases). */
int hx_buf_put_lossy(hx_buf *b, const uint8_t *p, size_t n);

/* Whether bytes are valid UTF-8. */
int hx_utf8_valid(const uint8_t *p, size_t n);

/* The ABI's (ptr, len) for bytes the host only reads: (0, 0) when there are none, as the
 * ABI asks for an absent exit detail. */
#define HX_PTR(p, n) ((n) ? (const void *)(p) : (const void *)0)
#define HX_LEN(n) ((int32_t)(n))

#endif /* HX_INTERNAL_H */
