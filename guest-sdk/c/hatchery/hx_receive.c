/* hx_receive.c: messages, and selective receive over the mailbox (ABI.md section 4). */
#include <stdlib.h>
#include <string.h>

#include "hatchery_sdk.h"

/* The receive buffer, reused across receives so that looking at small messages does not
 * allocate. It grows to the largest message looked at; past KEEP_AT_MOST it is given back at
 * the start of the next receive (not at the end: the message returned lives in it). */
static uint8_t *recv_buf;
static size_t recv_cap;

#define INITIAL_CAPACITY 1024
#define KEEP_AT_MOST (1u << 20)

/* Makes the receive buffer hold at least `want` bytes: 0 or HX_ERR_NOMEM. */
static int recv_room(size_t want) {
    if (want <= recv_cap) return 0;
    /* realloc would copy bytes that are about to be overwritten: free and allocate. */
    free(recv_buf);
    recv_buf = malloc(want);
    recv_cap = recv_buf ? want : 0;
    return recv_buf ? 0 : HX_ERR_NOMEM;
}

int hx_message_from_raw(uint32_t kind, int64_t sender, const uint8_t *bytes, size_t len,
                        hx_message *out) {
    hx_message m = {kind, sender, bytes, len, 0, HX_NORMAL};
    switch (kind) {
    case HATCHERY_KIND_USER: break;
    case HATCHERY_KIND_EXIT: m.reason = hx_reason_decode(bytes, len); break;
    case HATCHERY_KIND_DOWN:
        if (len < 8) return HATCHERY_ERR_BAD_ARG;
        memcpy(&m.monitor, bytes, 8); /* little-endian, as Wasm is */
        m.reason = hx_reason_decode(bytes + 8, len - 8);
        break;
    case HATCHERY_KIND_NODEUP:
    case HATCHERY_KIND_NODEDOWN: break;
    default: return HATCHERY_ERR_BAD_ARG;
    }
    *out = m;
    return 0;
}

int hx_message_json(const hx_message *m, hx_json *out) {
    if (m->kind != HATCHERY_KIND_USER) return HX_ERR_BAD_JSON;
    return hx_json_parse(m->data, m->len, out);
}

/* What is left of a wait until `deadline` on the node clock (never negative). */
static int64_t remaining(int64_t deadline) {
    int64_t now = hatchery_now_ms();
    return now >= deadline ? 0 : deadline - now;
}

int hx_receive_match(int64_t timeout_ms, hx_match_fn match, void *ctx, hx_message *out) {
    if (recv_cap > KEEP_AT_MOST) {
        free(recv_buf);
        recv_buf = NULL;
        recv_cap = 0;
    }
    if (recv_room(INITIAL_CAPACITY) != 0) return HX_ERR_NOMEM;
    int64_t deadline = 0;
    if (timeout_ms > 0) {
        int64_t now = hatchery_now_ms();
        deadline = now > INT64_MAX - timeout_ms ? INT64_MAX : now + timeout_ms;
    }
    for (int32_t index = 0;; index++) {
        int64_t wait = timeout_ms < 0 ? -1 : timeout_ms == 0 ? 0 : remaining(deadline);
        hatchery_recv_info info;
        int32_t size = hatchery_recv(index, wait, recv_buf, (int32_t)recv_cap, &info);
        /* ERR_TIMEOUT is the `after` branch; any other code means the mailbox cannot be
         * read at this index, which ends the receive the same way. */
        if (size < 0) return size;
        if ((size_t)size > recv_cap) {
            if (recv_room((size_t)size) != 0) return HX_ERR_NOMEM;
            /* The message is still at `index`: only this process removes messages. */
            size = hatchery_recv(index, 0, recv_buf, (int32_t)recv_cap, &info);
            if (size < 0) return size;
        }
        /* Only what was copied is looked at, whatever the host says. */
        size_t got = (size_t)size < recv_cap ? (size_t)size : recv_cap;
        hx_message m;
        /* A kind this SDK does not know (a newer host) is left queued. */
        if (hx_message_from_raw(info.kind, info.sender, recv_buf, got, &m) != 0) continue;
        if (match == NULL || match(&m, ctx)) {
            hatchery_take(index);
            if (out) *out = m;
            return 0;
        }
    }
}

int hx_receive(int64_t timeout_ms, hx_message *out) {
    return hx_receive_match(timeout_ms, NULL, NULL, out);
}
