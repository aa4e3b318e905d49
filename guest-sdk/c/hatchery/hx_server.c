/* hx_server.c: the behaviour layer, the body of hatchery_handle and the hot swap exports. */
#include <stdint.h>
#include <stdlib.h>

#include "hatchery_sdk.h"
#include "hx_internal.h"

static void *server_state;
static int served;

/* The message being handled: kept apart from the receive buffer, so a nested receive in a
 * callback (a call to another server) does not overwrite it. */
static hx_buf handled = HX_BUF_INIT;
/* Where handle_call writes its reply. */
static hx_buf reply_buf = HX_BUF_INIT;
/* Bytes handed to the host (a saved state, a refusal reason), kept until the next handover
 * so that the host can read them after the export returns. */
static hx_buf handover = HX_BUF_INIT;

/* A buffer grown past this for one big message is given back afterwards. */
#define KEEP_AT_MOST (1u << 20)

void hx_serve(void *state) {
    server_state = state;
    served = 1;
}

void *hx_server_state(void) { return server_state; }

void hx_hibernate(void) { hatchery_hibernate(); }

static void trim(hx_buf *b) {
    if (b->cap > KEEP_AT_MOST) hx_buf_free(b);
    else hx_buf_clear(b);
}

/* Runs terminate, then ends the process with the reason. */
static _Noreturn void stop(const hx_server *s, hx_reason reason) {
    if (s->terminate) s->terminate(server_state, reason);
    hx_exit(reason);
}

static hx_next dispatch_call(const hx_server *s, hx_json call, int64_t sender) {
    hx_from from = {sender, 0};
    hx_json ref, req = {"null", 4};
    int64_t r;
    /* As serde_json's `call["ref"].as_u64()`: a missing or odd ref is 0. */
    if (hx_json_get(call, "ref", &ref) == 0 && hx_json_int(ref, &r) == 0 && r >= 0) from.ref = r;
    hx_json_get(call, "req", &req);
    if (!s->handle_call) hx_panic("handle_call: this server has no handle_call callback");
    hx_buf_clear(&reply_buf);
    hx_next next = s->handle_call(server_state, req, &from, &reply_buf);
    if (reply_buf.failed) hx_panic("handle_call: out of memory writing the reply");
    int reply = next.action == HX_NEXT_CONTINUE ||
                (next.action == HX_NEXT_STOP && reply_buf.len > 0);
    if (reply) {
        const void *value = reply_buf.len ? (const void *)reply_buf.data : "null";
        size_t len = reply_buf.len ? reply_buf.len : 4;
        int e = hx_reply(&from, value, len);
        if (e == HX_ERR_BAD_JSON) hx_panic("handle_call: the reply written is not JSON");
        if (e != 0) hx_eprint("server: the reply to a call could not be sent");
    }
    trim(&reply_buf);
    return next;
}

static hx_next dispatch(const hx_server *s, const hx_message *m) {
    hx_json msg, inner;
    if (m->kind == HATCHERY_KIND_USER && hx_message_json(m, &msg) == 0 &&
        hx_json_type_of(msg) == HX_JSON_OBJECT) {
        if (hx_json_get(msg, "$call", &inner) == 0) return dispatch_call(s, inner, m->from);
        if (hx_json_get(msg, "$cast", &inner) == 0)
            return s->handle_cast ? s->handle_cast(server_state, inner) : HX_CONTINUE;
    }
    /* As gen_server: an exit signal from the parent (a supervisor's shutdown) ends a server
     * that traps exits, after terminate. */
    if (m->kind == HATCHERY_KIND_EXIT && m->from != 0 && m->from == hatchery_parent())
        return HX_STOP(m->reason);
    return s->handle_info ? s->handle_info(server_state, m) : HX_CONTINUE;
}

void hx_server_handle(const hx_server *s, int32_t kind, int64_t sender, int32_t size) {
    hx_buf_clear(&handled);
    if (size > 0 && hx_buf_reserve(&handled, (size_t)size) != 0)
        hx_panic("hatchery_handle: out of memory reading the message");
    int32_t n = hatchery_message_read(handled.data, size > 0 ? size : 0);
    handled.len = n > 0 && n <= size ? (size_t)n : 0;
    hx_message m;
    /* A malformed DOWN or an unknown kind is ignored, as the Rust SDK does. */
    if (hx_message_from_raw((uint32_t)kind, sender, handled.data, handled.len, &m) != 0) return;
    if (!served) {
        hx_exit(hx_reason_custom("a server module must call hx_serve in its init"));
    }
    hx_next next = dispatch(s, &m);
    if (next.action == HX_NEXT_STOP) stop(s, next.reason);
    trim(&handled);
}

/* Keeps bytes for the host and returns them packed as (ptr << 32) | len. */
static int64_t hand_over(const void *bytes, size_t len) {
    hx_buf_clear(&handover);
    if (hx_buf_put(&handover, bytes, len) != 0) hx_panic("out of memory handing bytes over");
    uint64_t ptr = (uint64_t)(uintptr_t)handover.data;
    return (int64_t)((ptr << 32) | (uint64_t)(uint32_t)handover.len);
}

int64_t hx_server_state_save(const hx_server *s) {
    if (!s->save) hx_panic("hatchery_state_save: this server has no save callback");
    hx_buf out = HX_BUF_INIT;
    s->save(server_state, &out);
    if (out.failed) hx_panic("hatchery_state_save: out of memory saving the state");
    /* The saved bytes become the handover buffer itself: no copy of a big state. */
    hx_buf_free(&handover);
    handover = out;
    uint64_t ptr = (uint64_t)(uintptr_t)handover.data;
    return (int64_t)((ptr << 32) | (uint64_t)(uint32_t)handover.len);
}

int64_t hx_server_code_change(const hx_server *s, int32_t old_version, int32_t size) {
    if (!s->code_change) return hand_over(HX_LIT("this server has no code_change callback"));
    hx_buf saved = HX_BUF_INIT, why = HX_BUF_INIT;
    if (size > 0 && hx_buf_reserve(&saved, (size_t)size) != 0)
        return hand_over(HX_LIT("out of memory reading the saved state"));
    int32_t n = hatchery_message_read(saved.data, size > 0 ? size : 0);
    saved.len = n > 0 && n <= size ? (size_t)n : 0;
    void *state = NULL;
    int refused = s->code_change(old_version, saved.data, saved.len, &state, &why);
    hx_buf_free(&saved);
    if (!refused) {
        hx_buf_free(&why);
        hx_serve(state);
        return 0;
    }
    int64_t packed = why.len && !why.failed ? hand_over(why.data, why.len)
                                            : hand_over(HX_LIT("refused"));
    hx_buf_free(&why);
    return packed;
}
