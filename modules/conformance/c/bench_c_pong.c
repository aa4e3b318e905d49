/*
 * bench_c_pong: the message round-trip benchmark's echo. It receives any user message; if
 * its bytes are exactly `stop` it returns (reason normal), else it sends the same bytes back
 * to the sender.
 */
#include <string.h>

#include "hatchery_sdk.h"

static int is_user(const hx_message *m, void *ctx) {
    (void)ctx;
    return m->kind == HATCHERY_KIND_USER;
}

HX_ENTRY void hatchery_main(void) {
    for (;;) {
        hx_message m;
        if (hx_receive_match(HX_INFINITY, is_user, NULL, &m) != 0) continue;
        if (m.len == 4 && memcmp(m.data, "stop", 4) == 0) return;
        hx_send(m.from, m.data, m.len);
    }
}
