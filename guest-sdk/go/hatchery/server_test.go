package hatchery

import (
	"encoding/json"
	"testing"
)

func TestParseCall(t *testing.T) {
	for raw, want := range map[string]struct {
		ref uint64
		req string
	}{
		`{"ref": 7, "req": "get"}`:    {7, `"get"`},
		`{"req": {"a": 1}, "ref": 3}`: {3, `{"a": 1}`},
		`{"ref": -1}`:                 {0, "null"},
		`{"ref": 1.5, "req": null}`:   {0, "null"},
		`"not an object"`:             {0, "null"},
	} {
		from, req := parseCall(5, json.RawMessage(raw))
		if from.Pid != 5 || from.Ref != want.ref || string(req) != want.req {
			t.Errorf("%s: got %+v %s", raw, from, req)
		}
	}
}

func TestReplyValue(t *testing.T) {
	for raw, want := range map[string]string{
		`{"$reply": {"ref": 9, "value": [1, 2]}}`: "[1, 2]",
		`{"$reply": {"value": 3, "ref": 9}}`:      "3",
		`{"$reply": {"ref": 9}}`:                  "null",
		`{"$reply": {"ref": 8, "value": 1}}`:      "",
		`{"$reply": null}`:                        "",
		`{"$Reply": {"ref": 9, "value": 1}}`:      "",
		`{"reply": 1}`:                            "",
		`plain bytes`:                             "",
	} {
		v, ok := replyValue([]byte(raw), 9)
		if ok != (want != "") || string(v) != want {
			t.Errorf("%s: got %s, %v", raw, v, ok)
		}
	}
}

func TestEnvelopes(t *testing.T) {
	b, _ := json.Marshal(castMsg{5})
	if string(b) != `{"$cast":5}` {
		t.Error(string(b))
	}
}
