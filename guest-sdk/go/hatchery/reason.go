package hatchery

import (
	"fmt"
	"unicode/utf8"
)

// ReasonKind is the first byte of an encoded exit reason (ABI.md §3).
type ReasonKind uint8

// The kinds of exit reason.
const (
	ReasonNormal       ReasonKind = 0 // the entry returned, or exit(normal)
	ReasonKilled       ReasonKind = 1 // the untrappable kill signal
	ReasonNoProc       ReasonKind = 2 // a link or monitor named a dead process
	ReasonNoConnection ReasonKind = 3 // the node became unreachable (reserved)
	ReasonShutdown     ReasonKind = 4 // an orderly stop by a supervisor or the node
	ReasonTrap         ReasonKind = 5 // the guest trapped (a Go panic); detail: message and backtrace
	ReasonLimit        ReasonKind = 6 // a per-process cap; detail: "memory" or "mailbox"
	ReasonCustom       ReasonKind = 7 // the guest's own reason; detail: any bytes
	ReasonUndef        ReasonKind = 8 // the process could not start; detail: what was missing
)

var reasonNames = [...]string{"normal", "killed", "noproc", "noconnection", "shutdown", "trap", "limit", "custom", "undef"}

// ExitReason is why a process ended: a kind and, for kinds trap to undef, a detail. The
// detail is a string holding the bytes as they are (a custom reason may be any bytes), so
// reasons compare with ==.
//
//	hatchery.Custom("timeout").Encode()     // "\x07timeout"
//	hatchery.DecodeReason([]byte{0}) == hatchery.Normal // true
type ExitReason struct {
	Kind   ReasonKind
	Detail string
}

// The reasons without a detail.
var (
	Normal       = ExitReason{Kind: ReasonNormal}
	Killed       = ExitReason{Kind: ReasonKilled}
	NoProc       = ExitReason{Kind: ReasonNoProc}
	NoConnection = ExitReason{Kind: ReasonNoConnection}
	Shutdown     = ExitReason{Kind: ReasonShutdown}
)

// Custom is a custom reason with the given detail (Erlang's exit(Term) with a term of
// the guest's choosing).
func Custom(detail string) ExitReason { return ExitReason{Kind: ReasonCustom, Detail: detail} }

// IsNormal tells whether the reason is normal (which links ignore unless they trap exits).
func (r ExitReason) IsNormal() bool { return r.Kind == ReasonNormal }

// Encode is the wire form: the kind byte, then the detail (none for kinds 0–4).
func (r ExitReason) Encode() []byte {
	out := []byte{byte(r.Kind)}
	if r.Kind >= ReasonTrap {
		out = append(out, r.Detail...)
	}
	return out
}

// DecodeReason reads the wire form. The detail of kinds 0–4 is ignored. Bytes that are
// not a reason (empty, or an unknown kind from a newer host) become a custom reason
// holding all of them, so nothing is lost.
func DecodeReason(b []byte) ExitReason {
	if len(b) == 0 {
		return Custom("")
	}
	kind := ReasonKind(b[0])
	switch {
	case kind <= ReasonShutdown:
		return ExitReason{Kind: kind}
	case kind <= ReasonUndef:
		return ExitReason{Kind: kind, Detail: string(b[1:])}
	default:
		return Custom(string(b))
	}
}

// String is "normal", "killed", "noproc", "noconnection", "shutdown", "trap: <message>",
// "limit: <what>", "custom: <detail>" (the detail in hex, 0x..., when it is not UTF-8)
// or "undef: <what>".
func (r ExitReason) String() string {
	if int(r.Kind) >= len(reasonNames) {
		return fmt.Sprintf("kind %d: %q", r.Kind, r.Detail)
	}
	name := reasonNames[r.Kind]
	switch {
	case r.Kind <= ReasonShutdown:
		return name
	case r.Kind == ReasonCustom && !utf8.ValidString(r.Detail):
		return fmt.Sprintf("custom: 0x%x", r.Detail)
	default:
		return name + ": " + r.Detail
	}
}

// forSelfExit is the reason exit can pass: the ABI lets a process end itself only with
// normal, shutdown or custom, so any other reason becomes custom with its text.
func (r ExitReason) forSelfExit() ExitReason {
	switch r.Kind {
	case ReasonNormal, ReasonShutdown, ReasonCustom:
		return r
	default:
		return Custom(r.String())
	}
}
