// Package counter is the conformance protocol's counter server, which both versions of
// conf_go_server build from.
package counter

import (
	"encoding/json"
	"fmt"

	"hatchery.local/sdk/hatchery"
)

// Counter counts casts and infos. Version is what this build calls itself.
type Counter struct {
	hatchery.BaseServer
	Version int
	count   int64
	infos   int64
}

// HandleCall answers "get", "infos" and "version". A request that is not a string
// crashes the server, with the message named in the crash report, as an unmatched
// handle_call clause does in Erlang.
func (c *Counter) HandleCall(req json.RawMessage, _ hatchery.From) (any, hatchery.Next) {
	var what string
	if err := json.Unmarshal(req, &what); err != nil {
		panic(fmt.Sprintf("handle_call: no clause matches %s (%v)", req, err))
	}
	switch what {
	case "get":
		return c.count, hatchery.Continue
	case "infos":
		return c.infos, hatchery.Continue
	case "version":
		return c.Version, hatchery.Continue
	default:
		return map[string]string{"unknown": what}, hatchery.Continue
	}
}

// HandleCast adds a number to the count; anything else crashes the server.
func (c *Counter) HandleCast(msg json.RawMessage) hatchery.Next {
	var n int64
	if err := json.Unmarshal(msg, &n); err != nil {
		panic(fmt.Sprintf("handle_cast: no clause matches %s (%v)", msg, err))
	}
	c.count += n
	return hatchery.Continue
}

// HandleInfo counts every other message.
func (c *Counter) HandleInfo(hatchery.Message) hatchery.Next {
	c.infos++
	return hatchery.Continue
}

// Save is [count, infos] in v1 and {"count": .., "infos": ..} in v2, so that v2 must
// read v1's form to keep the state.
func (c *Counter) Save() []byte {
	var state any = []int64{c.count, c.infos}
	if c.Version != 1 {
		state = map[string]int64{"count": c.count, "infos": c.infos}
	}
	b, _ := json.Marshal(state) // integers always encode
	return b
}

// CodeChange takes either form of the state.
func (c *Counter) CodeChange(oldVersion int, state []byte) error {
	var countJSON, infosJSON json.RawMessage
	var pair []json.RawMessage
	var fields map[string]json.RawMessage
	if json.Unmarshal(state, &pair) == nil && len(pair) == 2 {
		countJSON, infosJSON = pair[0], pair[1]
	} else if json.Unmarshal(state, &fields) == nil {
		countJSON, infosJSON = fields["count"], fields["infos"]
	}
	count, okCount := integer(countJSON)
	infos, okInfos := integer(infosJSON)
	if !okCount || !okInfos {
		return fmt.Errorf("not a counter state from v%d: %s", oldVersion, state)
	}
	c.count, c.infos = count, infos
	return nil
}

// integer reads a JSON integer; null, a missing value or anything else is not one.
func integer(raw json.RawMessage) (int64, bool) {
	var n *int64
	if json.Unmarshal(raw, &n) != nil || n == nil {
		return 0, false
	}
	return *n, true
}
