//go:build wasm

package hatchery

import "unsafe"

// hasHost: the host functions below are there (Pid.String asks them for node names).
const hasHost = true

// The hatchery_v1 imports, exactly as ABI.md §5 declares them. Pointers are offsets into
// linear memory, which is what an unsafe.Pointer is on wasm. Every call is synchronous
// and no other Go code runs during it, so a pointer into a slice, a string or the stack
// stays valid for the whole call.

//go:wasmimport hatchery_v1 self
func hostSelf() int64

//go:wasmimport hatchery_v1 parent
func hostParent() int64

//go:wasmimport hatchery_v1 args_size
func hostArgsSize() int32

//go:wasmimport hatchery_v1 args_read
func hostArgsRead(ptr unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 message_read
func hostMessageRead(ptr unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 make_ref
func hostMakeRef() int64

//go:wasmimport hatchery_v1 now_ms
func hostNowMs() int64

//go:wasmimport hatchery_v1 node_name
func hostNodeName(ptr unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 spawn
func hostSpawn(name unsafe.Pointer, nameLen int32, args unsafe.Pointer, argsLen int32, flags int32, refOut unsafe.Pointer) int64

//go:wasmimport hatchery_v1 spawn_at
func hostSpawnAt(node unsafe.Pointer, nodeLen int32, name unsafe.Pointer, nameLen int32, args unsafe.Pointer, argsLen int32, flags int32, refOut unsafe.Pointer) int64

//go:wasmimport hatchery_v1 nodes
func hostNodes(ptr unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 pid_node
func hostPidNode(pid int64, ptr unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 monitor_node
func hostMonitorNode(node unsafe.Pointer, n int32, flag int32) int32

//go:wasmimport hatchery_v1 monitor_nodes
func hostMonitorNodes(flag int32) int32

//go:wasmimport hatchery_v1 send
func hostSend(pid int64, ptr unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 send_named
func hostSendNamed(name unsafe.Pointer, nameLen int32, ptr unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 send_named_at
func hostSendNamedAt(name unsafe.Pointer, nameLen int32, node unsafe.Pointer, nodeLen int32, ptr unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 recv
func hostRecv(index int32, timeoutMs int64, buf unsafe.Pointer, bufLen int32, info unsafe.Pointer) int32

//go:wasmimport hatchery_v1 take
func hostTake(index int32) int32

//go:wasmimport hatchery_v1 mailbox_len
func hostMailboxLen() int32

//go:wasmimport hatchery_v1 link
func hostLink(pid int64) int32

//go:wasmimport hatchery_v1 unlink
func hostUnlink(pid int64) int32

//go:wasmimport hatchery_v1 trap_exit
func hostTrapExit(flag int32) int32

//go:wasmimport hatchery_v1 exit
func hostExit(kind int32, detail unsafe.Pointer, n int32)

//go:wasmimport hatchery_v1 exit_signal
func hostExitSignal(pid int64, kind int32, detail unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 monitor
func hostMonitor(pid int64) int64

//go:wasmimport hatchery_v1 demonitor
func hostDemonitor(ref int64, flags int32) int32

//go:wasmimport hatchery_v1 register
func hostRegister(name unsafe.Pointer, n int32, pid int64) int32

//go:wasmimport hatchery_v1 unregister
func hostUnregister(name unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 whereis
func hostWhereis(name unsafe.Pointer, n int32) int64

//go:wasmimport hatchery_v1 send_after
func hostSendAfter(pid int64, delayMs int64, ptr unsafe.Pointer, n int32) int64

//go:wasmimport hatchery_v1 cancel_timer
func hostCancelTimer(ref int64) int64

//go:wasmimport hatchery_v1 hibernate
func hostHibernate() int32

//go:wasmimport hatchery_v1 module_version
func hostModuleVersion(name unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 module_rollback
func hostModuleRollback(name unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 sup_start_child
func hostSupStartChild(sup int64, spec unsafe.Pointer, n int32) int64

//go:wasmimport hatchery_v1 sup_terminate_child
func hostSupTerminateChild(sup int64, id unsafe.Pointer, n int32) int32

//go:wasmimport hatchery_v1 sup_which_children
func hostSupWhichChildren(sup int64, buf unsafe.Pointer, n int32) int32
