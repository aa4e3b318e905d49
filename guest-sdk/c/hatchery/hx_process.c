/* hx_process.c: the calling process (identity, spawning, sending, links, monitors, names,
 * timers, modules, supervisors) and output. Mostly one ABI call each. */
#include <string.h>
#include <wasi/api.h>

#include "hatchery_sdk.h"
#include "hx_internal.h"

/* A name's (ptr, len) for the ABI. */
#define NAME(s) (s), HX_LEN(strlen(s))

int64_t hx_self(void) { return hatchery_self(); }
int64_t hx_parent(void) { return hatchery_parent(); }
int64_t hx_make_ref(void) { return hatchery_make_ref(); }
int64_t hx_now_ms(void) { return hatchery_now_ms(); }

int hx_args(hx_buf *out) {
    int32_t size = hatchery_args_size();
    if (size <= 0) return out->failed ? HX_ERR_NOMEM : 0;
    if (hx_buf_reserve(out, (size_t)size) != 0) return HX_ERR_NOMEM;
    int32_t got = hatchery_args_read(out->data + out->len, size);
    if (got > 0) out->len += (size_t)got;
    return 0;
}

/* Appends what a host function that writes like node_name (copies min(cap, size) bytes,
 * returns the full size) gives. The answer can change between two calls (a node connects):
 * ask again until it fits. 0 or HX_ERR_NOMEM. */
static int read_sized(int32_t (*read)(int64_t arg, void *ptr, int32_t cap), int64_t arg,
                      hx_buf *out) {
    size_t room = 64;
    for (;;) {
        if (hx_buf_reserve(out, room) != 0) return HX_ERR_NOMEM;
        int32_t size = read(arg, out->data + out->len, HX_LEN(room));
        if (size <= 0) return 0;
        if ((size_t)size <= room) {
            out->len += (size_t)size;
            return 0;
        }
        room = (size_t)size;
    }
}

static int32_t read_node_name(int64_t unused, void *ptr, int32_t cap) {
    (void)unused;
    return hatchery_node_name(ptr, cap);
}

static int32_t read_nodes(int64_t unused, void *ptr, int32_t cap) {
    (void)unused;
    return hatchery_nodes(ptr, cap);
}

int hx_node_name(hx_buf *out) { return read_sized(read_node_name, 0, out); }
int hx_pid_node(int64_t pid, hx_buf *out) { return read_sized(hatchery_pid_node, pid, out); }

int hx_nodes(hx_buf *out) {
    size_t start = out->len;
    if (read_sized(read_nodes, 0, out) != 0) return HX_ERR_NOMEM;
    int count = 0;
    for (size_t i = start; i < out->len; i++) count += out->data[i] == '\n';
    return count;
}

int hx_pid_display(int64_t pid, hx_buf *out) {
    hx_buf here = HX_BUF_INIT, node = HX_BUF_INIT;
    int e = hx_node_name(&here);
    if (e == 0) e = hx_pid_node(pid, &node);
    int local = e == 0 && here.len == node.len && memcmp(here.data, node.data, here.len) == 0;
    if (e == 0) {
        hx_buf_putc(out, '<');
        if (local) hx_buf_putc(out, '0');
        else hx_buf_put(out, node.data, node.len);
        hx_buf_putc(out, '.');
        hx_json_put_int(out, pid);
        hx_buf_putc(out, '>');
    }
    hx_buf_free(&here);
    hx_buf_free(&node);
    return e != 0 || out->failed ? HX_ERR_NOMEM : 0;
}

int hx_monitor_node(const char *node, int on) {
    return hatchery_monitor_node(NAME(node), on != 0);
}

void hx_monitor_nodes(int on) { hatchery_monitor_nodes(on != 0); }

int hx_args_json(hx_buf *storage, hx_json *out) {
    hx_buf_clear(storage);
    if (hx_args(storage) != 0) return HX_ERR_NOMEM;
    size_t i = 0;
    while (i < storage->len && (storage->data[i] == ' ' || storage->data[i] == '\t' ||
                                storage->data[i] == '\n' || storage->data[i] == '\r'))
        i++;
    if (i == storage->len) {
        *out = (hx_json){"null", 4};
        return 0;
    }
    return hx_json_parse(storage->data, storage->len, out);
}

int64_t hx_spawn_opts(const char *module, const void *args, size_t len, int32_t flags,
                      int64_t *monitor) {
    int64_t ref = 0;
    int64_t pid = hatchery_spawn(NAME(module), args, HX_LEN(len), flags, &ref);
    if (monitor) *monitor = (pid > 0 && (flags & HATCHERY_SPAWN_MONITOR)) ? ref : 0;
    return pid;
}

int64_t hx_spawn_at(const char *node, const char *module, const void *args, size_t len,
                    int32_t flags, int64_t *monitor) {
    int64_t ref = 0;
    int64_t pid = hatchery_spawn_at(NAME(node), NAME(module), args, HX_LEN(len), flags, &ref);
    if (monitor) *monitor = (pid > 0 && (flags & HATCHERY_SPAWN_MONITOR)) ? ref : 0;
    return pid;
}

int64_t hx_spawn(const char *module, const void *args, size_t len) {
    return hx_spawn_opts(module, args, len, 0, NULL);
}

int64_t hx_spawn_link(const char *module, const void *args, size_t len) {
    return hx_spawn_opts(module, args, len, HATCHERY_SPAWN_LINK, NULL);
}

int64_t hx_spawn_monitor(const char *module, const void *args, size_t len, int64_t *monitor) {
    return hx_spawn_opts(module, args, len, HATCHERY_SPAWN_MONITOR, monitor);
}

int hx_send(int64_t pid, const void *bytes, size_t len) {
    return hatchery_send(pid, bytes, HX_LEN(len));
}

int hx_send_str(int64_t pid, const char *text) { return hx_send(pid, text, strlen(text)); }

int hx_send_named(const char *name, const void *bytes, size_t len) {
    return hatchery_send_named(NAME(name), bytes, HX_LEN(len));
}

int hx_send_named_at(const char *name, const char *node, const void *bytes, size_t len) {
    return hatchery_send_named_at(NAME(name), NAME(node), bytes, HX_LEN(len));
}

int hx_mailbox_len(void) { return hatchery_mailbox_len(); }

int hx_link(int64_t pid) { return hatchery_link(pid); }
int hx_unlink(int64_t pid) { return hatchery_unlink(pid); }
int hx_trap_exit(int on) { return hatchery_trap_exit(on != 0); }

_Noreturn void hx_exit(hx_reason reason) {
    uint8_t k = reason.kind;
    if (k == HATCHERY_REASON_NORMAL || k == HATCHERY_REASON_SHUTDOWN) hatchery_exit(k, 0, 0);
    if (k == HATCHERY_REASON_CUSTOM)
        hatchery_exit(k, HX_PTR(reason.detail, reason.len), HX_LEN(reason.len));
    /* Any other kind would trap in the host: end with its text as a custom reason (with an
     * empty detail if even that allocation fails). */
    hx_buf text = HX_BUF_INIT;
    hx_reason_display(reason, &text);
    hatchery_exit(HATCHERY_REASON_CUSTOM, HX_PTR(text.data, text.len), HX_LEN(text.len));
}

int hx_exit_signal(int64_t pid, hx_reason reason) {
    int carries = reason.kind >= HATCHERY_REASON_TRAP && reason.kind <= HATCHERY_REASON_UNDEF;
    size_t len = carries ? reason.len : 0;
    return hatchery_exit_signal(pid, reason.kind, HX_PTR(reason.detail, len), HX_LEN(len));
}

int hx_kill(int64_t pid) { return hx_exit_signal(pid, HX_KILLED); }

int64_t hx_monitor(int64_t pid) { return hatchery_monitor(pid); }

int hx_demonitor(int64_t monitor, int flush) {
    return hatchery_demonitor(monitor, flush ? HATCHERY_DEMONITOR_FLUSH : 0);
}

int hx_register(const char *name, int64_t pid) { return hatchery_register(NAME(name), pid); }
int hx_unregister(const char *name) { return hatchery_unregister(NAME(name)); }
int64_t hx_whereis(const char *name) { return hatchery_whereis(NAME(name)); }

int64_t hx_send_after(int64_t pid, int64_t delay_ms, const void *bytes, size_t len) {
    return hatchery_send_after(pid, delay_ms, bytes, HX_LEN(len));
}

int64_t hx_cancel_timer(int64_t timer) { return hatchery_cancel_timer(timer); }

int hx_module_version(const char *module) { return hatchery_module_version(NAME(module)); }
int hx_module_rollback(const char *module) { return hatchery_module_rollback(NAME(module)); }

int64_t hx_sup_start_child(int64_t sup, const char *spec_json, size_t len) {
    return hatchery_sup_start_child(sup, spec_json, HX_LEN(len));
}

int hx_sup_terminate_child(int64_t sup, const char *id) {
    return hatchery_sup_terminate_child(sup, NAME(id));
}

int hx_sup_which_children(int64_t sup, hx_buf *out) {
    /* The list can change between two calls: retry until it fits. */
    size_t start = out->len, room = 1024;
    for (;;) {
        if (hx_buf_reserve(out, room) != 0) return HX_ERR_NOMEM;
        int32_t n = hatchery_sup_which_children(sup, out->data + start, HX_LEN(room));
        if (n < 0) return n;
        if ((size_t)n <= room) {
            out->len = start + (size_t)n;
            return 0;
        }
        room = (size_t)n;
    }
}

/* ---- Output ----------------------------------------------------------------------------- */

/* Writes all of the iovecs, going on after partial writes. */
static int write_all(int fd, __wasi_ciovec_t *iov, size_t count) {
    while (count > 0) {
        size_t done = 0;
        __wasi_errno_t e = __wasi_fd_write((__wasi_fd_t)fd, iov, count, &done);
        if (e != 0) return e;
        while (count > 0 && done >= iov->buf_len) {
            done -= iov->buf_len;
            iov++, count--;
        }
        if (count > 0) {
            iov->buf += done;
            iov->buf_len -= done;
        }
    }
    return 0;
}

int hx_write(int fd, const void *bytes, size_t len) {
    __wasi_ciovec_t iov = {bytes, len};
    return write_all(fd, &iov, 1);
}

/* One write for the text and its newline, so lines from one process never interleave. */
static int write_line(int fd, const char *text) {
    __wasi_ciovec_t iov[2] = {{(const uint8_t *)text, strlen(text)}, {(const uint8_t *)"\n", 1}};
    return write_all(fd, iov, 2);
}

int hx_print(const char *text) { return write_line(1, text); }
int hx_eprint(const char *text) { return write_line(2, text); }

_Noreturn void hx_panic(const char *message) {
    __wasi_ciovec_t iov[3] = {{(const uint8_t *)"panic: ", 7},
                              {(const uint8_t *)message, strlen(message)},
                              {(const uint8_t *)"\n", 1}};
    write_all(2, iov, 3);
    __builtin_trap();
}
