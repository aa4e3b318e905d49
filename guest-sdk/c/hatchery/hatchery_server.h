/*
 * hatchery_server.h: behaviour-style servers (gen_server) and the client side of the
 * gen_server protocol (ABI.md section 5, "Behaviours" and "Calls and casts").
 *
 * A server module fills an hx_server with callbacks, invokes HX_EXPORT_SERVER (or
 * HX_EXPORT_UPGRADABLE_SERVER) once at file scope, and calls hx_serve(state) from its
 * init (hatchery_main). When the init returns, the host hands each message to
 * hatchery_handle, which this layer dispatches:
 *
 *   {"$call": {"ref": R, "req": REQ}}  -> handle_call, whose reply goes back as
 *                                         {"$reply": {"ref": R, "value": V}}
 *   {"$cast": M}                       -> handle_cast
 *   anything else (other JSON, bytes, EXIT, DOWN,
 *   NODEUP, NODEDOWN)                  -> handle_info
 *
 * except that an EXIT from the parent (a supervisor shutting the server down) runs
 * terminate and ends the server with that reason, as a gen_server does. Key order and
 * white space do not matter. No guest code runs between messages.
 *
 *   static hx_next on_call(void *st, hx_json req, const hx_from *from, hx_buf *reply) {
 *       if (hx_json_str_eq(req, "get")) hx_json_put_int(reply, count);
 *       return HX_REPLY;
 *   }
 *   static const hx_server server = {.handle_call = on_call};
 *   HX_EXPORT_SERVER(server)
 *   HX_ENTRY void hatchery_main(void) { hx_serve(NULL); }
 */
#ifndef HATCHERY_SERVER_H
#define HATCHERY_SERVER_H

#include "hatchery_sdk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Who made a call: reply to it with hx_reply (or by returning HX_REPLY). */
typedef struct hx_from {
    int64_t pid; /* the caller (0 for a call from outside the node: its reply is dropped) */
    int64_t ref; /* the call's reference, R */
} hx_from;

/* What a callback decides. Use the macros below. */
typedef struct hx_next {
    int action;       /* HX_NEXT_* */
    hx_reason reason; /* for HX_NEXT_STOP; its detail must outlive the callback */
} hx_next;

enum { HX_NEXT_CONTINUE = 0, HX_NEXT_NOREPLY = 1, HX_NEXT_STOP = 2 };

/* Go on with the next message. From handle_call: send the reply written to `reply`
 * (`null` if nothing was written). */
#define HX_CONTINUE ((hx_next){HX_NEXT_CONTINUE, HX_NORMAL})
#define HX_REPLY HX_CONTINUE
/* handle_call only: go on without replying now (reply later with hx_reply). */
#define HX_NOREPLY ((hx_next){HX_NEXT_NOREPLY, HX_NORMAL})
/* Run terminate and end with the reason. From handle_call, a reply written to `reply` is
 * sent first (nothing is sent if nothing was written). */
#define HX_STOP(r) ((hx_next){HX_NEXT_STOP, (r)})

/* The callbacks of a server. Only handle_call is required; `state` is the pointer given to
 * hx_serve (or set by code_change). */
typedef struct hx_server {
    /* A synchronous request. Write the reply value as JSON to `reply` (empty on entry).
     * Writing text that is not JSON is a bug: the server panics. */
    hx_next (*handle_call)(void *state, hx_json request, const hx_from *from, hx_buf *reply);
    /* An asynchronous request. */
    hx_next (*handle_cast)(void *state, hx_json message);
    /* Any other message: plain sends, late replies, EXIT and DOWN messages. */
    hx_next (*handle_info)(void *state, const hx_message *message);
    /* Called before the server ends by HX_STOP or a shutdown from its parent. */
    void (*terminate)(void *state, hx_reason reason);
    /* Hot swap: write the state for the next version to `out` (JSON is a good choice: the
     * next version can read old fields and default new ones). */
    void (*save)(void *state, hx_buf *out);
    /* Hot swap, on a fresh instance of the new version (its entry does not run, so set up
     * again whatever the init set up): build the state from what `old_version` saved, store
     * it in *state and return 0; or write why not to `why` and return nonzero to refuse
     * (the process stays on the old version). */
    int (*code_change)(int32_t old_version, const uint8_t *saved, size_t len, void **state,
                       hx_buf *why);
} hx_server;

/* Makes `state` this process's server state. Call it from the init; when the init returns
 * the host starts handing messages to the callbacks. */
void hx_serve(void *state);
/* The current server state (NULL before hx_serve). */
void *hx_server_state(void);
/* Asks the host to hibernate this server after the current callback: its state is saved,
 * its instance dropped, and the next message brings it back through code_change (told its
 * own version). Only an upgradable server can hibernate; for others nothing happens. */
void hx_hibernate(void);

/* The bodies of the exports; HX_EXPORT_SERVER calls them. */
void hx_server_handle(const hx_server *s, int32_t kind, int64_t sender, int32_t size);
int64_t hx_server_state_save(const hx_server *s);
int64_t hx_server_code_change(const hx_server *s, int32_t old_version, int32_t size);

/* Exports hatchery_handle for the server `s` (an hx_server variable). */
#define HX_EXPORT_SERVER(s)                                                                 \
    __attribute__((export_name("hatchery_handle"))) void hatchery_handle(                 \
        int32_t kind, int64_t sender, int32_t size) {                                      \
        hx_server_handle(&(s), kind, sender, size);                                         \
    }

/* Exports hatchery_handle and the hot swap callbacks (hatchery_state_save and
 * hatchery_code_change) for a server with save and code_change. */
#define HX_EXPORT_UPGRADABLE_SERVER(s)                                                      \
    HX_EXPORT_SERVER(s)                                                                     \
    __attribute__((export_name("hatchery_state_save"))) int64_t hatchery_state_save(void) { \
        return hx_server_state_save(&(s));                                                  \
    }                                                                                       \
    __attribute__((export_name("hatchery_code_change"))) int64_t hatchery_code_change(     \
        int32_t old_version, int32_t size) {                                               \
        return hx_server_code_change(&(s), old_version, size);                              \
    }

/* ---- Talking to servers ------------------------------------------------------------------ */

/* Replies to a call, from any process that holds its hx_from: 0, HX_ERR_BAD_JSON when value
 * is not JSON, HATCHERY_ERR_TOO_BIG, HX_ERR_NOMEM. */
int hx_reply(const hx_from *to, const void *value_json, size_t len);

/* Calls a server: sends {"$call": {"ref": R, "req": REQUEST}} and waits, at most timeout_ms
 * (HX_INFINITY to wait forever), for the reply. The call monitors the server, and the
 * monitor reference is R, so a server that is dead or dies first ends the call at once and
 * only this call's reply is taken. `out` is cleared, then:
 *   0                     out holds the reply value (JSON text);
 *   HATCHERY_ERR_NOPROC   the server is or became dead: out holds its exit reason in ABI
 *                         form (hx_reason_decode(out->data, out->len));
 *   HATCHERY_ERR_TIMEOUT  no reply in time; a reply that comes later stays in the mailbox
 *                         and is never taken for another call's;
 *   HX_ERR_BAD_JSON (the request is not JSON), HATCHERY_ERR_TOO_BIG, HX_ERR_NOMEM. */
int hx_call(int64_t server, const void *request_json, size_t len, int64_t timeout_ms,
            hx_buf *out);
/* hx_call to a registered name; HATCHERY_ERR_NOT_REGISTERED when the name is free. */
int hx_call_named(const char *name, const void *request_json, size_t len, int64_t timeout_ms,
                  hx_buf *out);
/* Sends {"$cast": MESSAGE}: 0 (whether or not the server is alive), HX_ERR_BAD_JSON,
 * HATCHERY_ERR_TOO_BIG, HX_ERR_NOMEM. */
int hx_cast(int64_t server, const void *message_json, size_t len);
/* hx_cast to a registered name; HATCHERY_ERR_NOT_REGISTERED when the name is free. */
int hx_cast_named(const char *name, const void *message_json, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* HATCHERY_SERVER_H */
