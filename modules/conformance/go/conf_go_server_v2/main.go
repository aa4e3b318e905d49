// conf_go_server_v2: version 2 of the conformance protocol's counter server, a behaviour
// built with -buildmode=c-shared (the host calls _initialize, then hatchery_main once,
// then hatchery_handle once per message).
package main

import (
	"hatchery.local/conformance/counter"
	"hatchery.local/sdk/hatchery"
)

const version = 2

//go:wasmexport hatchery_main
func start() { hatchery.Serve(&counter.Counter{Version: version}) }

//go:wasmexport hatchery_handle
func handle(kind int32, sender int64, size int32) { hatchery.Handle(kind, sender, size) }

//go:wasmexport hatchery_state_save
func stateSave() int64 { return hatchery.StateSave() }

//go:wasmexport hatchery_code_change
func codeChange(oldVersion, size int32) int64 {
	return hatchery.CodeChange(oldVersion, size, &counter.Counter{Version: version})
}

func main() {} // a c-shared build never runs main
