package hatchery

import (
	"bytes"
	"encoding/json"
	"strings"
	"unsafe"
)

// Self is the calling process's pid (Erlang's self()).
func Self() Pid { return Pid(hostSelf()) }

// Parent is the pid of the process that spawned this one (its supervisor, for a
// supervised child), or 0 when there is none.
func Parent() Pid { return Pid(hostParent()) }

// Args is the argument bytes this process was spawned with. (Hatchery does not pass them
// through os.Args.)
func Args() []byte {
	size := hostArgsSize()
	if size <= 0 {
		return nil
	}
	buf := make([]byte, size)
	n := hostArgsRead(bytesPtr(buf), n32(len(buf)))
	return buf[:max(0, min(int(n), len(buf)))]
}

// ArgsJSON decodes the spawn arguments, as JSON, into v. Empty (or all white space)
// arguments leave v as it is, so a process started without arguments keeps the defaults
// it put in v.
func ArgsJSON(v any) error {
	args := Args()
	if len(bytes.TrimSpace(args)) == 0 {
		return nil
	}
	return json.Unmarshal(args, v)
}

// MakeRef is a reference unique within the node (Erlang's make_ref()).
func MakeRef() int64 { return hostMakeRef() }

// NowMs is the time in milliseconds on the node's monotonic clock.
func NowMs() int64 { return hostNowMs() }

// Node is this node's name in its cluster ("nonode" for a node alone), as Erlang's
// node().
func Node() string {
	buf := make([]byte, 64)
	n := hostNodeName(bytesPtr(buf), n32(len(buf)))
	if int(n) > len(buf) {
		buf = make([]byte, n)
		hostNodeName(bytesPtr(buf), n32(len(buf)))
	}
	return string(buf[:max(0, min(int(n), len(buf)))])
}

// Nodes are the names of the other nodes connected now (Erlang's nodes()), in the order
// they connected; none for a node alone.
func Nodes() []string {
	buf := make([]byte, 256)
	n := hostNodes(bytesPtr(buf), n32(len(buf)))
	// The list can grow between two calls (a node connects): ask until it fits.
	for int(n) > len(buf) {
		buf = make([]byte, n)
		n = hostNodes(bytesPtr(buf), n32(len(buf)))
	}
	var names []string
	for _, name := range strings.Split(string(buf[:max(0, n)]), "\n") {
		if name != "" {
			names = append(names, name)
		}
	}
	return names
}

// PidNode is the name of the node pid belongs to (Erlang's node(Pid)): Node() for this
// node's pids.
func PidNode(pid Pid) string {
	buf := make([]byte, 256) // node names are at most 255 bytes
	n := hostPidNode(int64(pid), bytesPtr(buf), n32(len(buf)))
	if int(n) > len(buf) {
		buf = make([]byte, n)
		hostPidNode(int64(pid), bytesPtr(buf), n32(len(buf)))
	}
	return string(buf[:max(0, min(int(n), len(buf)))])
}

// MonitorNode is Erlang's monitor_node(Node, Flag). On: one NODEDOWN message when the
// node disconnects, at once when it is not connected now (this node's own name never
// fires); each call adds one. Off: removes this process's monitors of it.
//
// Errors: ErrBadName (empty or longer than 255 bytes).
func MonitorNode(node string, on bool) error {
	var flag int32
	if on {
		flag = 1
	}
	return check0(hostMonitorNode(stringPtr(node), n32(len(node)), flag))
}

// MonitorNodes is Erlang's net_kernel:monitor_nodes(Flag): whether this process receives
// NODEUP and NODEDOWN messages for every node that connects or disconnects.
func MonitorNodes(on bool) {
	var flag int32
	if on {
		flag = 1
	}
	hostMonitorNodes(flag)
}

// SpawnOptions says how SpawnWith ties the child to the caller. Both happen before the
// child runs any code.
type SpawnOptions struct {
	Link    bool // link the caller and the child (spawn_link)
	Monitor bool // the caller monitors the child (spawn_monitor)
}

// flags is the ABI's spawn flags for opts.
func (opts SpawnOptions) flags() int32 {
	var flags int32
	if opts.Link {
		flags |= spawnLink
	}
	if opts.Monitor {
		flags |= spawnMonitor
	}
	return flags
}

// SpawnWith starts a process running the current version of module, with the argument
// bytes args. With opts.Monitor it also returns the monitor reference (else 0).
//
// A child that cannot start (an unknown module, one without an entry) still gets a pid
// and ends at once with reason undef, so a linked or monitoring caller hears of it.
//
// Errors: ErrLimit at the node's process cap, ErrBadName for a bad module name.
func SpawnWith(module string, args []byte, opts SpawnOptions) (Pid, MonitorRef, error) {
	flags := opts.flags()
	var ref int64
	pid, err := check(hostSpawn(stringPtr(module), n32(len(module)), bytesPtr(args), n32(len(args)), flags, unsafe.Pointer(&ref)))
	if err != nil {
		return 0, 0, err
	}
	return Pid(pid), MonitorRef(ref), nil
}

// SpawnAt is SpawnWith on the node of the cluster called node (Erlang's spawn(Node, ...),
// spawn_link and spawn_monitor with a node); this node's own name spawns here. It waits
// for the other node's answer.
//
// Errors: ErrNoProc when no node of that name is connected (or the connection broke
// before the answer), ErrLimit, ErrBadName (either name), ErrBadArg.
func SpawnAt(node, module string, args []byte, opts SpawnOptions) (Pid, MonitorRef, error) {
	flags := opts.flags()
	var ref int64
	pid, err := check(hostSpawnAt(stringPtr(node), n32(len(node)), stringPtr(module), n32(len(module)), bytesPtr(args), n32(len(args)), flags, unsafe.Pointer(&ref)))
	if err != nil {
		return 0, 0, err
	}
	return Pid(pid), MonitorRef(ref), nil
}

// Spawn starts a process running module with the argument bytes args (Erlang's spawn).
// Errors as SpawnWith.
func Spawn(module string, args []byte) (Pid, error) {
	pid, _, err := SpawnWith(module, args, SpawnOptions{})
	return pid, err
}

// SpawnLink is Spawn, and links the caller and the child atomically (spawn_link).
func SpawnLink(module string, args []byte) (Pid, error) {
	pid, _, err := SpawnWith(module, args, SpawnOptions{Link: true})
	return pid, err
}

// SpawnMonitor is Spawn, and monitors the child atomically (spawn_monitor).
func SpawnMonitor(module string, args []byte) (Pid, MonitorRef, error) {
	return SpawnWith(module, args, SpawnOptions{Monitor: true})
}

// Link links the caller and pid: when either ends, the other receives its exit signal.
//
// When pid is not alive, a caller that traps exits gets ErrNoProc (and an EXIT message
// with reason noproc); a caller that does not trap exits ends with reason noproc instead
// of returning.
func Link(pid Pid) error { return check0(hostLink(int64(pid))) }

// Unlink removes a link between the caller and pid; nothing happens if there was none.
func Unlink(pid Pid) { hostUnlink(int64(pid)) }

// TrapExit sets whether exit signals reach this process as EXIT messages instead of
// ending it (process_flag(trap_exit, Flag)), and returns the previous setting.
func TrapExit(on bool) bool {
	var flag int32
	if on {
		flag = 1
	}
	return hostTrapExit(flag) != 0
}

// Exit ends the calling process with reason; it does not return. The ABI lets a process
// end itself only with normal, shutdown or custom; any other reason is sent as custom
// with its text (Killed becomes "custom: killed").
func Exit(reason ExitReason) {
	r := reason.forSelfExit()
	hostExit(int32(r.Kind), stringPtr(r.Detail), n32(len(r.Detail)))
	panic("hatchery: exit returned") // the host never returns from exit
}

// ExitSignal sends an exit signal with reason to pid, as if the caller had ended with
// it; the caller goes on. Killed sends the untrappable kill. Errors: ErrNoProc when pid
// is not alive, ErrBadArg for an unknown reason kind.
func ExitSignal(pid Pid, reason ExitReason) error {
	detail := ""
	if reason.Kind >= ReasonTrap {
		detail = reason.Detail
	}
	return check0(hostExitSignal(int64(pid), int32(reason.Kind), stringPtr(detail), n32(len(detail))))
}

// Kill ends pid with the untrappable kill signal; its links see reason killed.
// Errors: ErrNoProc when pid is not alive.
func Kill(pid Pid) error { return ExitSignal(pid, Killed) }

// Monitor monitors pid: when it ends (at once, with reason noproc, if it is already dead)
// the caller receives one DOWN message carrying the returned reference.
func Monitor(pid Pid) MonitorRef { return MonitorRef(hostMonitor(int64(pid))) }

// Demonitor removes a monitor; with flush it also removes the monitor's DOWN message if
// it is queued. Errors: ErrNotFound when the DOWN was already sent or the reference is
// unknown (the flush happens in that case too).
func Demonitor(ref MonitorRef, flush bool) error {
	var flags int32
	if flush {
		flags = demonitorFlush
	}
	return check0(hostDemonitor(int64(ref), flags))
}
