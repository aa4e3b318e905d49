/*
 * hatchery_sdk.h: the C SDK for Hatchery guests, a thin layer over hatchery.h (the raw ABI,
 * guest-sdk/ABI.md). Include this one header; it brings in hatchery.h, hatchery_json.h and
 * hatchery_server.h.
 *
 * Conventions:
 *   - Pids, monitor references and timer references are int64_t, always positive.
 *   - A function that can fail returns a negative code: one of the ABI's HATCHERY_ERR_*
 *     (-1 to -12), unchanged, or one of the SDK's HX_ERR_* (-100 and below).
 *   - Names (modules, registered names) are NUL-terminated UTF-8 strings.
 *   - Bytes the SDK hands out (a received message) point into SDK buffers and stay valid
 *     until the next receive on this process; copy what must live longer.
 *
 * Build with wasi-libc as a reactor, compiling the .c files of this folder with yours
 * (guest-sdk/c/README.md has the command and the traps).
 */
#ifndef HATCHERY_SDK_H
#define HATCHERY_SDK_H

#include <stddef.h>
#include <stdint.h>

#include "hatchery.h"
#include "hatchery_json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the process entry: `HX_ENTRY void hatchery_main(void) { ... }`. Returning from it
 * ends a main-style process with reason normal; in a behaviour it is the init. */
#define HX_ENTRY __attribute__((export_name("hatchery_main")))

/* A string literal as the (bytes, length) pair the SDK's byte functions take:
 * hx_send(pid, HX_LIT("ping")). Literals only: for a char pointer, sizeof would be the
 * pointer's size (use hx_send_str or strlen). */
#define HX_LIT(s) (s), (sizeof(s) - 1)

/* ---- Exit reasons (ABI.md section 3) ------------------------------------------------------ */

/* A reason: a kind (HATCHERY_REASON_*) and, for kinds trap, limit, custom and undef, detail
 * bytes. The detail is borrowed: it points at bytes the reason does not own. */
typedef struct hx_reason {
    uint8_t kind;
    const uint8_t *detail;
    size_t len;
} hx_reason;

#define HX_REASON(kind) ((hx_reason){(kind), 0, 0})
#define HX_NORMAL HX_REASON(HATCHERY_REASON_NORMAL)
#define HX_KILLED HX_REASON(HATCHERY_REASON_KILLED)
#define HX_SHUTDOWN HX_REASON(HATCHERY_REASON_SHUTDOWN)

/* A custom reason whose detail is the NUL-terminated text (borrowed). */
hx_reason hx_reason_custom(const char *text);
/* A custom reason with any detail bytes (borrowed). */
hx_reason hx_reason_custom_bytes(const void *detail, size_t len);
/* Reads the wire form (kind byte, detail). Never fails: detail bytes of kinds 0-4 are
 * ignored, and bytes that are not a valid reason (empty, an unknown kind) become custom
 * holding all of them, so nothing is lost. The detail points into `bytes`. */
hx_reason hx_reason_decode(const void *bytes, size_t len);
/* Appends the wire form: 0 or HX_ERR_NOMEM. */
int hx_reason_encode(hx_reason r, hx_buf *out);
/* Appends the reason as text: `normal`, `killed`, `noproc`, `noconnection`, `shutdown`,
 * `trap: <message>`, `limit: <what>`, `undef: <what>`, `custom: <detail>` (the detail as
 * text when it is UTF-8, else 0x and lowercase hex). 0 or HX_ERR_NOMEM. */
int hx_reason_display(hx_reason r, hx_buf *out);
/* Whether two reasons are the same kind and detail. */
int hx_reason_eq(hx_reason a, hx_reason b);

/* ---- Identity and arguments ------------------------------------------------------------- */

/* This process's pid. */
int64_t hx_self(void);
/* The pid of the process that spawned this one (a supervisor for supervised children), or
 * 0. */
int64_t hx_parent(void);
/* Appends the spawn argument bytes to out: 0 or HX_ERR_NOMEM. */
int hx_args(hx_buf *out);
/* The spawn arguments as JSON: reads them into `storage` (cleared first) and sets *out.
 * Empty or white-space-only arguments read as `null`, so a process started without
 * arguments can use its defaults. 0, HX_ERR_BAD_JSON or HX_ERR_NOMEM. */
int hx_args_json(hx_buf *storage, hx_json *out);
/* A reference unique within the node. */
int64_t hx_make_ref(void);
/* Milliseconds on the node's monotonic clock. */
int64_t hx_now_ms(void);
/* Appends this node's name in its cluster ("nonode" for a node alone, as Erlang's node())
 * to out: 0 or HX_ERR_NOMEM. */
int hx_node_name(hx_buf *out);

/* ---- Spawning ---------------------------------------------------------------------------- */

/* Starts a process running the current version of `module` with the argument bytes: the
 * child's pid, HATCHERY_ERR_LIMIT (process cap), HATCHERY_ERR_BAD_NAME. A child that cannot
 * start (unknown module) still gets a pid and ends at once with reason undef. */
int64_t hx_spawn(const char *module, const void *args, size_t len);
/* hx_spawn, linked to the caller before the child runs (spawn_link). */
int64_t hx_spawn_link(const char *module, const void *args, size_t len);
/* hx_spawn, monitored by the caller before the child runs (spawn_monitor); the monitor
 * reference is stored in *monitor. */
int64_t hx_spawn_monitor(const char *module, const void *args, size_t len, int64_t *monitor);
/* The general form: flags are HATCHERY_SPAWN_LINK | HATCHERY_SPAWN_MONITOR; *monitor (may
 * be NULL without the monitor flag) gets the reference, 0 without the flag. */
int64_t hx_spawn_opts(const char *module, const void *args, size_t len, int32_t flags,
                      int64_t *monitor);
/* hx_spawn_opts on the node of the cluster called `node` (Erlang's spawn(Node, ...)); this
 * node's own name spawns here. Waits for the other node's answer. The child's pid, or
 * HATCHERY_ERR_NOPROC when no node of that name is connected, HATCHERY_ERR_LIMIT,
 * HATCHERY_ERR_BAD_NAME (either name), HATCHERY_ERR_BAD_ARG. */
int64_t hx_spawn_at(const char *node, const char *module, const void *args, size_t len,
                    int32_t flags, int64_t *monitor);

/* ---- Nodes -------------------------------------------------------------------------------- */

/* Appends the names of the other nodes connected now (Erlang's nodes()), in the order they
 * connected, each followed by '\n', to out: the number of nodes (0 for a node alone) or
 * HX_ERR_NOMEM. */
int hx_nodes(hx_buf *out);
/* Appends the name of the node `pid` belongs to (Erlang's node(Pid)) to out: 0 or
 * HX_ERR_NOMEM. */
int hx_pid_node(int64_t pid, hx_buf *out);
/* Appends the pid as it prints (ABI.md section 1): `<0.N>` for a pid of this node,
 * `<NODE.N>` for another node's. 0 or HX_ERR_NOMEM. */
int hx_pid_display(int64_t pid, hx_buf *out);
/* Erlang's monitor_node(Node, Flag): on, one NODEDOWN message when the node disconnects
 * (at once when it is not connected now); off, removes the caller's monitors of it. 0,
 * HATCHERY_ERR_BAD_NAME (empty or over 255 bytes). */
int hx_monitor_node(const char *node, int on);
/* Erlang's net_kernel:monitor_nodes(Flag): on, NODEUP and NODEDOWN messages for every
 * node until turned off. */
void hx_monitor_nodes(int on);

/* ---- Sending ----------------------------------------------------------------------------- */

/* Sends bytes to pid: 0 (also when pid is dead: the message is dropped, as in Erlang) or
 * HATCHERY_ERR_TOO_BIG. */
int hx_send(int64_t pid, const void *bytes, size_t len);
/* hx_send of a NUL-terminated string (without the NUL), handy for JSON text. */
int hx_send_str(int64_t pid, const char *text);
/* Sends bytes to the process registered as `name`: 0, HATCHERY_ERR_NOT_REGISTERED,
 * HATCHERY_ERR_BAD_NAME or HATCHERY_ERR_TOO_BIG. */
int hx_send_named(const char *name, const void *bytes, size_t len);
/* Sends bytes to the process registered as `name` on the node called `node` (Erlang's
 * {Name, Node} ! Msg). On this node's own name as hx_send_named; on another node 0, also
 * when nobody there has the name or the node is not connected (the message is dropped
 * there). HATCHERY_ERR_BAD_NAME (either name) or HATCHERY_ERR_TOO_BIG. */
int hx_send_named_at(const char *name, const char *node, const void *bytes, size_t len);

/* ---- Receiving (ABI.md section 4, Selective receive) ------------------------------------ */

/* Timeouts for receives: wait forever, or only look at what is queued. Any other
 * non-negative value is a wait in milliseconds. */
#define HX_INFINITY (-1)
#define HX_NOW 0

/* A message looked at or taken from the mailbox. */
typedef struct hx_message {
    uint32_t kind;       /* HATCHERY_KIND_USER, _EXIT, _DOWN, _NODEUP or _NODEDOWN */
    int64_t from;        /* user: the sender (0 from outside the node); EXIT: the exited
                            pid; DOWN: the monitored pid; NODEUP, NODEDOWN: 0 */
    const uint8_t *data; /* the bytes in ABI form: a user message exactly as sent; EXIT:
                            the reason; DOWN: the reference (8 bytes LE), then the reason;
                            NODEUP, NODEDOWN: the node's name */
    size_t len;
    int64_t monitor;     /* DOWN: the monitor reference; 0 otherwise */
    hx_reason reason;    /* EXIT and DOWN: the decoded reason (detail points into data) */
} hx_message;

/* Builds a message from what recv (or hatchery_handle) reports: 0, or HATCHERY_ERR_BAD_ARG
 * for an unknown kind or a DOWN shorter than its 8-byte reference. */
int hx_message_from_raw(uint32_t kind, int64_t sender, const uint8_t *bytes, size_t len,
                        hx_message *out);
/* A user message's bytes as JSON: 0, or HX_ERR_BAD_JSON (also for EXIT and DOWN). */
int hx_message_json(const hx_message *m, hx_json *out);

/* A receive pattern: nonzero to take the message, 0 to leave it queued. It may be called
 * again on the same message by a later receive, so it should not have side effects it
 * cannot repeat, and it must not receive itself (m->data is the receive buffer). ctx is the
 * pointer given to hx_receive_match. */
typedef int (*hx_match_fn)(const hx_message *m, void *ctx);

/* Selective receive: waits for the oldest message for which match returns nonzero
 * (NULL matches anything), removes it from the mailbox and stores it in *out. Messages
 * that do not match stay queued, in order. timeout_ms: HX_INFINITY, HX_NOW, or a wait in
 * milliseconds measured against a deadline on the node clock, however many messages are
 * looked at. Returns 0, HATCHERY_ERR_TIMEOUT when nothing matched in time (Erlang's
 * `after`), HX_ERR_NOMEM when a message is too big to look at, or another negative code
 * when the mailbox cannot be read. out->data stays valid until the next receive; out may
 * be NULL to drop the message. */
int hx_receive_match(int64_t timeout_ms, hx_match_fn match, void *ctx, hx_message *out);
/* hx_receive_match of any message. */
int hx_receive(int64_t timeout_ms, hx_message *out);
/* The number of queued messages. */
int hx_mailbox_len(void);

/* ---- Links, exit signals, monitors ------------------------------------------------------ */

/* Links the caller and pid: 0, or HATCHERY_ERR_NOPROC when pid is not alive and the caller
 * traps exits (it also gets an EXIT noproc message). A caller that does not trap exits
 * ends with reason noproc instead of returning. */
int hx_link(int64_t pid);
/* Removes a link (nothing happens if there was none): 0. */
int hx_unlink(int64_t pid);
/* Sets whether exit signals become EXIT messages; returns the previous setting (0 or 1). */
int hx_trap_exit(int on);
/* Ends the calling process with the reason; does not return. The ABI lets a process end
 * itself only with normal, shutdown or custom: any other reason is sent as custom with its
 * hx_reason_display text (killed becomes `custom: killed`). */
_Noreturn void hx_exit(hx_reason reason);
/* Sends an exit signal to pid as if the caller had ended with the reason; the caller goes
 * on. HX_KILLED sends the untrappable kill. 0, HATCHERY_ERR_NOPROC or HATCHERY_ERR_BAD_ARG. */
int hx_exit_signal(int64_t pid, hx_reason reason);
/* Kills pid with the untrappable kill; its links see killed. 0 or HATCHERY_ERR_NOPROC. */
int hx_kill(int64_t pid);
/* Monitors pid: one DOWN message follows when it ends (reason noproc if already dead).
 * Returns the reference. */
int64_t hx_monitor(int64_t pid);
/* Removes a monitor; with flush also its queued DOWN. 0 or HATCHERY_ERR_NOT_FOUND (the
 * DOWN was already sent, or the reference is unknown). */
int hx_demonitor(int64_t monitor, int flush);

/* ---- Registered names ------------------------------------------------------------------- */

/* Registers pid under name: 0, HATCHERY_ERR_NAME_TAKEN, _ALREADY_REGISTERED, _NOPROC or
 * _BAD_NAME (empty, over 255 bytes, not UTF-8). The name goes when the process ends. */
int hx_register(const char *name, int64_t pid);
/* Removes a name: 0 or HATCHERY_ERR_NOT_REGISTERED. */
int hx_unregister(const char *name);
/* The pid registered as name, 0 when the name is free, or HATCHERY_ERR_BAD_NAME. */
int64_t hx_whereis(const char *name);

/* ---- Timers ------------------------------------------------------------------------------ */

/* Sends bytes to pid after delay_ms, as a user message from the caller: the timer
 * reference, HATCHERY_ERR_TOO_BIG or HATCHERY_ERR_BAD_ARG (a delay below 0 or above
 * 2^32 - 1). The timer is cancelled if pid ends first. */
int64_t hx_send_after(int64_t pid, int64_t delay_ms, const void *bytes, size_t len);
/* Cancels a timer: the milliseconds that were left, or HATCHERY_ERR_NOT_FOUND when it
 * already fired or was cancelled. */
int64_t hx_cancel_timer(int64_t timer);

/* ---- Modules and hot swap --------------------------------------------------------------- */

/* The current version of a module (1, 2, ...), HATCHERY_ERR_NOT_FOUND or _BAD_NAME. */
int hx_module_version(const char *module);
/* Makes the previous version of a module current again: the version now current,
 * HATCHERY_ERR_NOT_FOUND or HATCHERY_ERR_NO_VERSION. */
int hx_module_rollback(const char *module);

/* ---- Supervisors -------------------------------------------------------------------------- */

/* Adds a child (spec: JSON text, see hatchery.h) to a running supervisor and starts it: its
 * pid, 0 when it ended at once and is not restarted, or an ABI error code. */
int64_t hx_sup_start_child(int64_t sup, const char *spec_json, size_t len);
/* Stops a child by its shutdown protocol and removes it: 0, _NOPROC or _NOT_FOUND. */
int hx_sup_terminate_child(int64_t sup, const char *id);
/* Appends the JSON list of a supervisor's children to out: 0, HATCHERY_ERR_NOPROC or
 * HX_ERR_NOMEM. */
int hx_sup_which_children(int64_t sup, hx_buf *out);

/* ---- Output --------------------------------------------------------------------------------
 * Standard output and error are captured per process by the host, line by line. These write
 * straight to WASI fd_write, unbuffered, without stdio (which would add ~20 KB and buffers
 * that must be flushed: after printf, call fflush(stdout)). */

/* Writes bytes to a file descriptor (1 stdout, 2 stderr): 0, or the WASI errno. */
int hx_write(int fd, const void *bytes, size_t len);
/* Writes a line (the text and a newline) to standard output. */
int hx_print(const char *text);
/* Writes a line to standard error. */
int hx_eprint(const char *text);
/* Prints `panic: <message>` on standard error and traps: the process ends with reason trap
 * (in a behaviour, naming the message being handled). For bugs, not for expected errors. */
_Noreturn void hx_panic(const char *message);

#ifdef __cplusplus
}
#endif

#include "hatchery_server.h"

#endif /* HATCHERY_SDK_H */
