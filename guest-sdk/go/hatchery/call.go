package hatchery

import (
	"encoding/json"
	"time"
)

// The client side of the gen_server protocol (ABI.md, "Calls and casts").

// ExitError is the error of a call whose server was dead, or ended before replying.
type ExitError struct {
	Reason ExitReason // the server's exit reason (noproc when it was already dead)
}

// Error names the server's exit reason.
func (e *ExitError) Error() string { return "hatchery: the server exited: " + e.Reason.String() }

// Call sends req (encoded as JSON) to server and waits at most timeout (Infinity: for
// ever) for the reply's value, which it returns as JSON.
//
// The call monitors the server, so a server that is dead or dies before replying ends
// the call at once with an *ExitError; the monitor reference also tags the request, so
// only this call's reply is taken. Other messages stay queued. On a timeout the error is
// ErrTimeout, and a reply that comes later stays in the mailbox (a server sees it as an
// info message). Other errors: req's encoding error, ErrTooBig.
//
//	value, err := hatchery.Call(counter, "get", time.Second)
//	var n int
//	if err == nil {
//		err = json.Unmarshal(value, &n)
//	}
func Call(server Pid, req any, timeout time.Duration) (json.RawMessage, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	ref := Monitor(server)
	type call struct {
		Ref uint64          `json:"ref"`
		Req json.RawMessage `json:"req"`
	}
	err = SendJSON(server, struct {
		Call call `json:"$call"`
	}{call{uint64(ref), body}})
	if err != nil {
		_ = Demonitor(ref, true)
		return nil, err
	}
	var value json.RawMessage
	m, ok := Receive(timeout, func(m *Message) bool {
		switch m.Kind {
		case KindUser:
			v, mine := replyValue(m.Data, uint64(ref))
			value = v
			return mine
		case KindDown:
			return m.Monitor == ref
		}
		return false
	})
	switch {
	case !ok:
		_ = Demonitor(ref, true)
		return nil, ErrTimeout
	case m.Kind == KindDown:
		return nil, &ExitError{Reason: m.Reason}
	default:
		_ = Demonitor(ref, true)
		return value, nil
	}
}

// replyValue is the value of data when it is the reply {"$reply": {"ref": ref, ...}}.
func replyValue(data []byte, ref uint64) (json.RawMessage, bool) {
	var envelope map[string]json.RawMessage
	if json.Unmarshal(data, &envelope) != nil {
		return nil, false
	}
	var reply map[string]json.RawMessage
	if json.Unmarshal(envelope["$reply"], &reply) != nil || reply == nil {
		return nil, false
	}
	var got uint64
	if json.Unmarshal(reply["ref"], &got) != nil || got != ref {
		return nil, false
	}
	value, ok := reply["value"]
	if !ok {
		value = json.RawMessage("null")
	}
	return value, true
}

// CallNamed is Call to the process registered as name; ErrNotRegistered when the name
// is free.
func CallNamed(name string, req any, timeout time.Duration) (json.RawMessage, error) {
	server, ok := Whereis(name)
	if !ok {
		return nil, ErrNotRegistered
	}
	return Call(server, req, timeout)
}

type castMsg struct {
	Cast any `json:"$cast"`
}

// Cast sends the asynchronous request msg (encoded as JSON) to server; it never waits,
// and a cast to a dead server is dropped. Errors: msg's encoding error, ErrTooBig.
func Cast(server Pid, msg any) error { return SendJSON(server, castMsg{msg}) }

// CastNamed is Cast to the process registered as name. Errors as Cast, and
// ErrNotRegistered when the name is free.
func CastNamed(name string, msg any) error { return SendNamedJSON(name, castMsg{msg}) }
