package token

import (
	"testing"
	"time"
)

// TestAuthorizationFollowsValue: a token made by New carries its header
// value, and a token whose Value was changed, or that was made as a
// literal, gets "Bearer " + its own Value, never another token's.
func TestAuthorizationFollowsValue(t *testing.T) {
	now := time.Now()
	tok := New("a.b.c", now, now.Add(time.Hour))
	if got := Authorization(&tok); got != "Bearer a.b.c" {
		t.Errorf("Authorization = %q, want Bearer a.b.c", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Authorization(&tok) }); n != 0 {
		t.Errorf("Authorization of a token from New allocates %v times, want 0", n)
	}
	changed := tok
	changed.Value = "x.y.z"
	if got := Authorization(&changed); got != "Bearer x.y.z" {
		t.Errorf("after Value changed: Authorization = %q, want Bearer x.y.z", got)
	}
	same := tok
	same.Value = "a.b.d" // the same length
	if got := Authorization(&same); got != "Bearer a.b.d" {
		t.Errorf("after Value changed to one of the same length: Authorization = %q", got)
	}
	literal := Token{Value: "l.m.n"}
	if got := Authorization(&literal); got != "Bearer l.m.n" {
		t.Errorf("a literal's Authorization = %q", got)
	}
}
