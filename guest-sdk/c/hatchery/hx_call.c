/* hx_call.c: the client side of the gen_server protocol (ABI.md, "Calls and casts"). */
#include "hatchery_sdk.h"

int hx_reply(const hx_from *to, const void *value_json, size_t len) {
    hx_json value;
    if (hx_json_parse(value_json, len, &value) != 0) return HX_ERR_BAD_JSON;
    hx_buf msg = HX_BUF_INIT;
    hx_buf_puts(&msg, "{\"$reply\":{\"ref\":");
    hx_json_put_int(&msg, to->ref);
    hx_buf_puts(&msg, ",\"value\":");
    hx_buf_put(&msg, value.text, value.len);
    hx_buf_puts(&msg, "}}");
    int e = msg.failed ? HX_ERR_NOMEM : hx_send(to->pid, msg.data, msg.len);
    hx_buf_free(&msg);
    return e;
}

/* The reply value of a user message if it is {"$reply": {"ref": ref, ...}}: 1 with *value
 * set (`null` when it has none), else 0. */
static int reply_to(const hx_message *m, int64_t ref, hx_json *value) {
    hx_json msg, reply, r;
    int64_t got;
    if (hx_message_json(m, &msg) != 0 || hx_json_get(msg, "$reply", &reply) != 0) return 0;
    if (hx_json_get(reply, "ref", &r) != 0 || hx_json_int(r, &got) != 0 || got != ref) return 0;
    if (hx_json_get(reply, "value", value) != 0) *value = (hx_json){"null", 4};
    return 1;
}

/* The pattern of a call's receive: this call's reply, or the DOWN of its monitor. */
static int call_done(const hx_message *m, void *ctx) {
    int64_t ref = *(const int64_t *)ctx;
    hx_json value;
    if (m->kind == HATCHERY_KIND_DOWN) return m->monitor == ref;
    return m->kind == HATCHERY_KIND_USER && reply_to(m, ref, &value);
}

int hx_call(int64_t server, const void *request_json, size_t len, int64_t timeout_ms,
            hx_buf *out) {
    hx_json req;
    hx_buf_clear(out);
    if (hx_json_parse(request_json, len, &req) != 0) return HX_ERR_BAD_JSON;
    /* The monitor reference is the call's R: unique, and it ends the wait on a DOWN. */
    int64_t ref = hx_monitor(server);
    hx_buf msg = HX_BUF_INIT;
    hx_buf_puts(&msg, "{\"$call\":{\"ref\":");
    hx_json_put_int(&msg, ref);
    hx_buf_puts(&msg, ",\"req\":");
    hx_buf_put(&msg, req.text, req.len);
    hx_buf_puts(&msg, "}}");
    int e = msg.failed ? HX_ERR_NOMEM : hx_send(server, msg.data, msg.len);
    hx_buf_free(&msg);
    if (e != 0) {
        hx_demonitor(ref, 1);
        return e;
    }
    hx_message m;
    if (hx_receive_match(timeout_ms, call_done, &ref, &m) != 0) {
        /* A reply that comes after this stays queued: its ref matches no other call. */
        hx_demonitor(ref, 1);
        return HATCHERY_ERR_TIMEOUT;
    }
    if (m.kind == HATCHERY_KIND_DOWN) {
        if (hx_reason_encode(m.reason, out) != 0) return HX_ERR_NOMEM;
        return HATCHERY_ERR_NOPROC;
    }
    hx_demonitor(ref, 1);
    hx_json value;
    reply_to(&m, ref, &value);
    return hx_buf_put(out, value.text, value.len);
}

int hx_call_named(const char *name, const void *request_json, size_t len, int64_t timeout_ms,
                  hx_buf *out) {
    int64_t pid = hx_whereis(name);
    if (pid <= 0) {
        hx_buf_clear(out);
        return pid < 0 ? (int)pid : HATCHERY_ERR_NOT_REGISTERED;
    }
    return hx_call(pid, request_json, len, timeout_ms, out);
}

/* {"$cast": MESSAGE} in msg: 0, HX_ERR_BAD_JSON or HX_ERR_NOMEM. */
static int cast_message(const void *message_json, size_t len, hx_buf *msg) {
    hx_json m;
    if (hx_json_parse(message_json, len, &m) != 0) return HX_ERR_BAD_JSON;
    hx_buf_puts(msg, "{\"$cast\":");
    hx_buf_put(msg, m.text, m.len);
    hx_buf_putc(msg, '}');
    return msg->failed ? HX_ERR_NOMEM : 0;
}

int hx_cast(int64_t server, const void *message_json, size_t len) {
    hx_buf msg = HX_BUF_INIT;
    int e = cast_message(message_json, len, &msg);
    if (e == 0) e = hx_send(server, msg.data, msg.len);
    hx_buf_free(&msg);
    return e;
}

int hx_cast_named(const char *name, const void *message_json, size_t len) {
    hx_buf msg = HX_BUF_INIT;
    int e = cast_message(message_json, len, &msg);
    if (e == 0) e = hx_send_named(name, msg.data, msg.len);
    hx_buf_free(&msg);
    return e;
}
