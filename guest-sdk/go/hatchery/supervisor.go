package hatchery

import "encoding/json"

// ChildSpec describes a supervisor's child (ABI.md §5, Supervisors). Only ID and Module
// are required; Args are the child's argument bytes, as JSON.
type ChildSpec struct {
	ID       string          `json:"id"`
	Module   string          `json:"module"`
	Args     json.RawMessage `json:"args,omitempty"`
	Restart  string          `json:"restart,omitempty"`  // "permanent", "transient" or "temporary"
	Shutdown any             `json:"shutdown,omitempty"` // milliseconds, "brutal_kill" or "infinity"
}

// StartChild adds a child to a running supervisor (last in start order) and starts it.
// ok is false when the child ended at once and is not restarted. Errors: ErrNoProc (not
// a live supervisor), ErrNameTaken (the id exists), ErrBadArg (a bad spec), ErrLimit (it
// could not be started).
func StartChild(sup Pid, spec ChildSpec) (pid Pid, ok bool, err error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return 0, false, err
	}
	raw, err := check(hostSupStartChild(int64(sup), bytesPtr(b), n32(len(b))))
	return Pid(raw), err == nil && raw > 0, err
}

// TerminateChild stops a supervisor's child by its shutdown protocol and removes it,
// waiting until it has ended. Errors: ErrNoProc (not a live supervisor), ErrNotFound (no
// such child).
func TerminateChild(sup Pid, id string) error {
	return check0(hostSupTerminateChild(int64(sup), stringPtr(id), n32(len(id))))
}

// ChildInfo is one child in WhichChildren's answer; Pid is 0 for a child not running.
type ChildInfo struct {
	ID         string `json:"id"`
	Pid        Pid    `json:"pid"`
	Supervisor bool   `json:"supervisor"`
}

// WhichChildren lists a supervisor's children in start order. Errors: ErrNoProc when
// sup is not a live supervisor.
func WhichChildren(sup Pid) ([]ChildInfo, error) {
	buf := make([]byte, 4096)
	for {
		n, err := check(int64(hostSupWhichChildren(int64(sup), bytesPtr(buf), n32(len(buf)))))
		if err != nil {
			return nil, err
		}
		if int(n) <= len(buf) {
			var children []ChildInfo
			err := json.Unmarshal(buf[:n], &children)
			return children, err
		}
		buf = make([]byte, n)
	}
}
