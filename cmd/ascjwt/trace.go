package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// debugEnv turns on the request trace of --verbose for every run, as
// GH_DEBUG does for gh: for a CI job whose command lines are not at hand.
const debugEnv = "ASCJWT_DEBUG"

// verboseFlag defines --verbose on a subcommand that sends requests.
func verboseFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("verbose", false, "trace each request on stderr: method, URL, status, time, and the token's key ID and expiry, never the token (also $"+debugEnv+"=1)")
}

// tracing reports whether requests are traced: --verbose, or ASCJWT_DEBUG
// set to anything but a false value.
func (c *cmd) tracing(verbose bool) bool {
	if verbose {
		return true
	}
	v, _ := c.lookupEnv(debugEnv)
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// tracer prints one line on stderr for each request that goes out, once its
// response or error is back: what was sent, what came back, how long it
// took, and which token went with it. It sits under the Transport, so it
// sees each send as it goes on the wire (a 401's retry with a new token, a
// 429 sent again, each redirect) with the token the Transport put on it.
// Of the token it prints the key ID and the expiry, read from its header
// and claims as 'ascjwt decode' reads them; never the token itself.
type tracer struct {
	c    *cmd
	name string // the subcommand, for the prefix
	next http.RoundTripper
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	start := t.c.now()
	resp, err := next.RoundTrip(req)
	took := t.c.now().Sub(start)
	if took >= time.Millisecond {
		took = took.Round(time.Millisecond)
	} else {
		took = took.Round(time.Microsecond)
	}
	outcome := ""
	if err != nil {
		outcome = fmt.Sprintf("failed after %s: %v", took, err)
	} else {
		outcome = fmt.Sprintf("%s in %s", resp.Status, took)
	}
	t.c.note("ascjwt %s: %s %s: %s (%s)", t.name, req.Method, req.URL.Redacted(), outcome, t.describeToken(req.Header.Get("Authorization")))
	return resp, err
}

// describeToken says which token an Authorization header carries, without
// a byte of it: its key ID, its expiry and the time left.
func (t *tracer) describeToken(auth string) string {
	if auth == "" {
		return "no token"
	}
	scheme, value, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "an Authorization header that is not a bearer token, not shown"
	}
	parts, err := splitToken(strings.TrimSpace(value))
	if err != nil {
		return "a bearer token that is not a JWT, not shown"
	}
	var header struct {
		KeyID string `json:"kid"`
	}
	json.Unmarshal(parts.rawHeader, &header)
	kid := "none"
	if header.KeyID != "" {
		kid = oneLine(describeArg(header.KeyID))
	}
	exp, ok := readTime(parts.claims, "exp").time()
	if !ok {
		return "token kid " + kid + ", no readable exp"
	}
	return fmt.Sprintf("token kid %s, expires %s, in %s", kid, exp.Format(time.RFC3339), human(exp.Sub(t.c.now()).Truncate(time.Second)))
}
