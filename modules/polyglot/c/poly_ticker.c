/*
 * poly_ticker: the polyglot app's clock (apps/polyglot/README.md), in C.
 *
 * Args {"counter": "counter", "kv": "kv", "every_ms": 1000} (each optional). On every tick
 * t = 1, 2, ... it casts 1 to the process registered as `counter`; on every fifth tick it
 * also calls `kv` with {"put": {"key": "ticks", "value": t}} (timeout 1 s) and prints
 * `ticker: tick <t>`. A free name is not an error: the cast or call just does nothing, so
 * the ticker runs quietly until its peers are up.
 */
#include <string.h>

#include "hatchery_sdk.h"

#define NAME_CAP 256 /* a registered name has at most 255 bytes */
/* Erlang's (and send_after's) longest timer; it also keeps the deadline sums far from
 * overflowing. */
#define MAX_EVERY_MS 4294967295LL

typedef struct config {
    char counter[NAME_CAP];
    char kv[NAME_CAP];
    int64_t every_ms;
} config;

static _Noreturn void bad_args(const char *why) {
    hx_eprint(why);
    hx_exit(hx_reason_custom(why));
}

/* The string field `key` of args into out, if present. */
static void name_arg(hx_json args, const char *key, char out[NAME_CAP]) {
    hx_json v;
    if (hx_json_type_of(args) != HX_JSON_OBJECT || hx_json_get(args, key, &v) != 0) return;
    if (hx_json_str(v, out, NAME_CAP, NULL) != 0)
        bad_args("poly_ticker: counter and kv must be names (strings of at most 255 bytes)");
}

static config read_config(void) {
    config c = {"counter", "kv", 1000};
    hx_buf storage = HX_BUF_INIT;
    hx_json args, every;
    if (hx_args_json(&storage, &args) != 0)
        bad_args("poly_ticker: the arguments are not JSON");
    /* `hatchery run poly_ticker.wasm` passes its command line as a JSON array (empty
     * here): like no arguments, it means the defaults. */
    hx_json_type type = hx_json_type_of(args);
    if (type != HX_JSON_OBJECT && type != HX_JSON_NULL && type != HX_JSON_ARRAY)
        bad_args("poly_ticker: the arguments must be a JSON object");
    name_arg(args, "counter", c.counter);
    name_arg(args, "kv", c.kv);
    if (hx_json_type_of(args) == HX_JSON_OBJECT && hx_json_get(args, "every_ms", &every) == 0 &&
        (hx_json_int(every, &c.every_ms) != 0 || c.every_ms <= 0 || c.every_ms > MAX_EVERY_MS))
        bad_args("poly_ticker: every_ms must be an integer from 1 to 4294967295");
    hx_buf_free(&storage);
    return c;
}

/* Stores the tick count in kv. A missing kv, a timeout or a dead kv are all quiet: the
 * next fifth tick tries again. */
static void store_ticks(const config *c, int64_t t) {
    hx_buf req = HX_BUF_INIT, reply = HX_BUF_INIT;
    hx_buf_puts(&req, "{\"put\":{\"key\":\"ticks\",\"value\":");
    hx_json_put_int(&req, t);
    hx_buf_puts(&req, "}}");
    if (!req.failed) hx_call_named(c->kv, req.data, req.len, 1000, &reply);
    hx_buf_free(&req);
    hx_buf_free(&reply);
}

static void tick(const config *c, int64_t t) {
    hx_cast_named(c->counter, HX_LIT("1"));
    if (t % 5 != 0) return;
    store_ticks(c, t);
    hx_buf line = HX_BUF_INIT;
    hx_buf_puts(&line, "ticker: tick ");
    hx_json_put_int(&line, t);
    hx_print(hx_buf_cstr(&line));
    hx_buf_free(&line);
}

HX_ENTRY void hatchery_main(void) {
    config c = read_config();
    int64_t next = hx_now_ms() + c.every_ms;
    for (int64_t t = 1;; t++) {
        /* The receive is the clock. A message that arrives meanwhile (a late kv reply) is
         * dropped and the wait goes on to the same deadline, so ticks stay every_ms apart
         * and the mailbox stays empty. */
        hx_message m;
        for (;;) {
            int64_t left = next - hx_now_ms();
            if (left <= 0 || hx_receive(left, &m) != 0) break;
        }
        tick(&c, t);
        next += c.every_ms;
        /* After a slow tick (a call that waited 1 s), do not try to catch up in a burst. */
        int64_t now = hx_now_ms();
        if (next < now) next = now;
    }
}
