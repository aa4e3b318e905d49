package hatchery

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

type queued struct {
	kind   Kind
	sender int64
	data   []byte
}

// fakeMailbox holds messages in memory. A recv past the end "waits" by moving the clock
// by the whole timeout, then delivers the next of arriving, if any.
type fakeMailbox struct {
	queue    []queued
	arriving []queued
	clock    int64
	recvs    int
	bufSizes []int
}

func (f *fakeMailbox) recv(index int32, timeoutMs int64, buf []byte, info *RecvInfo) int32 {
	f.recvs++
	f.bufSizes = append(f.bufSizes, len(buf))
	if int(index) >= len(f.queue) {
		if timeoutMs == 0 {
			return int32(ErrTimeout)
		}
		if len(f.arriving) == 0 {
			if timeoutMs < 0 {
				panic("the fake cannot wait forever")
			}
			f.clock += timeoutMs
			return int32(ErrTimeout)
		}
		f.clock++
		f.queue = append(f.queue, f.arriving[0])
		f.arriving = f.arriving[1:]
	}
	m := f.queue[index]
	copy(buf, m.data)
	*info = RecvInfo{Kind: m.kind, Sender: Pid(m.sender)}
	return int32(len(m.data))
}

func (f *fakeMailbox) take(index int32) int32 {
	if int(index) >= len(f.queue) {
		return int32(ErrNoMessage)
	}
	f.queue = append(f.queue[:index], f.queue[index+1:]...)
	return 0
}

func (f *fakeMailbox) nowMs() int64 { return f.clock }

func user(sender int64, text string) queued { return queued{KindUser, sender, []byte(text)} }

func text(want string) func(*Message) bool {
	return func(m *Message) bool { return m.Kind == KindUser && string(m.Data) == want }
}

func TestTakesTheFirstMatchAndKeepsTheRestInOrder(t *testing.T) {
	mb := &fakeMailbox{queue: []queued{user(1, "a"), user(2, "b"), user(3, "c")}}
	m, ok, _ := receiveIn(mb, nil, 0, text("b"))
	if !ok || string(m.Data) != "b" || m.From != 2 {
		t.Fatalf("got %+v, %v", m, ok)
	}
	if len(mb.queue) != 2 || string(mb.queue[0].data) != "a" || string(mb.queue[1].data) != "c" {
		t.Fatalf("left %+v", mb.queue)
	}
}

func TestNoMatchTimesOutAndLeavesTheMailboxAlone(t *testing.T) {
	mb := &fakeMailbox{queue: []queued{user(1, "a"), {KindExit, 2, []byte{0}}}}
	_, ok, _ := receiveIn(mb, nil, 50*time.Millisecond, func(*Message) bool { return false })
	if ok || len(mb.queue) != 2 || mb.clock != 50 {
		t.Fatalf("ok %v, queue %d, clock %d", ok, len(mb.queue), mb.clock)
	}
}

func TestWaitsForALaterMatchingMessage(t *testing.T) {
	mb := &fakeMailbox{queue: []queued{user(1, "noise")}, arriving: []queued{user(2, "more noise"), user(3, "wanted")}}
	m, ok, _ := receiveIn(mb, nil, time.Second, text("wanted"))
	if !ok || m.From != 3 || len(mb.queue) != 2 {
		t.Fatalf("got %+v, %v; queue %d", m, ok, len(mb.queue))
	}
}

func TestGrowsTheBufferForABigMessage(t *testing.T) {
	big := bytes.Repeat([]byte{7}, 5000)
	mb := &fakeMailbox{queue: []queued{{KindUser, 9, big}}}
	m, ok, buf := receiveIn(mb, nil, 0, func(*Message) bool { return true })
	if !ok || !bytes.Equal(m.Data, big) {
		t.Fatalf("got %d bytes, %v", len(m.Data), ok)
	}
	if mb.recvs != 2 || mb.bufSizes[0] != initialCapacity || mb.bufSizes[1] < 5000 || cap(buf) < 5000 {
		t.Fatalf("recvs %d with buffers %v, kept %d", mb.recvs, mb.bufSizes, cap(buf))
	}
	// The returned message owns its bytes; the buffer is free for the next receive.
	buf[0] = 0
	if m.Data[0] != 7 {
		t.Fatal("the message shares the receive buffer")
	}
}

func TestDecodesExitAndDownMessages(t *testing.T) {
	down := binary.LittleEndian.AppendUint64(nil, 77)
	down = append(down, byte(ReasonKilled))
	mb := &fakeMailbox{queue: []queued{{KindExit, 4, []byte("\x07boom")}, {KindDown, 5, down}}}
	exit, _, _ := receiveIn(mb, nil, 0, func(*Message) bool { return true })
	if exit.Kind != KindExit || exit.From != 4 || exit.Reason != Custom("boom") {
		t.Fatalf("exit %+v", exit)
	}
	d, _, _ := receiveIn(mb, nil, 0, func(*Message) bool { return true })
	if d.Kind != KindDown || d.From != 5 || d.Monitor != 77 || d.Reason != Killed {
		t.Fatalf("down %+v", d)
	}
}

func TestDecodesNodeMessages(t *testing.T) {
	mb := &fakeMailbox{queue: []queued{{KindNodeUp, 0, []byte("b")}, {KindNodeDown, 0, []byte("c")}}}
	up, _, _ := receiveIn(mb, nil, 0, func(*Message) bool { return true })
	if up.Kind != KindNodeUp || up.From != 0 || up.Node != "b" {
		t.Fatalf("nodeup %+v", up)
	}
	down, _, _ := receiveIn(mb, nil, 0, func(*Message) bool { return true })
	if down.Kind != KindNodeDown || down.Node != "c" || down.Decode(new(any)) != ErrBadArg {
		t.Fatalf("nodedown %+v", down)
	}
}

func TestUnknownKindsAndShortDownsAreSkippedNotTaken(t *testing.T) {
	mb := &fakeMailbox{queue: []queued{{9, 1, []byte("?")}, {KindDown, 1, []byte{1, 2}}, user(2, "ok")}}
	m, ok, _ := receiveIn(mb, nil, 0, func(*Message) bool { return true })
	if !ok || m.From != 2 || len(mb.queue) != 2 {
		t.Fatalf("got %+v; queue %d", m, len(mb.queue))
	}
}

func TestTimeoutsInMilliseconds(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int64
	}{{Infinity, -1}, {-time.Hour, -1}, {0, 0}, {time.Nanosecond, 1}, {time.Millisecond, 1}, {1500 * time.Microsecond, 2}} {
		if got := timeoutMs(c.d); got != c.want {
			t.Errorf("timeoutMs(%v) = %d, want %d", c.d, got, c.want)
		}
	}
	if ceilMs(-time.Nanosecond) != -1 {
		t.Error("a negative delay stays negative")
	}
}
