/*
 * hatchery.h: the Hatchery guest ABI, version 1, for C (and anything that reads C headers).
 *
 * This header mirrors guest-sdk/ABI.md, which is the authoritative contract. Every function
 * is imported from the Wasm module "hatchery_v1". Pointers and lengths are i32 offsets into
 * the guest's exported `memory` (read as unsigned by the host); pids, monitor references and
 * timer references are positive i64. A function that can fail returns a negative HATCHERY_ERR_*
 * code; zero or a positive number means success. A pointer/length pair outside memory is not
 * an error code: it ends the calling process with reason `trap`.
 *
 * Build with clang for wasm32 and export `memory` and either `hatchery_main`
 * (`void hatchery_main(void)`) or WASI's `_start`. With clang 16 and Debian's wasi-libc the
 * target is `--target=wasm32-wasi` (`wasm32-wasip1` is unknown to clang 16); add
 * `-mexec-model=reactor` so that returning from `hatchery_main` does not run libc's exit
 * path (the host calls the reactor's `_initialize` first). Freestanding
 * (`--target=wasm32 -nostdlib -Wl,--no-entry`) works too. The SDK beside this file
 * (hatchery_sdk.h) is the friendlier layer; this one is the ABI as it is.
 */
#ifndef HATCHERY_H
#define HATCHERY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HATCHERY_IMPORT(name) \
    __attribute__((import_module("hatchery_v1"), import_name(name)))

/* ---- Error codes (ABI.md section 2) ---------------------------------------------------- */

#define HATCHERY_ERR_TIMEOUT            (-1)  /* recv: no message at the index in time */
#define HATCHERY_ERR_NOPROC             (-2)  /* the pid names no live process */
#define HATCHERY_ERR_NOT_REGISTERED     (-3)  /* no process is registered under that name */
#define HATCHERY_ERR_NAME_TAKEN         (-4)  /* another process has that name */
#define HATCHERY_ERR_ALREADY_REGISTERED (-5)  /* the process already has a name */
#define HATCHERY_ERR_LIMIT              (-6)  /* a node limit (process cap for spawn) */
#define HATCHERY_ERR_TOO_BIG            (-7)  /* message over the node's maximum size */
#define HATCHERY_ERR_NO_MESSAGE         (-8)  /* no message at that mailbox index */
#define HATCHERY_ERR_BAD_NAME           (-9)  /* empty, > 255 bytes, or not UTF-8 */
#define HATCHERY_ERR_NOT_FOUND          (-10) /* unknown monitor or timer reference */
#define HATCHERY_ERR_BAD_ARG            (-11) /* another argument out of range */
#define HATCHERY_ERR_NO_VERSION         (-12) /* no previous module version */

/* ---- Exit reason kinds (ABI.md section 3): one kind byte, then a detail ---------------- */

#define HATCHERY_REASON_NORMAL       0 /* no detail */
#define HATCHERY_REASON_KILLED       1 /* no detail; as exit_signal kind: the untrappable kill */
#define HATCHERY_REASON_NOPROC       2 /* no detail */
#define HATCHERY_REASON_NOCONNECTION 3 /* no detail; reserved for multi-node */
#define HATCHERY_REASON_SHUTDOWN     4 /* no detail */
#define HATCHERY_REASON_TRAP         5 /* UTF-8: trap message, newline, Wasm backtrace */
#define HATCHERY_REASON_LIMIT        6 /* UTF-8: "memory" or "mailbox" */
#define HATCHERY_REASON_CUSTOM       7 /* any bytes */
#define HATCHERY_REASON_UNDEF        8 /* UTF-8: what was missing */

/* ---- Message kinds (ABI.md section 4), in the `kind` field of hatchery_recv_info ------- */

#define HATCHERY_KIND_USER 0 /* bytes exactly as sent; sender 0 = from outside the node */
#define HATCHERY_KIND_EXIT 1 /* bytes: the exit reason */
#define HATCHERY_KIND_DOWN 2 /* bytes: i64 LE monitor reference, then the exit reason */
#define HATCHERY_KIND_NODEUP 3   /* sender 0; bytes: the name of a node that connected */
#define HATCHERY_KIND_NODEDOWN 4 /* sender 0; bytes: the name of a node that went away */

/* ---- Flags ------------------------------------------------------------------------------ */

#define HATCHERY_SPAWN_LINK      1 /* link caller and child before the child runs */
#define HATCHERY_SPAWN_MONITOR   2 /* monitor the child; reference written at ref_out */
#define HATCHERY_DEMONITOR_FLUSH 1 /* also remove the monitor's queued DOWN message */

/* Timeouts for hatchery_recv. */
#define HATCHERY_TIMEOUT_NOW      0
#define HATCHERY_TIMEOUT_INFINITY (-1)

/* The 16-byte block hatchery_recv writes at info_ptr. */
typedef struct hatchery_recv_info {
    uint32_t kind;     /* HATCHERY_KIND_* */
    uint32_t reserved; /* 0 */
    int64_t sender;    /* sending / exited / monitored pid */
} hatchery_recv_info;

_Static_assert(sizeof(hatchery_recv_info) == 16, "recv info block is 16 bytes");

/* ---- Identity and arguments ------------------------------------------------------------- */

/* The calling process's pid. */
HATCHERY_IMPORT("self") int64_t hatchery_self(void);
/* The size of the argument bytes the process was spawned with. */
HATCHERY_IMPORT("args_size") int32_t hatchery_args_size(void);
/* Copies min(len, size) argument bytes to ptr; returns the number copied. */
HATCHERY_IMPORT("args_read") int32_t hatchery_args_read(void *ptr, int32_t len);
/* The pid of the spawning process (a supervisor for supervised children), or 0. */
HATCHERY_IMPORT("parent") int64_t hatchery_parent(void);
/* A reference unique within the node. */
HATCHERY_IMPORT("make_ref") int64_t hatchery_make_ref(void);
/* Milliseconds on the node's monotonic clock. */
HATCHERY_IMPORT("now_ms") int64_t hatchery_now_ms(void);
/* Copies min(cap, size) bytes of the node's name (UTF-8) to ptr; returns its full size. A
 * node alone is called "nonode". */
HATCHERY_IMPORT("node_name") int32_t hatchery_node_name(void *ptr, int32_t cap);

/* ---- Spawning ---------------------------------------------------------------------------- */

/* Starts the module `name` with the argument bytes. Returns the child's pid, or
 * HATCHERY_ERR_LIMIT / _BAD_NAME / _BAD_ARG. With HATCHERY_SPAWN_MONITOR the monitor
 * reference is written as an i64 (little-endian) at ref_out. */
HATCHERY_IMPORT("spawn")
int64_t hatchery_spawn(const char *name, int32_t name_len, const void *args, int32_t args_len,
                       int32_t flags, int64_t *ref_out);
/* The same on the node of the cluster called `node` (this node's own name spawns here);
 * waits for the other node's answer. The child's pid, or HATCHERY_ERR_NOPROC (no node of
 * that name is connected), _LIMIT, _BAD_NAME (either name), _BAD_ARG. */
HATCHERY_IMPORT("spawn_at")
int64_t hatchery_spawn_at(const char *node, int32_t node_len, const char *name,
                          int32_t name_len, const void *args, int32_t args_len, int32_t flags,
                          int64_t *ref_out);

/* ---- Nodes (ABI.md section 5, Nodes) ----------------------------------------------------- */

/* The names of the other nodes connected now, in the order they connected, each followed by
 * '\n'. Copies min(cap, size) bytes to ptr; returns the full size (0 when there are none). */
HATCHERY_IMPORT("nodes") int32_t hatchery_nodes(void *ptr, int32_t cap);
/* The name of the node `pid` belongs to (this node's name for its own pids), written as
 * hatchery_node_name writes. Returns the full size. */
HATCHERY_IMPORT("pid_node") int32_t hatchery_pid_node(int64_t pid, void *ptr, int32_t cap);
/* Flag 1: one NODEDOWN message when that node disconnects (at once when it is not connected
 * now); flag 0 removes the caller's monitors of it. 0, HATCHERY_ERR_BAD_NAME or _BAD_ARG. */
HATCHERY_IMPORT("monitor_node")
int32_t hatchery_monitor_node(const char *node, int32_t node_len, int32_t flag);
/* Flag 1: NODEUP and NODEDOWN messages for every node until flag 0. 0 or _BAD_ARG. */
HATCHERY_IMPORT("monitor_nodes") int32_t hatchery_monitor_nodes(int32_t flag);

/* ---- Sending ----------------------------------------------------------------------------- */

/* 0 (also when pid is dead: the message is dropped) or HATCHERY_ERR_TOO_BIG. */
HATCHERY_IMPORT("send") int32_t hatchery_send(int64_t pid, const void *ptr, int32_t len);
/* 0, HATCHERY_ERR_NOT_REGISTERED, _BAD_NAME or _TOO_BIG. */
HATCHERY_IMPORT("send_named")
int32_t hatchery_send_named(const char *name, int32_t name_len, const void *ptr, int32_t len);
/* {Name, Node} ! Msg: to the process registered as name on the node called node. On this
 * node's own name as hatchery_send_named; on another node 0 (dropped there when nobody has
 * the name or the node is not connected). HATCHERY_ERR_BAD_NAME (either name), _TOO_BIG. */
HATCHERY_IMPORT("send_named_at")
int32_t hatchery_send_named_at(const char *name, int32_t name_len, const char *node,
                               int32_t node_len, const void *ptr, int32_t len);

/* ---- Receiving --------------------------------------------------------------------------- */

/* Waits up to timeout_ms (0: no wait, -1: forever) for a message at mailbox position
 * `index` (0 = oldest); writes the info block, copies min(size, buf_len) bytes to buf and
 * returns the message's full size, leaving it queued. HATCHERY_ERR_TIMEOUT on timeout. */
HATCHERY_IMPORT("recv")
int32_t hatchery_recv(int32_t index, int64_t timeout_ms, void *buf, int32_t buf_len,
                      hatchery_recv_info *info);
/* Removes the message at index: 0 or HATCHERY_ERR_NO_MESSAGE. */
HATCHERY_IMPORT("take") int32_t hatchery_take(int32_t index);
/* The number of queued messages. */
HATCHERY_IMPORT("mailbox_len") int32_t hatchery_mailbox_len(void);

/* ---- Behaviours (ABI.md section 5, Behaviours) -------------------------------------------
 * A behaviour module exports
 *   void hatchery_handle(int32_t kind, int64_t sender, int32_t size);
 * and the host calls it once per message, after taking the message from the mailbox. */

/* Inside hatchery_handle (and hatchery_code_change): copies min(len, size) bytes of the
 * message (or saved state) being handled to ptr; returns its full size, or
 * HATCHERY_ERR_NO_MESSAGE outside those callbacks. */
HATCHERY_IMPORT("message_read") int32_t hatchery_message_read(void *ptr, int32_t len);

/* ---- Links and exit signals -------------------------------------------------------------- */

/* 0 when linked; HATCHERY_ERR_NOPROC (and an EXIT noproc message) when pid is dead and the
 * caller traps exits; a caller that does not trap exits ends with reason noproc instead. */
HATCHERY_IMPORT("link") int32_t hatchery_link(int64_t pid);
/* 0 (also when there was no link). */
HATCHERY_IMPORT("unlink") int32_t hatchery_unlink(int64_t pid);
/* Sets trap_exit (flag != 0) and returns the previous setting (0 or 1). */
HATCHERY_IMPORT("trap_exit") int32_t hatchery_trap_exit(int32_t flag);
/* Ends the calling process. Kinds: NORMAL, SHUTDOWN, CUSTOM (others trap). The detail is
 * used only for kinds 5-8; pass 0, 0 otherwise. */
HATCHERY_IMPORT("exit")
__attribute__((noreturn)) void hatchery_exit(int32_t kind, const void *detail, int32_t detail_len);
/* Sends an exit signal to pid: 0, HATCHERY_ERR_NOPROC, or HATCHERY_ERR_BAD_ARG for a kind
 * above 8. Kind KILLED sends the untrappable kill. */
HATCHERY_IMPORT("exit_signal")
int32_t hatchery_exit_signal(int64_t pid, int32_t kind, const void *detail, int32_t detail_len);

/* ---- Monitors ---------------------------------------------------------------------------- */

/* A monitor reference; one DOWN message follows when pid ends (noproc if already dead). */
HATCHERY_IMPORT("monitor") int64_t hatchery_monitor(int64_t pid);
/* 0, HATCHERY_ERR_NOT_FOUND or HATCHERY_ERR_BAD_ARG. flags: HATCHERY_DEMONITOR_FLUSH (also
 * in the NOT_FOUND case, a queued DOWN of that monitor is removed). */
HATCHERY_IMPORT("demonitor") int32_t hatchery_demonitor(int64_t ref, int32_t flags);

/* ---- Registered names -------------------------------------------------------------------- */

/* 0, HATCHERY_ERR_NAME_TAKEN, _ALREADY_REGISTERED, _NOPROC or _BAD_NAME. */
HATCHERY_IMPORT("register")
int32_t hatchery_register(const char *name, int32_t name_len, int64_t pid);
/* 0 or HATCHERY_ERR_NOT_REGISTERED. */
HATCHERY_IMPORT("unregister") int32_t hatchery_unregister(const char *name, int32_t name_len);
/* The registered pid, 0 when the name is free, or HATCHERY_ERR_BAD_NAME. */
HATCHERY_IMPORT("whereis") int64_t hatchery_whereis(const char *name, int32_t name_len);

/* ---- Timers ------------------------------------------------------------------------------ */

/* A timer reference; after delay_ms the bytes go to pid as a USER message from the caller.
 * HATCHERY_ERR_TOO_BIG, HATCHERY_ERR_BAD_ARG (a delay below 0 or above 2^32 - 1 ms). The
 * timer is cancelled when pid ends first. */
HATCHERY_IMPORT("send_after")
int64_t hatchery_send_after(int64_t pid, int64_t delay_ms, const void *ptr, int32_t len);
/* The milliseconds that were left, or HATCHERY_ERR_NOT_FOUND. */
HATCHERY_IMPORT("cancel_timer") int64_t hatchery_cancel_timer(int64_t ref);

/* ---- Supervisors (ABI.md section 5, Supervisors) -----------------------------------------
 * A child spec is JSON: {"id": "w1", "module": "kv", "args": <JSON>, "restart": "permanent" |
 * "transient" | "temporary", "shutdown": <ms> | "brutal_kill" | "infinity"}. */

/* Adds the child and starts it: its pid, 0 when it ended at once and is not restarted,
 * HATCHERY_ERR_NOPROC, _NAME_TAKEN, _BAD_ARG or _LIMIT. Waits while the supervisor works. */
HATCHERY_IMPORT("sup_start_child")
int64_t hatchery_sup_start_child(int64_t sup, const void *spec, int32_t spec_len);
/* Stops the child `id` by its shutdown protocol and removes it: 0, HATCHERY_ERR_NOPROC or
 * HATCHERY_ERR_NOT_FOUND. */
HATCHERY_IMPORT("sup_terminate_child")
int32_t hatchery_sup_terminate_child(int64_t sup, const char *id, int32_t id_len);
/* Copies the JSON list of children (at most buf_len bytes) and returns its full size, or
 * HATCHERY_ERR_NOPROC. */
HATCHERY_IMPORT("sup_which_children")
int32_t hatchery_sup_which_children(int64_t sup, void *buf, int32_t buf_len);

/* ---- Hot code swap (ABI.md section 5, "Hot code swap") ----------------------------------
 * A behaviour that keeps its state across versions exports
 *   int64_t hatchery_state_save(void);                      (ptr << 32) | len of its state
 *   int64_t hatchery_code_change(int32_t old_version, int32_t size);   0, or a packed reason
 */

/* Hibernate after the current callback (a behaviour with both upgrade exports); 0. */
HATCHERY_IMPORT("hibernate") int32_t hatchery_hibernate(void);

/* ---- Output ------------------------------------------------------------------------------ */

#define HATCHERY_STDOUT 1
#define HATCHERY_STDERR 2

/* Writes bytes to the process's captured stdout (1) or stderr (2), the same lines as WASI's
 * fd_write; for guests without WASI. 0 or HATCHERY_ERR_BAD_ARG. */
HATCHERY_IMPORT("write") int32_t hatchery_write(int32_t stream, const void *ptr, int32_t len);
/* The current version of a module, HATCHERY_ERR_NOT_FOUND or HATCHERY_ERR_BAD_NAME. */
HATCHERY_IMPORT("module_version") int32_t hatchery_module_version(const char *name, int32_t name_len);
/* Makes the previous version current again: the version now current, HATCHERY_ERR_NOT_FOUND
 * or HATCHERY_ERR_NO_VERSION. */
HATCHERY_IMPORT("module_rollback")
int32_t hatchery_module_rollback(const char *name, int32_t name_len);

#undef HATCHERY_IMPORT

#ifdef __cplusplus
}
#endif

#endif /* HATCHERY_H */
