package hatchery

import (
	"encoding/json"
	"time"
)

// SendAfter sends the bytes msg to pid after delay (Erlang's erlang:send_after/3), as a
// user message whose sender is the caller. The timer is cancelled if pid ends first.
// The delay is rounded up to whole milliseconds. Errors: ErrTooBig, ErrBadArg for a
// negative delay or one above 2^32-1 ms.
func SendAfter(pid Pid, delay time.Duration, msg []byte) (TimerRef, error) {
	ref, err := check(hostSendAfter(int64(pid), ceilMs(delay), bytesPtr(msg), n32(len(msg))))
	return TimerRef(ref), err
}

// SendAfterJSON is SendAfter with v encoded as JSON.
func SendAfterJSON(pid Pid, delay time.Duration, v any) (TimerRef, error) {
	msg, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	return SendAfter(pid, delay, msg)
}

// CancelTimer cancels a timer and returns the time that was left; ok is false when the
// timer already fired or was cancelled.
func CancelTimer(ref TimerRef) (left time.Duration, ok bool) {
	ms := hostCancelTimer(int64(ref))
	if ms < 0 {
		return 0, false
	}
	return time.Duration(ms) * time.Millisecond, true
}
