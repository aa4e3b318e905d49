package hatchery

import (
	"bytes"
	"testing"
)

func TestReasonsRoundTrip(t *testing.T) {
	for _, r := range []ExitReason{
		Normal, Killed, NoProc, NoConnection, Shutdown,
		{Kind: ReasonTrap, Detail: "wasm trap: unreachable\n0: main"},
		{Kind: ReasonLimit, Detail: "memory"},
		Custom("\xff\x00\x01"), Custom(""),
		{Kind: ReasonUndef, Detail: "module nope is not loaded"},
	} {
		if got := DecodeReason(r.Encode()); got != r {
			t.Errorf("%v came back as %v", r, got)
		}
	}
}

func TestReasonWireForm(t *testing.T) {
	if !bytes.Equal(Custom("bye").Encode(), []byte("\x07bye")) {
		t.Error("custom encoding")
	}
	if !bytes.Equal(ExitReason{Kind: ReasonShutdown, Detail: "x"}.Encode(), []byte{4}) {
		t.Error("kinds 0-4 carry no detail")
	}
	if DecodeReason([]byte{0, 'x'}) != Normal {
		t.Error("a detail of kind 0 is ignored")
	}
	if DecodeReason(nil) != Custom("") {
		t.Error("empty bytes")
	}
	if DecodeReason([]byte{42, 'a'}) != Custom("\x2aa") {
		t.Error("an unknown kind keeps every byte")
	}
}

func TestReasonText(t *testing.T) {
	for r, want := range map[ExitReason]string{
		Normal:                                 "normal",
		NoProc:                                 "noproc",
		Custom("timeout"):                      "custom: timeout",
		Custom("\xff\x01"):                     "custom: 0xff01",
		{Kind: ReasonLimit, Detail: "mailbox"}: "limit: mailbox",
	} {
		if r.String() != want {
			t.Errorf("%q, want %q", r.String(), want)
		}
	}
	if Killed.forSelfExit() != Custom("killed") || Shutdown.forSelfExit() != Shutdown {
		t.Error("exit passes only normal, shutdown and custom")
	}
	if Pid(42).String() != "<0.42>" || ErrNameTaken.Error() != "hatchery: name is already taken" {
		t.Error("pid or error text")
	}
	if Error(-99).Error() != "hatchery: unknown error code -99" {
		t.Error("unknown code")
	}
}
