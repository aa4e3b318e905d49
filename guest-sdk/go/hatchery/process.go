package hatchery

import (
	"bytes"
	"encoding/json"
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

// SpawnOptions says how SpawnWith ties the child to the caller. Both happen before the
// child runs any code.
type SpawnOptions struct {
	Link    bool // link the caller and the child (spawn_link)
	Monitor bool // the caller monitors the child (spawn_monitor)
}

// SpawnWith starts a process running the current version of module, with the argument
// bytes args. With opts.Monitor it also returns the monitor reference (else 0).
//
// A child that cannot start (an unknown module, one without an entry) still gets a pid
// and ends at once with reason undef, so a linked or monitoring caller hears of it.
//
// Errors: ErrLimit at the node's process cap, ErrBadName for a bad module name.
func SpawnWith(module string, args []byte, opts SpawnOptions) (Pid, MonitorRef, error) {
	var flags int32
	if opts.Link {
		flags |= spawnLink
	}
	if opts.Monitor {
		flags |= spawnMonitor
	}
	var ref int64
	pid, err := check(hostSpawn(stringPtr(module), n32(len(module)), bytesPtr(args), n32(len(args)), flags, unsafe.Pointer(&ref)))
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
