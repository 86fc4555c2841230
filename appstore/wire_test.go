package appstore

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzMember checks member against encoding/json itself: for any JSON
// object, it finds the bytes encoding/json decodes into a field named data.
func FuzzMember(f *testing.F) {
	for _, seed := range []string{
		`{"data":{"a":"}"},"x":1}`,
		`{"Data":1,"data":2}`,
		`{"DATA":[1,{"b":"\"]"}], "da\u0074a" : "s\\"}`,
		` { "x" : "data" , "data" : null } `,
		`{"signedPayload":"a.b.c"}`,
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want struct {
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(b, &want) != nil || bytes.TrimSpace(b)[0] != '{' {
			return
		}
		if got := member(b, "data"); !bytes.Equal(got, want.Data) {
			t.Fatalf("member(%q) = %q; encoding/json decodes %q", b, got, want.Data)
		}
	})
}
