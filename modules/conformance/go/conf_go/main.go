// conf_go: the conformance suite's command interpreter, written with the Go SDK
// (modules/conformance/PROTOCOL.md). A main-style guest: an ordinary wasip1 command.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"hatchery.local/conformance/protocol"
	"hatchery.local/sdk/hatchery"
)

// rawSend is the host's send with a plain address, for the bad_pointer command.
//
//go:wasmimport hatchery_v1 send
func rawSend(pid int64, ptr int32, n int32) int32

func main() {
	for {
		m, ok := hatchery.Receive(hatchery.Infinity, isCommand)
		if !ok {
			continue
		}
		cmd, ok := protocol.Parse(m.Data)
		if !ok {
			protocol.Reply(m.From, op(m.Data), int64(hatchery.ErrBadArg), 0, 0, nil)
			continue
		}
		run(m.From, cmd)
	}
}

func isCommand(m *hatchery.Message) bool {
	return m.Kind == hatchery.KindUser && len(m.Data) > 0 && m.Data[0] == protocol.Magic
}

// op is a command's operation byte, 0 when it is too short to have one.
func op(data []byte) byte {
	if len(data) < 2 {
		return 0
	}
	return data[1]
}

// code is the ABI code of an SDK error: the code of an Error, and bad_arg for anything
// else (a JSON error).
func code(err error) int64 {
	var e hatchery.Error
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return int64(e)
	default:
		return int64(hatchery.ErrBadArg)
	}
}

// text is bytes as a string, or U+FFFD when they are not UTF-8.
func text(b []byte) string {
	if !utf8.Valid(b) {
		return "\uFFFD"
	}
	return string(b)
}

// timeout is the protocol's milliseconds: negative waits forever.
func timeout(ms int64) time.Duration {
	switch {
	case ms < 0:
		return hatchery.Infinity
	case ms > math.MaxInt64/int64(time.Millisecond):
		return math.MaxInt64
	default:
		return time.Duration(ms) * time.Millisecond
	}
}

// reason is an exit reason from the protocol's kind and detail.
func reason(kind int64, detail []byte) hatchery.ExitReason {
	return hatchery.DecodeReason(append([]byte{byte(kind)}, detail...))
}

func run(from hatchery.Pid, cmd protocol.Command) {
	a, b, s1, s2 := cmd.A, cmd.B, cmd.S1, cmd.S2
	reply := func(r, x, y int64, data []byte) { protocol.Reply(from, cmd.Op, r, x, y, data) }
	done := func(r int64) { reply(r, 0, 0, nil) }
	switch cmd.Op {
	case 1:
		done(int64(hatchery.Self()))
	case 2:
		done(int64(hatchery.Parent()))
	case 3:
		reply(0, 0, 0, hatchery.Args())
	case 4:
		opts := hatchery.SpawnOptions{Link: a&1 != 0, Monitor: a&2 != 0}
		pid, ref, err := hatchery.SpawnWith(text(s1), s2, opts)
		if err != nil {
			done(code(err))
			return
		}
		reply(int64(pid), int64(ref), 0, nil)
	case 5:
		done(code(hatchery.Send(hatchery.Pid(a), s1)))
	case 6:
		done(code(hatchery.SendNamed(text(s1), s2)))
	case 7:
		recv(reply, int(int32(a)), b)
	case 8:
		done(code(hatchery.Take(int(int32(a)))))
	case 9:
		done(int64(hatchery.MailboxLen()))
	case 10:
		done(code(hatchery.Link(hatchery.Pid(a))))
	case 11:
		hatchery.Unlink(hatchery.Pid(a))
		done(0)
	case 12:
		if hatchery.TrapExit(a != 0) {
			done(1)
		} else {
			done(0)
		}
	case 13:
		hatchery.Exit(reason(a, s1))
	case 14:
		done(code(hatchery.ExitSignal(hatchery.Pid(a), reason(b, s1))))
	case 15:
		done(int64(hatchery.Monitor(hatchery.Pid(a))))
	case 16:
		done(code(hatchery.Demonitor(hatchery.MonitorRef(a), b&1 != 0)))
	case 17:
		done(code(hatchery.Register(text(s1), hatchery.Pid(a))))
	case 18:
		done(code(hatchery.Unregister(text(s1))))
	case 19:
		pid, _ := hatchery.Whereis(text(s1))
		done(int64(pid))
	case 20:
		ref, err := hatchery.SendAfter(hatchery.Pid(a), timeout(max(b, 0)), s1)
		if err != nil {
			done(code(err))
			return
		}
		done(int64(ref))
	case 21:
		left, ok := hatchery.CancelTimer(hatchery.TimerRef(a))
		if !ok {
			done(int64(hatchery.ErrNotFound))
			return
		}
		done(left.Milliseconds())
	case 22:
		done(hatchery.MakeRef())
	case 23:
		done(hatchery.NowMs())
	case 24:
		receive(reply, a, b, s1)
	case 25:
		call(reply, hatchery.Pid(a), b, s1)
	case 26:
		msg := json.RawMessage(s1)
		if !json.Valid(s1) {
			msg = json.RawMessage("null")
		}
		done(code(hatchery.Cast(hatchery.Pid(a), msg)))
	case 27:
		rawSend(int64(hatchery.Self()), 0x7fff0000, 64)
		done(0)
	case 28:
		panic("conf_go: crash requested")
	case 29:
		fmt.Println(text(s1))
		done(0)
	case 30:
		// s1 is the name then the node; a is the name's length.
		if a < 0 || a > int64(len(s1)) {
			done(int64(hatchery.ErrBadArg))
		} else {
			done(code(hatchery.SendNamedAt(text(s1[:a]), text(s1[a:]), s2)))
		}
	case 31:
		name := hatchery.Node()
		reply(int64(len(name)), 0, 0, []byte(name))
	case 32:
		var list []byte
		for _, name := range hatchery.Nodes() {
			list = append(append(list, name...), '\n')
		}
		reply(int64(len(list)), 0, 0, list)
	case 33:
		name := hatchery.PidNode(hatchery.Pid(a))
		reply(int64(len(name)), 0, 0, []byte(name))
	case 34:
		if a != 0 && a != 1 {
			done(int64(hatchery.ErrBadArg))
		} else {
			done(code(hatchery.MonitorNode(text(s1), a == 1)))
		}
	case 35:
		if a != 0 && a != 1 {
			done(int64(hatchery.ErrBadArg))
		} else {
			hatchery.MonitorNodes(a == 1)
			done(0)
		}
	case 36:
		// s1 is the node then the module; a is the node's length.
		if a < 0 || a > int64(len(s1)) {
			done(int64(hatchery.ErrBadArg))
			return
		}
		opts := hatchery.SpawnOptions{Link: b&1 != 0, Monitor: b&2 != 0}
		pid, ref, err := hatchery.SpawnAt(text(s1[:a]), text(s1[a:]), s2, opts)
		if err != nil {
			done(code(err))
			return
		}
		reply(int64(pid), int64(ref), 0, nil)
	case 37:
		printed := hatchery.Pid(a).String()
		reply(int64(len(printed)), 0, 0, []byte(printed))
	default:
		done(int64(hatchery.ErrBadArg))
	}
}

type replyFunc func(r, x, y int64, data []byte)

// recv is one raw recv: the message stays queued.
func recv(reply replyFunc, index int, ms int64) {
	buf := make([]byte, 256)
	n, info, err := hatchery.Recv(index, timeout(ms), buf)
	if err == nil && n > len(buf) {
		buf = make([]byte, n)
		n, info, err = hatchery.Recv(index, 0, buf)
	}
	if err != nil {
		reply(code(err), 0, 0, nil)
		return
	}
	reply(int64(n), int64(info.Kind), int64(info.Sender), buf[:n])
}

// receive is the SDK's selective receive with the protocol's filter: the oldest message
// of kind (-1: any) that is not a command and, for a user message, starts with prefix.
func receive(reply replyFunc, kind, ms int64, prefix []byte) {
	m, ok := hatchery.Receive(timeout(ms), func(m *hatchery.Message) bool {
		if m.Kind == hatchery.KindUser && (isCommand(m) || !bytes.HasPrefix(m.Data, prefix)) {
			return false
		}
		return kind < 0 || int64(m.Kind) == kind
	})
	if !ok {
		reply(int64(hatchery.ErrTimeout), 0, 0, nil)
		return
	}
	data := m.Data
	switch m.Kind {
	case hatchery.KindExit:
		data = m.Reason.Encode()
	case hatchery.KindDown:
		data = binary.LittleEndian.AppendUint64(nil, uint64(m.Monitor))
		data = append(data, m.Reason.Encode()...)
	}
	reply(0, int64(m.Kind), int64(m.From), data)
}

// call is the SDK's gen_server call, its request given as JSON.
func call(reply replyFunc, server hatchery.Pid, ms int64, request []byte) {
	if !json.Valid(request) {
		reply(int64(hatchery.ErrBadArg), 0, 0, nil)
		return
	}
	value, err := hatchery.Call(server, json.RawMessage(request), timeout(ms))
	var exit *hatchery.ExitError
	switch {
	case err == nil:
		reply(0, 0, 0, value)
	case errors.Is(err, hatchery.ErrTimeout):
		reply(int64(hatchery.ErrTimeout), 0, 0, nil)
	case errors.As(err, &exit):
		reply(int64(hatchery.ErrNoProc), 0, 0, exit.Reason.Encode())
	default:
		reply(int64(hatchery.ErrBadArg), 0, 0, nil)
	}
}
