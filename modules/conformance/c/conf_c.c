/*
 * conf_c: the conformance suite's command interpreter, written with the C SDK
 * (modules/conformance/PROTOCOL.md). It mirrors modules/conformance/rust/src/main.rs.
 */
#include <stdlib.h>
#include <string.h>

#include "hatchery_sdk.h"

#define MAGIC 0xC0
#define REPLY 0xC1

/* A parsed command; s1 and s2 point into the command's bytes. */
typedef struct command {
    uint8_t op;
    int64_t a, b, c;
    const uint8_t *s1, *s2;
    size_t len1, len2;
} command;

static int64_t i64_at(const uint8_t *p) {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t u32_at(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Parses a command: 0, or -1 when it is shorter than what it says it holds. */
static int parse(const uint8_t *d, size_t n, command *cmd) {
    if (n < 40) return -1;
    size_t len1 = u32_at(d + 32), len2 = u32_at(d + 36);
    if (len1 > n - 40 || len2 > n - 40 - len1) return -1;
    *cmd = (command){d[1], i64_at(d + 8), i64_at(d + 16), i64_at(d + 24),
                     d + 40, d + 40 + len1, len1, len2};
    return 0;
}

/* Sends a reply to `to`. */
static void reply(int64_t to, uint8_t op, int64_t r, int64_t x, int64_t y, const void *data,
                  size_t len) {
    hx_buf out = HX_BUF_INIT;
    uint8_t head[40] = {REPLY, op};
    uint32_t n = (uint32_t)len;
    memcpy(head + 8, &r, 8);
    memcpy(head + 16, &x, 8);
    memcpy(head + 24, &y, 8);
    memcpy(head + 32, &n, 4);
    hx_buf_put(&out, head, sizeof head);
    hx_buf_put(&out, data, len);
    if (!out.failed) hx_send(to, out.data, out.len);
    hx_buf_free(&out);
}

/* A byte string as a NUL-terminated name (freed by the caller). */
static char *text(const uint8_t *s, size_t n) {
    char *t = malloc(n + 1);
    if (!t) hx_panic("conf_c: out of memory");
    memcpy(t, s, n);
    t[n] = 0;
    return t;
}

/* A reason in ABI form from a kind and a detail, decoded as the SDK reads reasons. The
 * bytes live in *storage. */
static hx_reason reason_of(int64_t kind, const uint8_t *detail, size_t len, hx_buf *storage) {
    hx_buf_putc(storage, (char)(uint8_t)kind);
    hx_buf_put(storage, detail, len);
    if (storage->failed) hx_panic("conf_c: out of memory");
    return hx_reason_decode(storage->data, storage->len);
}

/* The pattern of the `receive` command. */
typedef struct receive_filter {
    int64_t kind;
    const uint8_t *prefix;
    size_t len;
} receive_filter;

static int receive_match(const hx_message *m, void *ctx) {
    const receive_filter *f = ctx;
    if (m->kind == HATCHERY_KIND_USER) {
        if (m->len > 0 && m->data[0] == MAGIC) return 0; /* commands are never taken */
        if (m->len < f->len || memcmp(m->data, f->prefix, f->len) != 0) return 0;
    }
    return f->kind < 0 || (int64_t)m->kind == f->kind;
}

/* The SDK's selective receive, with the protocol's filter. */
static void receive(int64_t from, const command *cmd) {
    receive_filter f = {cmd->a, cmd->s1, cmd->len1};
    hx_message m;
    if (hx_receive_match(cmd->b, receive_match, &f, &m) != 0) {
        reply(from, cmd->op, HATCHERY_ERR_TIMEOUT, 0, 0, NULL, 0);
        return;
    }
    /* The bytes in ABI form, re-encoded from what the SDK decoded. */
    hx_buf data = HX_BUF_INIT;
    if (m.kind == HATCHERY_KIND_USER || m.kind == HATCHERY_KIND_NODEUP ||
        m.kind == HATCHERY_KIND_NODEDOWN) {
        hx_buf_put(&data, m.data, m.len);
    } else {
        if (m.kind == HATCHERY_KIND_DOWN) hx_buf_put(&data, &m.monitor, 8);
        hx_reason_encode(m.reason, &data);
    }
    if (data.failed) hx_panic("conf_c: out of memory");
    reply(from, cmd->op, 0, m.kind, m.from, data.data, data.len);
    hx_buf_free(&data);
}

/* One raw recv: the message stays queued. */
static void raw_recv(int64_t from, const command *cmd) {
    size_t cap = 256;
    uint8_t *buf = malloc(cap);
    hatchery_recv_info info = {0};
    if (!buf) hx_panic("conf_c: out of memory");
    int32_t n = hatchery_recv((int32_t)cmd->a, cmd->b, buf, (int32_t)cap, &info);
    if (n > (int32_t)cap) {
        free(buf);
        cap = (size_t)n;
        buf = malloc(cap);
        if (!buf) hx_panic("conf_c: out of memory");
        n = hatchery_recv((int32_t)cmd->a, 0, buf, (int32_t)cap, &info);
    }
    size_t len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
    reply(from, cmd->op, n, info.kind, info.sender, buf, len);
    free(buf);
}

static void call(int64_t from, const command *cmd) {
    hx_buf out = HX_BUF_INIT;
    int r = hx_call(cmd->a, cmd->s1, cmd->len1, cmd->b, &out);
    if (r == 0 || r == HATCHERY_ERR_NOPROC) {
        reply(from, cmd->op, r, 0, 0, out.data, out.len);
    } else if (r == HATCHERY_ERR_TIMEOUT) {
        reply(from, cmd->op, r, 0, 0, NULL, 0);
    } else {
        reply(from, cmd->op, HATCHERY_ERR_BAD_ARG, 0, 0, NULL, 0);
    }
    hx_buf_free(&out);
}

static void run(int64_t from, const command *cmd) {
    uint8_t op = cmd->op;
    int64_t a = cmd->a, b = cmd->b, r = 0, x = 0;
    char *s1 = text(cmd->s1, cmd->len1);
    hx_buf tmp = HX_BUF_INIT;
    switch (op) {
    case 1: r = hx_self(); break;
    case 2: r = hx_parent(); break;
    case 3:
        if (hx_args(&tmp) != 0) hx_panic("conf_c: out of memory");
        reply(from, op, 0, 0, 0, tmp.data, tmp.len);
        goto done;
    case 4: r = hx_spawn_opts(s1, cmd->s2, cmd->len2, (int32_t)(a & 3), &x); break;
    case 5: r = hx_send(a, cmd->s1, cmd->len1); break;
    case 6: r = hx_send_named(s1, cmd->s2, cmd->len2); break;
    case 7: raw_recv(from, cmd); goto done;
    case 8: r = hatchery_take((int32_t)a); break;
    case 9: r = hx_mailbox_len(); break;
    case 10: r = hx_link(a); break;
    case 11: r = hx_unlink(a); break;
    case 12: r = hx_trap_exit(a != 0); break;
    case 13: hx_exit(reason_of(a, cmd->s1, cmd->len1, &tmp));
    case 14: r = hx_exit_signal(a, reason_of(b, cmd->s1, cmd->len1, &tmp)); break;
    case 15: r = hx_monitor(a); break;
    case 16: r = hx_demonitor(a, (b & 1) != 0); break;
    case 17: r = hx_register(s1, a); break;
    case 18: r = hx_unregister(s1); break;
    case 19: r = hx_whereis(s1), r = r > 0 ? r : 0; break;
    case 20: r = hx_send_after(a, b < 0 ? 0 : b, cmd->s1, cmd->len1); break;
    case 21: r = hx_cancel_timer(a), r = r >= 0 ? r : HATCHERY_ERR_NOT_FOUND; break;
    case 22: r = hx_make_ref(); break;
    case 23: r = hx_now_ms(); break;
    case 24: receive(from, cmd); goto done;
    case 25: call(from, cmd); goto done;
    case 26:
        /* As the Rust guest: text that is not JSON is cast as null. */
        r = hx_cast(a, cmd->s1, cmd->len1);
        if (r == HX_ERR_BAD_JSON) r = hx_cast(a, HX_LIT("null"));
        if (r < 0 && r != HATCHERY_ERR_TOO_BIG) r = HATCHERY_ERR_BAD_ARG;
        break;
    case 27:
        /* A range outside memory: the host must end this process with trap. */
        hatchery_send(hx_self(), (const void *)(uintptr_t)0x7fff0000u, 64);
        break;
    case 28: hx_panic("conf_c: crash requested");
    case 29: hx_print(s1); break;
    case 30: {
        /* s1 is the name then the node; a is the name's length. */
        if (a < 0 || (uint64_t)a > cmd->len1) {
            r = HATCHERY_ERR_BAD_ARG;
            break;
        }
        char *name = text(cmd->s1, (size_t)a);
        char *node = text(cmd->s1 + a, cmd->len1 - (size_t)a);
        r = hx_send_named_at(name, node, cmd->s2, cmd->len2);
        free(name);
        free(node);
        break;
    }
    case 31:
        if (hx_node_name(&tmp) != 0) hx_panic("conf_c: out of memory");
        reply(from, op, (int64_t)tmp.len, 0, 0, tmp.data, tmp.len);
        goto done;
    case 32:
        if (hx_nodes(&tmp) < 0) hx_panic("conf_c: out of memory");
        reply(from, op, (int64_t)tmp.len, 0, 0, tmp.data, tmp.len);
        goto done;
    case 33:
        if (hx_pid_node(a, &tmp) != 0) hx_panic("conf_c: out of memory");
        reply(from, op, (int64_t)tmp.len, 0, 0, tmp.data, tmp.len);
        goto done;
    case 34: r = a == 0 || a == 1 ? hx_monitor_node(s1, (int)a) : HATCHERY_ERR_BAD_ARG; break;
    case 35:
        if (a == 0 || a == 1) hx_monitor_nodes((int)a);
        else r = HATCHERY_ERR_BAD_ARG;
        break;
    case 36: {
        /* s1 is the node then the module; a is the node's length. */
        if (a < 0 || (uint64_t)a > cmd->len1) {
            r = HATCHERY_ERR_BAD_ARG;
            break;
        }
        char *node = text(cmd->s1, (size_t)a);
        char *module = text(cmd->s1 + a, cmd->len1 - (size_t)a);
        r = hx_spawn_at(node, module, cmd->s2, cmd->len2, (int32_t)(b & 3), &x);
        free(node);
        free(module);
        break;
    }
    case 37:
        if (hx_pid_display(a, &tmp) != 0) hx_panic("conf_c: out of memory");
        reply(from, op, (int64_t)tmp.len, 0, 0, tmp.data, tmp.len);
        goto done;
    default: r = HATCHERY_ERR_BAD_ARG;
    }
    reply(from, op, r, x, 0, NULL, 0);
done:
    hx_buf_free(&tmp);
    free(s1);
}

static int is_command(const hx_message *m, void *ctx) {
    (void)ctx;
    return m->kind == HATCHERY_KIND_USER && m->len > 0 && m->data[0] == MAGIC;
}

HX_ENTRY void hatchery_main(void) {
    for (;;) {
        hx_message m;
        if (hx_receive_match(HX_INFINITY, is_command, NULL, &m) != 0) continue;
        /* A copy: the command may itself receive, which reuses the SDK's buffer. */
        uint8_t *bytes = malloc(m.len);
        if (!bytes) hx_panic("conf_c: out of memory");
        memcpy(bytes, m.data, m.len);
        command cmd;
        if (parse(bytes, m.len, &cmd) == 0) {
            run(m.from, &cmd);
        } else {
            reply(m.from, m.len > 1 ? bytes[1] : 0, HATCHERY_ERR_BAD_ARG, 0, 0, NULL, 0);
        }
        free(bytes);
    }
}
