//go:build !wasm

package hatchery

import "unsafe"

// Outside WebAssembly (go test, go vet, an editor on a developer machine) there is no
// host: the pure parts of the package work, and every call that needs the host panics.

const noHost = "hatchery: only runs inside a Hatchery process (GOOS=wasip1 GOARCH=wasm)"

// hasHost: there are no host functions (Pid.String prints every pid as this node's).
const hasHost = false

func hostSelf() int64                                                    { panic(noHost) }
func hostParent() int64                                                  { panic(noHost) }
func hostArgsSize() int32                                                { panic(noHost) }
func hostArgsRead(unsafe.Pointer, int32) int32                           { panic(noHost) }
func hostMessageRead(unsafe.Pointer, int32) int32                        { panic(noHost) }
func hostMakeRef() int64                                                 { panic(noHost) }
func hostNowMs() int64                                                   { panic(noHost) }
func hostNodeName(unsafe.Pointer, int32) int32                           { panic(noHost) }
func hostNodes(unsafe.Pointer, int32) int32                              { panic(noHost) }
func hostPidNode(int64, unsafe.Pointer, int32) int32                     { panic(noHost) }
func hostMonitorNode(unsafe.Pointer, int32, int32) int32                 { panic(noHost) }
func hostMonitorNodes(int32) int32                                       { panic(noHost) }
func hostSend(int64, unsafe.Pointer, int32) int32                        { panic(noHost) }
func hostRecv(int32, int64, unsafe.Pointer, int32, unsafe.Pointer) int32 { panic(noHost) }
func hostTake(int32) int32                                               { panic(noHost) }
func hostMailboxLen() int32                                              { panic(noHost) }
func hostLink(int64) int32                                               { panic(noHost) }
func hostUnlink(int64) int32                                             { panic(noHost) }
func hostTrapExit(int32) int32                                           { panic(noHost) }
func hostExit(int32, unsafe.Pointer, int32)                              { panic(noHost) }
func hostExitSignal(int64, int32, unsafe.Pointer, int32) int32           { panic(noHost) }
func hostMonitor(int64) int64                                            { panic(noHost) }
func hostDemonitor(int64, int32) int32                                   { panic(noHost) }
func hostRegister(unsafe.Pointer, int32, int64) int32                    { panic(noHost) }
func hostUnregister(unsafe.Pointer, int32) int32                         { panic(noHost) }
func hostWhereis(unsafe.Pointer, int32) int64                            { panic(noHost) }
func hostSendAfter(int64, int64, unsafe.Pointer, int32) int64            { panic(noHost) }
func hostCancelTimer(int64) int64                                        { panic(noHost) }
func hostHibernate() int32                                               { panic(noHost) }
func hostModuleVersion(unsafe.Pointer, int32) int32                      { panic(noHost) }
func hostModuleRollback(unsafe.Pointer, int32) int32                     { panic(noHost) }
func hostSupStartChild(int64, unsafe.Pointer, int32) int64               { panic(noHost) }
func hostSupTerminateChild(int64, unsafe.Pointer, int32) int32           { panic(noHost) }
func hostSupWhichChildren(int64, unsafe.Pointer, int32) int32            { panic(noHost) }

func hostSpawn(unsafe.Pointer, int32, unsafe.Pointer, int32, int32, unsafe.Pointer) int64 {
	panic(noHost)
}

func hostSpawnAt(unsafe.Pointer, int32, unsafe.Pointer, int32, unsafe.Pointer, int32, int32, unsafe.Pointer) int64 {
	panic(noHost)
}

func hostSendNamed(unsafe.Pointer, int32, unsafe.Pointer, int32) int32 { panic(noHost) }

func hostSendNamedAt(unsafe.Pointer, int32, unsafe.Pointer, int32, unsafe.Pointer, int32) int32 {
	panic(noHost)
}
