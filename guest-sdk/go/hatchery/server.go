package hatchery

import (
	"encoding/json"
	"fmt"
	"os"
	"unsafe"
)

// A behaviour-style server (gen_server). The host runs the receive loop and hands each
// message to the server's callbacks; no guest code runs between messages. A server
// module is built with -buildmode=c-shared and exports, from its main package, an init
// that calls Serve, and the callback that calls Handle:
//
//	//go:wasmexport hatchery_main
//	func start() { hatchery.Serve(&Counter{}) }
//
//	//go:wasmexport hatchery_handle
//	func handle(kind int32, sender int64, size int32) { hatchery.Handle(kind, sender, size) }
//
//	func main() {} // not run in a c-shared build
//
// On the wire (ABI.md, "Calls and casts") a call is {"$call": {"ref": R, "req": REQ}},
// answered with {"$reply": {"ref": R, "value": V}}, and a cast is {"$cast": M}, so any
// process, the CLI or the HTTP API can speak to any server in any language.

// Server is the callbacks of a server. Embed BaseServer to get the defaults of all but
// HandleCall.
type Server interface {
	// HandleCall answers a synchronous request. It returns the reply (any value
	// encoding/json can encode), or NoReply to answer later with Reply, and what to do
	// next. A reply returned with Stop is sent before the server ends.
	HandleCall(req json.RawMessage, from From) (reply any, next Next)
	// HandleCast handles an asynchronous request.
	HandleCast(msg json.RawMessage) Next
	// HandleInfo handles any other message: plain bytes, other JSON, EXIT, DOWN, NODEUP
	// and NODEDOWN messages, late replies.
	HandleInfo(msg Message) Next
	// Terminate runs before the server ends by a Stop (or its parent's exit signal).
	Terminate(reason ExitReason)
}

// Upgrader is a Server whose state survives a new version of its module (hot code swap,
// ABI.md §5). The host asks the running version to Save its state between two messages,
// and hands the bytes to CodeChange on a fresh value in the new version; pid, name,
// links, monitors and mailbox stay. The module also exports hatchery_state_save (calling
// StateSave) and hatchery_code_change (calling CodeChange).
type Upgrader interface {
	Server
	// Save is the state as bytes for the next version. JSON is a good choice: the next
	// version can read the old fields and default new ones.
	Save() []byte
	// CodeChange takes the state oldVersion saved. An error refuses the upgrade: the
	// process stays on the old version and the error's text is reported. A process
	// waking from hibernation is told its own version.
	CodeChange(oldVersion int, state []byte) error
}

// BaseServer gives a server the default callbacks: casts and infos are ignored, and
// Terminate does nothing.
type BaseServer struct{}

// HandleCast ignores the cast.
func (BaseServer) HandleCast(json.RawMessage) Next { return Continue }

// HandleInfo ignores the message.
func (BaseServer) HandleInfo(Message) Next { return Continue }

// Terminate does nothing.
func (BaseServer) Terminate(ExitReason) {}

// From is who made a call: reply to it with Reply, now or later.
type From struct {
	Pid Pid    // the calling process
	Ref uint64 // the call's reference, echoed in the reply
}

// Next is what a callback decides: Continue, or Stop with a reason.
type Next struct {
	stop   bool
	reason ExitReason
}

// Continue goes on with the next message.
var Continue = Next{}

// Stop runs Terminate and ends the server with reason.
func Stop(reason ExitReason) Next { return Next{stop: true, reason: reason} }

type noReply struct{}

// NoReply, returned by HandleCall, sends no reply now (send it later with Reply).
var NoReply any = noReply{}

var (
	// current is the running server.
	current Server
	// handover holds bytes handed to the host (a saved state, a refusal reason) until
	// the next handover, so the host can read them after the export returns.
	handover []byte
)

// Serve makes s this process's server. Call it from hatchery_main after the init work
// (or from a callback, to replace the server); when hatchery_main returns, the host
// starts handing messages to the callbacks.
func Serve(s Server) { current = s }

// Hibernate asks the host to hibernate this server once the current callback returns
// (Erlang's {noreply, State, hibernate}): its state is saved, its instance dropped, and
// the next message brings it back through CodeChange. Only an Upgrader in a module that
// exports both upgrade callbacks hibernates; for others nothing happens.
func Hibernate() { hostHibernate() }

// Handle is the body of hatchery_handle: it reads the message being handled and runs
// the server's callbacks. A panic in a callback ends the process with reason trap, and
// the host names the message in the crash report.
func Handle(kind int32, sender int64, size int32) {
	buf := make([]byte, max(0, size))
	hostMessageRead(bytesPtr(buf), n32(len(buf)))
	m, ok := messageFrom(Kind(uint32(kind)), sender, buf)
	if !ok {
		return
	}
	if current == nil {
		Exit(Custom("a server module must call hatchery.Serve in hatchery_main"))
	}
	dispatch(current, &m)
}

func dispatch(s Server, m *Message) {
	var next Next
	switch {
	case m.Kind == KindUser:
		next = dispatchUser(s, m)
	case m.Kind == KindExit && m.From != 0 && m.From == Parent():
		// As gen_server: an exit signal from the parent (the supervisor shutting it
		// down) ends a server that traps exits, after Terminate.
		next = Stop(m.Reason)
	default:
		next = s.HandleInfo(*m)
	}
	if next.stop {
		s.Terminate(next.reason)
		Exit(next.reason)
	}
}

// dispatchUser hands a JSON object with the key "$call" to HandleCall, one with "$cast"
// to HandleCast, and anything else to HandleInfo.
func dispatchUser(s Server, m *Message) Next {
	var envelope map[string]json.RawMessage
	if json.Unmarshal(m.Data, &envelope) != nil {
		return s.HandleInfo(*m)
	}
	if call, ok := envelope["$call"]; ok {
		from, req := parseCall(m.From, call)
		reply, next := s.HandleCall(req, from)
		if _, none := reply.(noReply); !none {
			if err := Reply(from, reply); err != nil {
				fmt.Fprintf(os.Stderr, "hatchery: the reply to %v could not be sent: %v\n", from.Pid, err)
			}
		}
		return next
	}
	if cast, ok := envelope["$cast"]; ok {
		return s.HandleCast(cast)
	}
	return s.HandleInfo(*m)
}

// parseCall reads {"ref": R, "req": REQ}; a missing or malformed ref reads as 0 and a
// missing req as null.
func parseCall(sender Pid, raw json.RawMessage) (From, json.RawMessage) {
	var call map[string]json.RawMessage
	_ = json.Unmarshal(raw, &call) // not an object: no ref, req null
	from := From{Pid: sender}
	if json.Unmarshal(call["ref"], &from.Ref) != nil {
		from.Ref = 0
	}
	req, ok := call["req"]
	if !ok {
		req = json.RawMessage("null")
	}
	return from, req
}

// Reply answers a call, from any process that holds its From (gen_server:reply).
// Errors: value's encoding error, or ErrTooBig.
func Reply(to From, value any) error {
	type body struct {
		Ref   uint64 `json:"ref"`
		Value any    `json:"value"`
	}
	return SendJSON(to.Pid, struct {
		Reply body `json:"$reply"`
	}{body{to.Ref, value}})
}

// StateSave is the body of hatchery_state_save: the server's saved state, packed as
// (ptr << 32) | len.
func StateSave() int64 {
	u, ok := current.(Upgrader)
	if !ok {
		panic("hatchery_state_save: the server given to Serve is not an Upgrader")
	}
	return handOver(u.Save())
}

// CodeChange is the body of hatchery_code_change, which the host calls on a fresh
// instance (whose hatchery_main does not run): it reads the saved state and hands it to
// fresh.CodeChange; on success fresh becomes the server. It returns 0, or a packed
// refusal reason.
func CodeChange(oldVersion, size int32, fresh Upgrader) int64 {
	state := make([]byte, max(0, size))
	hostMessageRead(bytesPtr(state), n32(len(state)))
	if err := fresh.CodeChange(int(oldVersion), state); err != nil {
		reason := err.Error()
		if reason == "" {
			reason = "refused"
		}
		return handOver([]byte(reason))
	}
	Serve(fresh)
	return 0
}

// handOver keeps b for the host and returns it packed as (ptr << 32) | len.
func handOver(b []byte) int64 {
	handover = b
	ptr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	return int64(ptr<<32 | uint64(uint32(len(b))))
}
