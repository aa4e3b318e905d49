package hatchery

import (
	"encoding/binary"
	"encoding/json"
	"time"
)

// Kind is the kind of a message (ABI.md §4).
type Kind uint32

// The kinds of message.
const (
	KindUser Kind = 0 // sent with Send, SendNamed or a timer
	KindExit Kind = 1 // an exit signal, received because this process traps exits
	KindDown Kind = 2 // a monitor this process created fired
	// KindNodeUp: a node connected (MonitorNodes); Node is its name.
	KindNodeUp Kind = 3
	// KindNodeDown: a node disconnected, or a monitored one is not connected (MonitorNode,
	// MonitorNodes); Node is its name.
	KindNodeDown Kind = 4
)

// Message is a message looked at in, or taken from, the mailbox.
type Message struct {
	Kind Kind
	// From is the sender of a user message (0 when it came from outside the node, such
	// as the HTTP API), the process whose exit signal an EXIT is, or the monitored
	// process of a DOWN; 0 for NODEUP and NODEDOWN.
	From Pid
	// Data is the message's bytes as the host holds them: exactly what was sent for a
	// user message; the encoded reason for an EXIT; the reference then the reason for a
	// DOWN; the node's name for NODEUP and NODEDOWN.
	Data []byte
	// Reason is the exit reason of an EXIT or DOWN message.
	Reason ExitReason
	// Monitor is the reference of a DOWN message.
	Monitor MonitorRef
	// Node is the node's name of a NODEUP or NODEDOWN message.
	Node string
}

// messageFrom builds a message from what recv or hatchery_handle reports. ok is false
// for a kind this SDK does not know or a DOWN too short to hold its reference.
func messageFrom(kind Kind, sender int64, data []byte) (m Message, ok bool) {
	m = Message{Kind: kind, From: Pid(sender), Data: data}
	switch kind {
	case KindUser:
	case KindExit:
		m.Reason = DecodeReason(data)
	case KindDown:
		if len(data) < 8 {
			return m, false
		}
		m.Monitor = MonitorRef(binary.LittleEndian.Uint64(data))
		m.Reason = DecodeReason(data[8:])
	case KindNodeUp, KindNodeDown:
		m.Node = string(data)
	default:
		return m, false
	}
	return m, true
}

// Decode decodes a user message's JSON into v; an EXIT or DOWN message is an error.
func (m *Message) Decode(v any) error {
	if m.Kind != KindUser {
		return ErrBadArg
	}
	return json.Unmarshal(m.Data, v)
}

// Send sends the bytes msg to pid. Like Erlang's !, it does not tell whether the message
// arrived: a message to a dead process is dropped. Errors: ErrTooBig when msg is over the
// node's message size limit.
func Send(pid Pid, msg []byte) error {
	return check0(hostSend(int64(pid), bytesPtr(msg), n32(len(msg))))
}

// SendJSON sends v, encoded as JSON, to pid. Errors as Send, or v's encoding error.
func SendJSON(pid Pid, v any) error {
	msg, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return Send(pid, msg)
}

// SendNamed sends the bytes msg to the process registered as name. Errors:
// ErrNotRegistered when no process has the name, ErrBadName, ErrTooBig.
func SendNamed(name string, msg []byte) error {
	return check0(hostSendNamed(stringPtr(name), n32(len(name)), bytesPtr(msg), n32(len(msg))))
}

// SendNamedJSON sends v, encoded as JSON, to the process registered as name.
func SendNamedJSON(name string, v any) error {
	msg, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return SendNamed(name, msg)
}

// SendNamedAt sends the bytes msg to the process registered as name on the node called
// node (Erlang's {Name, Node} ! Msg). On this node's own name it is SendNamed; on another
// node it returns nil also when nobody there has the name or the node is not connected
// (the message is dropped there). Errors: ErrNotRegistered (this node only), ErrBadName
// (either name), ErrTooBig.
func SendNamedAt(name, node string, msg []byte) error {
	return check0(hostSendNamedAt(stringPtr(name), n32(len(name)), stringPtr(node), n32(len(node)), bytesPtr(msg), n32(len(msg))))
}

// SendNamedAtJSON sends v, encoded as JSON, to the process registered as name on the node
// called node.
func SendNamedAtJSON(name, node string, v any) error {
	msg, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return SendNamedAt(name, node, msg)
}

// MailboxLen is the number of messages queued in this process's mailbox.
func MailboxLen() int { return int(max(0, hostMailboxLen())) }

// RecvInfo is the metadata of a message at a mailbox index.
type RecvInfo struct {
	Kind   Kind
	Sender Pid
}

// Recv is the ABI's raw recv: it waits up to timeout (0: not at all; negative, such as
// Infinity: forever) for a message at position index of the mailbox (0 is the oldest),
// copies as many of its bytes as fit into buf, and returns its full size. The message
// stays queued. Errors: ErrTimeout, ErrBadArg for a negative index. Most programs want
// Receive instead.
func Recv(index int, timeout time.Duration, buf []byte) (int, RecvInfo, error) {
	var info RecvInfo
	n, err := check(int64(hostMailbox{}.recv(int32(index), timeoutMs(timeout), buf, &info)))
	if err != nil {
		return 0, RecvInfo{}, err
	}
	return int(n), info, nil
}

// Take removes the message at position index of the mailbox. Errors: ErrNoMessage.
func Take(index int) error { return check0(hostTake(int32(index))) }
