// poly_go_user: a user of the Erlang messenger (modules/messenger), the Go member of
// apps/polyglot (apps/polyglot/README.md). It logs on to the messenger server, then
// every every_ms sends its peer a greeting and prints the messages it gets.
//
// Args (JSON, every field optional):
//
//	{"name": "gopher", "peer": "pythonista", "server": "messenger", "every_ms": 3000}
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"hatchery.local/sdk/hatchery"
)

// replyWait is how long the user waits for the server's {"messenger": ...} answer.
const replyWait = 5 * time.Second

type args struct {
	Name    string `json:"name"`
	Peer    string `json:"peer"`
	Server  string `json:"server"`
	EveryMs int64  `json:"every_ms"`
}

// user is the running client.
type user struct {
	args
	sent int // greetings sent so far
}

func main() {
	u := user{args: args{Name: "gopher", Peer: "pythonista", Server: "messenger", EveryMs: 3000}}
	if err := hatchery.ArgsJSON(&u.args); err != nil {
		fmt.Fprintf(os.Stderr, "poly_go_user: bad arguments: %v\n", err)
		hatchery.Exit(hatchery.Custom("badarg"))
	}
	u.logon()
	if what := u.awaitResult(); isString(what, "logged_on") {
		u.say("logged on")
	} else {
		u.say(show(what))
	}
	u.run()
}

// run is the loop: print deliveries; every every_ms, greet the peer. The wait is the
// time left until the next greeting, so that deliveries (a peer greeting more often)
// do not postpone it, as they would with a fresh every_ms after each message.
func (u *user) run() {
	every := max(0, u.EveryMs)
	next := hatchery.NowMs() + every
	for {
		var from delivery
		wait := time.Duration(max(0, next-hatchery.NowMs())) * time.Millisecond
		_, got := hatchery.Receive(wait, func(m *hatchery.Message) bool {
			var d delivery
			body, ok := field(m, "message_from")
			if !ok || json.Unmarshal(body, &d) != nil {
				return false
			}
			from = d
			return true
		})
		if got {
			u.say(fmt.Sprintf("message from %s: %s", from.Name, show(from.Message)))
			continue
		}
		u.sent++
		u.toServer(map[string]any{"message_to": map[string]any{
			"from":    hatchery.Self(),
			"to":      u.Peer,
			"message": fmt.Sprintf("hello #%d from Go", u.sent),
		}})
		if what := u.awaitResult(); !isString(what, "sent") && !isString(what, "receiver_not_found") {
			u.say(show(what))
		}
		next = hatchery.NowMs() + every
	}
}

// delivery is the body of {"message_from": {"name": N, "message": M}}.
type delivery struct {
	Name    string          `json:"name"`
	Message json.RawMessage `json:"message"`
}

// awaitResult waits for {"messenger": X} and returns X. {"stop": why} prints why and
// ends the process normally; no answer ends it with custom: timeout. Everything else
// stays queued meanwhile.
func (u *user) awaitResult() json.RawMessage {
	var what json.RawMessage
	_, got := hatchery.Receive(replyWait, func(m *hatchery.Message) bool {
		x, ok := field(m, "messenger")
		what = x
		return ok
	})
	if !got {
		u.say("no response from server")
		hatchery.Exit(hatchery.Custom("timeout"))
	}
	var stop map[string]json.RawMessage
	if json.Unmarshal(what, &stop) == nil {
		if why, ok := stop["stop"]; ok {
			u.say(show(why))
			hatchery.Exit(hatchery.Normal)
		}
	}
	return what
}

// field is the value of key in a user message that is a JSON object holding it (the
// key matched exactly, as the messenger's other clients do).
func field(m *hatchery.Message, key string) (json.RawMessage, bool) {
	var object map[string]json.RawMessage
	if m.Decode(&object) != nil {
		return nil, false
	}
	value, ok := object[key]
	return value, ok
}

// logon sends the logon. A supervisor starts its children one after the other without
// waiting for them to register, so the server's name may not be there yet: the user
// tries again for up to replyWait before sending into the void.
func (u *user) logon() {
	msg := map[string]any{"logon": map[string]any{"from": hatchery.Self(), "name": u.Name}}
	giveUp := hatchery.NowMs() + replyWait.Milliseconds()
	for {
		err := hatchery.SendNamedJSON(u.Server, msg)
		if !errors.Is(err, hatchery.ErrNotRegistered) || hatchery.NowMs() >= giveUp {
			u.complain(err)
			return
		}
		// Erlang's sleep: a receive that matches nothing.
		hatchery.Receive(100*time.Millisecond, func(*hatchery.Message) bool { return false })
	}
}

// toServer sends msg to the server by name; if no process has the name the message is
// lost, and awaitResult's timeout says so (send and pray, as in Erlang).
func (u *user) toServer(msg any) {
	u.complain(hatchery.SendNamedJSON(u.Server, msg))
}

// complain reports a failed send to the server, except to a free name: that message is
// simply lost, as in Erlang.
func (u *user) complain(err error) {
	if err != nil && !errors.Is(err, hatchery.ErrNotRegistered) {
		fmt.Fprintf(os.Stderr, "poly_go_user: cannot send to %s: %v\n", u.Server, err)
	}
}

func (u *user) say(line string) { fmt.Printf("%s: %s\n", u.Name, line) }

// show is a JSON value as the messenger prints it: a string bare (it stands for an
// atom), anything else as compact JSON.
func show(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var out []byte
	if compact, err := json.Marshal(v); err == nil {
		out = compact
	}
	return string(out)
}

func isString(v json.RawMessage, want string) bool {
	var s string
	return json.Unmarshal(v, &s) == nil && s == want
}
