package main

import (
	"testing"
)

func TestDemo(t *testing.T) {
	h := newHarness(t)
	r := h.run("demo") // how long it takes is for farm-bench, not a test on a shared machine
	r.expect(t, exitOK)
	r.stdoutSays(t, "stdout",
		"requests sent:               300",
		"accepted by the server:      300",
		"answered 200 OK:             300",
		"tokens signed:               1\n",
		"distinct tokens it received: 1\n",
		`"alg": "ES256"`, `"aud": "appstoreconnect-v1"`, "expires in:",
		"21-minute lifetime", "HTTP 401 Unauthorized", `"code": "NOT_AUTHORIZED"`, "exp - iat is 21m0s",
		"Done in",
	)
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestDemoBadInput(t *testing.T) {
	h := newHarness(t)
	h.run("demo", "--requests", "0").expect(t, exitUsage, "--requests 0")
	h.run("demo", "now").expect(t, exitUsage, `unexpected argument "now"`)
}
