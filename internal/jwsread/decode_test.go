package jwsread

import (
	"encoding/base64"
	"testing"
)

func TestDecodeSegmentRefusesEveryOtherSpelling(t *testing.T) {
	payload := []byte{0xfb, 0xff, 0x01} // encodes to "-_8B" in base64url, "+/8B" in the standard alphabet
	canonical := base64.RawURLEncoding.EncodeToString(payload[:2])
	if canonical != "-_8" {
		t.Fatalf("canonical = %q", canonical)
	}
	if got, err := DecodeSegment(canonical); err != nil || string(got) != string(payload[:2]) {
		t.Fatalf("DecodeSegment(%q) = %x, %v", canonical, got, err)
	}
	if got, err := DecodeSegment(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %x, %v", got, err)
	}
	for name, s := range map[string]string{
		"spare bit set in the last character": "-_9", // decodes to the same two bytes without Strict
		"padding":                             "-_8=",
		"standard alphabet":                   "+/8",
		"line break":                          "-_\n8",
		"carriage return":                     "-_8\r",
		"space":                               "-_ 8",
		"impossible length":                   "-_8BA",
	} {
		if got, err := DecodeSegment(s); err == nil {
			t.Errorf("%s: %q decoded to %x", name, s, got)
		}
	}
	// The lax decoder accepts the first spelling: what made a revoked token
	// pass again.
	if got, err := base64.RawURLEncoding.DecodeString("-_9"); err != nil || string(got) != string(payload[:2]) {
		t.Fatalf("lax decoder: %x, %v (the premise of this test)", got, err)
	}
}
