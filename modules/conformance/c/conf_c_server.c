/*
 * conf_c_server and conf_c_server_v2: the protocol's counter server (PROTOCOL.md, "The
 * counter server"), one source built twice with VERSION 1 and 2. It mirrors
 * modules/conformance/rust/src/lib.rs: v1 saves [count, infos], v2 saves
 * {"count": .., "infos": ..}, and both take either.
 */
#include <stdlib.h>

#include "hatchery_sdk.h"

#ifndef VERSION
#error "build with -DVERSION=1 or -DVERSION=2"
#endif

typedef struct counter {
    int64_t count;
    int64_t infos;
} counter;

static counter initial;

static hx_next on_call(void *state, hx_json req, const hx_from *from, hx_buf *reply) {
    counter *c = state;
    (void)from;
    /* The request is a string, as the Rust server's `type Call = String`; anything else
     * crashes it, as an unmatched handle_call clause does. */
    if (hx_json_type_of(req) != HX_JSON_STRING) hx_panic("handle_call: no clause matches");
    if (hx_json_str_eq(req, "get")) {
        hx_json_put_int(reply, c->count);
    } else if (hx_json_str_eq(req, "infos")) {
        hx_json_put_int(reply, c->infos);
    } else if (hx_json_str_eq(req, "version")) {
        hx_json_put_int(reply, VERSION);
    } else {
        hx_buf_puts(reply, "{\"unknown\":");
        hx_buf_put(reply, req.text, req.len);
        hx_buf_putc(reply, '}');
    }
    return HX_REPLY;
}

static hx_next on_cast(void *state, hx_json msg) {
    counter *c = state;
    int64_t n;
    if (hx_json_int(msg, &n) != 0) hx_panic("handle_cast: no clause matches");
    c->count += n;
    return HX_CONTINUE;
}

static hx_next on_info(void *state, const hx_message *m) {
    counter *c = state;
    (void)m;
    c->infos += 1;
    return HX_CONTINUE;
}

static void save(void *state, hx_buf *out) {
    const counter *c = state;
    hx_buf_puts(out, VERSION == 1 ? "[" : "{\"count\":");
    hx_json_put_int(out, c->count);
    hx_buf_puts(out, VERSION == 1 ? "," : ",\"infos\":");
    hx_json_put_int(out, c->infos);
    hx_buf_puts(out, VERSION == 1 ? "]" : "}");
}

static int code_change(int32_t old_version, const uint8_t *saved, size_t len, void **state,
                       hx_buf *why) {
    hx_json v, count, infos;
    size_t n = 0;
    int ok = hx_json_parse(saved, len, &v) == 0;
    if (ok && hx_json_type_of(v) == HX_JSON_ARRAY) {
        ok = hx_json_count(v, &n) == 0 && n == 2 && hx_json_at(v, 0, &count) == 0 &&
             hx_json_at(v, 1, &infos) == 0;
    } else if (ok && hx_json_type_of(v) == HX_JSON_OBJECT) {
        ok = hx_json_get(v, "count", &count) == 0 && hx_json_get(v, "infos", &infos) == 0;
    } else {
        ok = 0;
    }
    counter *c = malloc(sizeof *c);
    if (ok && c && hx_json_int(count, &c->count) == 0 && hx_json_int(infos, &c->infos) == 0) {
        *state = c;
        return 0;
    }
    free(c);
    hx_buf_puts(why, "not a counter state from v");
    hx_json_put_int(why, old_version);
    hx_buf_puts(why, ": ");
    hx_buf_put(why, saved, len);
    return 1;
}

static const hx_server server = {
    .handle_call = on_call,
    .handle_cast = on_cast,
    .handle_info = on_info,
    .save = save,
    .code_change = code_change,
};

HX_EXPORT_UPGRADABLE_SERVER(server)

HX_ENTRY void hatchery_main(void) { hx_serve(&initial); }
