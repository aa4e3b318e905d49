// {{name}}: a Hatchery server (a gen_server) written in Go. It registers itself as
// "{{name}}", greets whoever a cast names, answers calls about what it did, and keeps
// its state when a new version of the module is loaded while it runs.
//
// Messages (JSON, the gen_server protocol of Hatchery's guest ABI):
//
//	{"$cast": {"greet": "Ada"}}            prints "{{name}}: Hello, Ada! (greeting #1)"
//	{"$call": {"ref": 1, "req": "count"}}  replies with the number of greetings
//	{"$call": {"ref": 1, "req": "last"}}   replies with the last name greeted, or null
package main

import (
	"encoding/json"
	"fmt"

	"{{name}}/hatchery"
)

// name is the module's name and the name the server registers under.
const name = "{{name}}"

// Hello is the server's state. Its exported fields are what survives a hot swap (see
// Save and CodeChange).
type Hello struct {
	hatchery.BaseServer        // default HandleInfo and Terminate
	Count               int    `json:"count"`
	Last                string `json:"last,omitempty"`
}

// HandleCall answers "count" and "last".
func (h *Hello) HandleCall(req json.RawMessage, _ hatchery.From) (any, hatchery.Next) {
	var what string
	_ = json.Unmarshal(req, &what)
	switch what {
	case "count":
		return h.Count, hatchery.Continue
	case "last":
		if h.Last == "" {
			return nil, hatchery.Continue
		}
		return h.Last, hatchery.Continue
	default:
		return map[string]string{"error": "unknown request: " + string(req)}, hatchery.Continue
	}
}

// HandleCast greets: {"greet": NAME}.
func (h *Hello) HandleCast(msg json.RawMessage) hatchery.Next {
	var greet struct {
		Greet *string `json:"greet"`
	}
	if json.Unmarshal(msg, &greet) != nil || greet.Greet == nil {
		fmt.Printf("%s: ignoring the cast %s\n", name, msg)
		return hatchery.Continue
	}
	h.Count++
	h.Last = *greet.Greet
	fmt.Printf("%s: Hello, %s! (greeting #%d)\n", name, h.Last, h.Count)
	return hatchery.Continue
}

// Save hands the state to the next version of the module.
func (h *Hello) Save() []byte {
	state, _ := json.Marshal(h) // an int and a string always encode
	return state
}

// CodeChange takes the state an older version saved (or this one, when the process
// wakes from hibernation).
func (h *Hello) CodeChange(oldVersion int, state []byte) error {
	if err := json.Unmarshal(state, h); err != nil {
		return fmt.Errorf("cannot read the state of v%d: %w", oldVersion, err)
	}
	return nil
}

// The exports the host calls. A server is built with -buildmode=c-shared: the host
// calls _initialize (Go's runtime and package inits), then hatchery_main once, then
// hatchery_handle once per message; main never runs.

//go:wasmexport hatchery_main
func start() {
	if err := hatchery.Register(name, hatchery.Self()); err != nil {
		fmt.Printf("%s: cannot register as %s: %v\n", name, name, err)
		hatchery.Exit(hatchery.Custom("name_taken"))
	}
	fmt.Printf("%s: hello from Go! I am %v, registered as %s\n", name, hatchery.Self(), name)
	hatchery.Serve(&Hello{})
}

//go:wasmexport hatchery_handle
func handle(kind int32, sender int64, size int32) { hatchery.Handle(kind, sender, size) }

//go:wasmexport hatchery_state_save
func stateSave() int64 { return hatchery.StateSave() }

//go:wasmexport hatchery_code_change
func codeChange(oldVersion, size int32) int64 {
	return hatchery.CodeChange(oldVersion, size, &Hello{})
}

func main() {}
