// Package hatchery is the Go SDK for Hatchery guests: Erlang-style processes, each in
// its own WebAssembly instance, built with GOOS=wasip1 GOARCH=wasm.
//
// It is a thin layer over the hatchery_v1 imports of guest-sdk/ABI.md, the whole
// contract between host and guest, using only the standard library. Errors are Go
// errors: the ABI's codes are values of type Error (ErrNoProc, ErrTimeout, ...).
// Messages are bytes; the *JSON functions and the server layer speak JSON with
// encoding/json.
//
// A main-style guest is an ordinary command: main is the process, returning from it
// ends the process with reason normal, and fmt.Println goes to the process's captured
// standard output.
//
//	func main() {
//		// An echo server: send every user message back until told to stop.
//		for {
//			m, _ := hatchery.ReceiveAny(hatchery.Infinity)
//			if m.Kind != hatchery.KindUser {
//				continue
//			}
//			if string(m.Data) == "stop" {
//				return
//			}
//			_ = hatchery.Send(m.From, m.Data)
//		}
//	}
//
// A behaviour-style guest (a gen_server) is built with -buildmode=c-shared and exports
// hatchery_main and hatchery_handle from its main package; see Server.
//
// A Hatchery process is one thread: a blocking receive blocks the whole Go runtime while
// the node runs other processes. Other goroutines run only when the running one blocks
// in Go code (a channel, time.Sleep), never during a host call or between a server's
// callbacks, so a process's work belongs on its one goroutine.
//
// A panic ends the process with reason trap, as a crash should: the host sees a Wasm
// trap, not an exit status. (Go's runtime would otherwise exit with status 2; this
// package turns on GOTRACEBACK=crash in command builds so that it aborts instead.)
package hatchery

import "runtime/debug"

func init() {
	// A c-shared build already aborts on a fatal panic (the runtime does so for
	// libraries) and prints only the panicking goroutine; a command would exit with
	// status 2, which Hatchery reports as custom, not trap. "crash" makes it abort too,
	// at the cost of a longer report (every goroutine, runtime frames included).
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-buildmode" && s.Value == "c-shared" {
				return
			}
		}
	}
	debug.SetTraceback("crash")
}
