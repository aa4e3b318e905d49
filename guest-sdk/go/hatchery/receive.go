package hatchery

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"
)

// Infinity is the timeout of a receive that waits forever. Any negative timeout does.
const Infinity time.Duration = -1

// timeoutMs is a timeout as the ABI's timeout_ms: -1 forever, 0 no wait, else whole
// milliseconds rounded up, so a short non-zero timeout still waits.
func timeoutMs(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return ceilMs(d)
}

// ceilMs is d in milliseconds, rounded up (for d >= 0) or down (for d < 0).
func ceilMs(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d > 0 && d%time.Millisecond != 0 {
		ms++
	} else if d < 0 && d%time.Millisecond != 0 {
		ms--
	}
	return ms
}

// The mailbox as the receive loop sees it: the host's, or a fake in the unit tests.
type mailbox interface {
	recv(index int32, timeoutMs int64, buf []byte, info *RecvInfo) int32
	take(index int32) int32
	nowMs() int64
}

// hostMailbox is this process's mailbox, through the hatchery_v1 imports.
type hostMailbox struct{}

func (hostMailbox) recv(index int32, timeoutMs int64, buf []byte, info *RecvInfo) int32 {
	var raw [16]byte // u32 kind, u32 reserved, i64 sender
	n := hostRecv(index, timeoutMs, bytesPtr(buf), n32(len(buf)), bytesPtr(raw[:]))
	if n >= 0 {
		info.Kind = Kind(binary.LittleEndian.Uint32(raw[0:]))
		info.Sender = Pid(binary.LittleEndian.Uint64(raw[8:]))
	}
	return n
}

func (hostMailbox) take(index int32) int32 { return hostTake(index) }
func (hostMailbox) nowMs() int64           { return hostNowMs() }

const (
	// initialCapacity is the receive buffer's starting size.
	initialCapacity = 1024
	// keepAtMost is the largest receive buffer kept for the next receive.
	keepAtMost = 1 << 20
)

// recvBuf is reused across receives, so looking at small messages does not allocate.
var recvBuf []byte

// Receive is Erlang's selective receive: it waits for the first message, oldest first,
// for which match returns true, removes it from the mailbox and returns it. Messages for
// which match returns false stay queued, in order. ok is false when nothing matched
// within timeout (Erlang's after branch): 0 looks only at what is already queued, a
// negative timeout (Infinity) waits forever. A nil match takes any message.
//
// match may see the same message in several receives, so it should have no side
// effects it cannot repeat, and m.Data is valid only while match runs (the returned
// message has its own copy).
//
//	// Wait up to 5 s for {"messenger": ...}; everything else stays queued.
//	var what json.RawMessage
//	_, ok := hatchery.Receive(5*time.Second, func(m *hatchery.Message) bool {
//		var v struct{ Messenger json.RawMessage `json:"messenger"` }
//		if m.Decode(&v) != nil || v.Messenger == nil {
//			return false
//		}
//		what = v.Messenger
//		return true
//	})
func Receive(timeout time.Duration, match func(m *Message) bool) (msg Message, ok bool) {
	if match == nil {
		match = anyMessage
	}
	msg, ok, buf := receiveIn(hostMailbox{}, recvBuf, timeout, match)
	recvBuf = nil
	if cap(buf) <= keepAtMost {
		recvBuf = buf
	}
	return msg, ok
}

// ReceiveAny receives the oldest message of any kind, waiting at most timeout.
func ReceiveAny(timeout time.Duration) (Message, bool) {
	return Receive(timeout, anyMessage)
}

func anyMessage(*Message) bool { return true }

// receiveIn is the loop of ABI.md §4 over any mailbox, with buf as the receive buffer:
// look at message i, waiting with the time left; grow the buffer when the message is
// bigger and read it again (only this process removes messages, so it is still at i);
// take it on a match, else go on with i+1. It returns the buffer for reuse.
func receiveIn(mb mailbox, buf []byte, timeout time.Duration, match func(*Message) bool) (Message, bool, []byte) {
	if cap(buf) < initialCapacity {
		buf = make([]byte, initialCapacity)
	}
	buf = buf[:cap(buf)]
	var deadline int64
	if timeout > 0 {
		deadline = addSaturating(mb.nowMs(), ceilMs(timeout))
	}
	for index := int32(0); ; index++ {
		var wait int64 // timeout == 0: only what is queued
		if timeout < 0 {
			wait = -1
		} else if timeout > 0 {
			wait = max(0, deadline-mb.nowMs())
		}
		var info RecvInfo
		size := mb.recv(index, wait, buf, &info)
		if size < 0 {
			// ErrTimeout is the after branch; any other code means the mailbox cannot be
			// read at this index, which ends the receive the same way.
			return Message{}, false, buf
		}
		if int(size) > len(buf) {
			buf = make([]byte, size)
			if mb.recv(index, 0, buf, &info) < 0 {
				return Message{}, false, buf
			}
		}
		m, known := messageFrom(info.Kind, int64(info.Sender), buf[:min(int(size), len(buf))])
		if known && match(&m) {
			mb.take(index)
			m.Data = bytes.Clone(m.Data)
			return m, true, buf
		}
	}
}

func addSaturating(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
