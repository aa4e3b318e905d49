package hatchery

import "fmt"

// Error is an error code of the ABI (ABI.md §2). Its value is the code itself, so
// int64(e) is what the host returned (errors.As(err, &e) finds it in a wrapped error),
// and the named values compare with == and errors.Is:
//
//	if err := hatchery.Register("kv", hatchery.Self()); errors.Is(err, hatchery.ErrNameTaken) {
//		fmt.Println("another kv is running")
//	}
type Error int64

// The ABI's error codes.
const (
	ErrTimeout           Error = -1  // recv found no message at the index before its timeout
	ErrNoProc            Error = -2  // the pid names no live process
	ErrNotRegistered     Error = -3  // no process is registered under that name
	ErrNameTaken         Error = -4  // another process is already registered under that name
	ErrAlreadyRegistered Error = -5  // the process already has a registered name
	ErrLimit             Error = -6  // a node limit stops the call (the process cap for spawn)
	ErrTooBig            Error = -7  // the message is larger than the node's maximum size
	ErrNoMessage         Error = -8  // there is no message at that mailbox index
	ErrBadName           Error = -9  // a name is empty, longer than 255 bytes, or not UTF-8
	ErrNotFound          Error = -10 // the monitor or timer reference is unknown
	ErrBadArg            Error = -11 // another argument is out of its range
	ErrNoVersion         Error = -12 // the module has no previous version to roll back to
)

var errorText = map[Error]string{
	ErrTimeout:           "timed out",
	ErrNoProc:            "no such process",
	ErrNotRegistered:     "name is not registered",
	ErrNameTaken:         "name is already taken",
	ErrAlreadyRegistered: "process already has a registered name",
	ErrLimit:             "node limit reached",
	ErrTooBig:            "message too big",
	ErrNoMessage:         "no message at that mailbox index",
	ErrBadName:           "bad name",
	ErrNotFound:          "reference not found",
	ErrBadArg:            "bad argument",
	ErrNoVersion:         "no previous version",
}

// Error describes the code; a code this SDK does not know (from a newer host) says so.
func (e Error) Error() string {
	if text, ok := errorText[e]; ok {
		return "hatchery: " + text
	}
	return fmt.Sprintf("hatchery: unknown error code %d", int64(e))
}

// check turns an ABI result into the value, or an Error when it is negative.
func check(result int64) (int64, error) {
	if result < 0 {
		return 0, Error(result)
	}
	return result, nil
}

// check0 is check for calls whose only success value is 0.
func check0(result int32) error {
	_, err := check(int64(result))
	return err
}
