// Package protocol is the wire format of the conformance protocol
// (modules/conformance/PROTOCOL.md): commands to conf_go, and its replies.
package protocol

import (
	"encoding/binary"

	"hatchery.local/sdk/hatchery"
)

const (
	// Magic is the first byte of a command.
	Magic = 0xC0
	// ReplyMagic is the first byte of a reply.
	ReplyMagic = 0xC1
	// header is the size of a command or reply before its strings.
	header = 40
)

// Command is a parsed command.
type Command struct {
	Op      byte
	A, B, C int64
	S1, S2  []byte
}

// Parse reads a command; ok is false when data is shorter than what it says it holds.
func Parse(data []byte) (cmd Command, ok bool) {
	if len(data) < header {
		return cmd, false
	}
	len1 := uint64(binary.LittleEndian.Uint32(data[32:]))
	len2 := uint64(binary.LittleEndian.Uint32(data[36:]))
	if uint64(len(data)) < header+len1+len2 {
		return cmd, false
	}
	end1 := header + int(len1)
	return Command{
		Op: data[1],
		A:  int64(binary.LittleEndian.Uint64(data[8:])),
		B:  int64(binary.LittleEndian.Uint64(data[16:])),
		C:  int64(binary.LittleEndian.Uint64(data[24:])),
		S1: data[header:end1],
		S2: data[end1 : end1+int(len2)],
	}, true
}

// Reply sends the reply to op, with result r, the integers x and y, and data.
func Reply(to hatchery.Pid, op byte, r, x, y int64, data []byte) {
	out := make([]byte, header, header+len(data))
	out[0], out[1] = ReplyMagic, op
	binary.LittleEndian.PutUint64(out[8:], uint64(r))
	binary.LittleEndian.PutUint64(out[16:], uint64(x))
	binary.LittleEndian.PutUint64(out[24:], uint64(y))
	binary.LittleEndian.PutUint32(out[32:], uint32(len(data)))
	_ = hatchery.Send(to, append(out, data...))
}
