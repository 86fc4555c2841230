package jwsread

import (
	"errors"
	"testing"
)

// TestReadObjectRefusesWhatAStrictVerifierRefuses: bytes that are not
// UTF-8 (RFC 8259 section 8.1; encoding/json would turn them into U+FFFD
// and go on) and junk after the object are refused, each with its kind.
func TestReadObjectRefusesWhatAStrictVerifierRefuses(t *testing.T) {
	for _, tc := range []struct {
		json string
		want Problem
	}{
		{`{"iss":"` + "\xff" + `"}`, NotUTF8},
		{`{"iss":"a"}x`, TrailingData},
		{`{"iss":"a"}{}`, TrailingData},
		{`{"iss":"a","iss":"b"}`, Duplicate},
		{`{"iss":"a","\u0069ss":"b"}`, Duplicate},
		{`[1]`, NotObject},
		{`{"iss":}`, Syntax},
		{`{"iss":"a"`, Truncated},
	} {
		_, err := ReadObject([]byte(tc.json))
		var oe *ObjectError
		if !errors.As(err, &oe) || oe.Problem != tc.want {
			t.Errorf("%q: %v, want problem %d", tc.json, err, tc.want)
		}
	}
	if obj, err := ReadObject([]byte(" {\"iss\":\"a\"} \n")); err != nil || len(obj) != 1 {
		t.Errorf("white space around the object: %v, %v", obj, err)
	}
}
