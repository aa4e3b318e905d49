/*
 * {{name}}: a Hatchery server (a behaviour) written in C.
 *
 * At init it registers itself as "{{name}}" and prints a greeting. Then the host hands it
 * each message (hatchery/hatchery_server.h has the whole protocol):
 *
 *   cast {"greet": "Ada"}   -> prints "{{name}}: Hello, Ada! (greeting #1)"
 *   call "count"            -> the number of greetings so far
 *   call "hello"            -> "hello from {{name}}"
 *   anything else           -> counted as an info message
 *
 * Its state survives a hot swap: edit this file, run ./build.sh again while
 * `hatchery run` is watching, and the running process moves to the new code with its
 * count (save and code_change below).
 */
#include <stdlib.h>

#include "hatchery_sdk.h"

typedef struct state {
    int64_t count; /* the greetings so far */
    int64_t infos; /* how many other messages came */
} state;

static state initial;

/* Prints "{{name}}: <what> <n>". */
static void say(const char *what, int64_t n) {
    hx_buf line = HX_BUF_INIT;
    hx_buf_puts(&line, "{{name}}: ");
    hx_buf_puts(&line, what);
    hx_buf_putc(&line, ' ');
    hx_json_put_int(&line, n);
    hx_print(hx_buf_cstr(&line));
    hx_buf_free(&line);
}

static hx_next on_call(void *st, hx_json request, const hx_from *from, hx_buf *reply) {
    state *s = st;
    (void)from;
    if (hx_json_str_eq(request, "count")) {
        hx_json_put_int(reply, s->count);
    } else if (hx_json_str_eq(request, "hello")) {
        hx_json_put_cstr(reply, "hello from {{name}}");
    } else {
        /* An unknown request gets an error value rather than crashing the server. */
        hx_buf_puts(reply, "{\"error\":\"unknown request\"}");
    }
    return HX_REPLY;
}

static hx_next on_cast(void *st, hx_json message) {
    state *s = st;
    hx_json who;
    hx_buf line = HX_BUF_INIT;
    if (hx_json_get(message, "greet", &who) != 0) return HX_CONTINUE;
    s->count += 1;
    hx_buf_puts(&line, "{{name}}: Hello, ");
    if (hx_json_str_buf(who, &line) != 0) hx_buf_puts(&line, "whoever you are");
    hx_buf_puts(&line, "! (greeting #");
    hx_json_put_int(&line, s->count);
    hx_buf_putc(&line, ')');
    hx_print(hx_buf_cstr(&line));
    hx_buf_free(&line);
    return HX_CONTINUE;
}

static hx_next on_info(void *st, const hx_message *message) {
    state *s = st;
    s->infos += 1;
    say("info message, bytes:", (int64_t)message->len);
    return HX_CONTINUE;
}

/* Hot swap: the state as JSON, so that a newer version can read old fields and default
 * new ones. */
static void save(void *st, hx_buf *out) {
    const state *s = st;
    hx_buf_puts(out, "{\"count\":");
    hx_json_put_int(out, s->count);
    hx_buf_puts(out, ",\"infos\":");
    hx_json_put_int(out, s->infos);
    hx_buf_putc(out, '}');
}

static int code_change(int32_t old_version, const uint8_t *saved, size_t len, void **st,
                       hx_buf *why) {
    hx_json v, field;
    state *s = calloc(1, sizeof *s);
    if (!s || hx_json_parse(saved, len, &v) != 0 || hx_json_type_of(v) != HX_JSON_OBJECT) {
        free(s);
        hx_buf_puts(why, "{{name}}: the saved state is not a JSON object");
        return 1;
    }
    if (hx_json_get(v, "count", &field) == 0) hx_json_int(field, &s->count);
    if (hx_json_get(v, "infos", &field) == 0) hx_json_int(field, &s->infos);
    *st = s;
    /* Waking from hibernation also comes here, told its own version: only a real version
     * change is worth a line. */
    if (old_version != hx_module_version("{{name}}"))
        say("took over the state of the previous version, count", s->count);
    return 0;
}

static const hx_server server = {
    .handle_call = on_call,
    .handle_cast = on_cast,
    .handle_info = on_info,
    .save = save,
    .code_change = code_change,
};

HX_EXPORT_UPGRADABLE_SERVER(server)

/* The init: runs once when the process starts (not after a hot swap). */
HX_ENTRY void hatchery_main(void) {
    int e = hx_register("{{name}}", hx_self());
    if (e != 0) say("could not register its name, error", e);
    say("hello from C, pid", hx_self());
    hx_serve(&initial);
}
