package hatchery

import "strconv"

// Pid is a process identifier, unique within the node and never reused while it runs.
// The zero Pid names no process. A Pid encodes as a plain JSON number, so pids travel
// inside JSON messages and arguments; it prints like an Erlang pid, <0.42>.
type Pid int64

// String is the Erlang form: <0.N> for a pid of this node, <NODE.N> for a pid of another
// node of the cluster (ABI.md §1).
func (p Pid) String() string {
	at := "0"
	if hasHost {
		if node := PidNode(p); node != Node() {
			at = node
		}
	}
	return "<" + at + "." + strconv.FormatInt(int64(p), 10) + ">"
}

// MonitorRef is a monitor reference, from Monitor or SpawnMonitor, carried by the DOWN
// message of that monitor. It prints as #Ref<0.N>.
type MonitorRef int64

// String is the Erlang form, #Ref<0.N>.
func (r MonitorRef) String() string { return "#Ref<0." + strconv.FormatInt(int64(r), 10) + ">" }

// TimerRef is a timer reference, from SendAfter. It prints as #Timer<0.N>.
type TimerRef int64

// String is #Timer<0.N>.
func (r TimerRef) String() string { return "#Timer<0." + strconv.FormatInt(int64(r), 10) + ">" }
