package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
)

// bin runs the built binary in a temporary home and working directory,
// with an environment holding nothing of the caller's (no ASC_* variable
// of the machine running the tests can leak in).
type bin struct {
	t     *testing.T
	home  string
	dir   string
	env   []string
	stdin string
}

func newBin(t *testing.T) *bin {
	return &bin{t: t, home: t.TempDir(), dir: t.TempDir()}
}

func (b *bin) run(args ...string) result {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = b.dir
	cmd.Env = append([]string{"HOME=" + b.home, "PATH=" + os.Getenv("PATH")}, b.env...)
	cmd.Stdin = strings.NewReader(b.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		b.t.Fatalf("ascjwt %s: %v", strings.Join(args, " "), err)
	}
	r := result{code, stdout.String(), stderr.String()}
	for _, bad := range []string{"panic", "goroutine ", "fatal error", "internal error", "106751d"} {
		if strings.Contains(r.stdout+r.stderr, bad) {
			b.t.Fatalf("ascjwt %.60s: output holds %q:\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), bad, r.stdout, r.stderr)
		}
	}
	return r
}

// writeKey writes key as AuthKey_<id>.p8 in the working directory and
// returns the flags that name it.
func (b *bin) writeKey(id, issuer string, key *ecdsa.PrivateKey) []string {
	b.t.Helper()
	h := &harness{t: b.t, sys: &system{workDir: b.dir}}
	path := h.addKeyPEM("AuthKey_"+id+".p8", key)
	return []string{"--key-id", id, "--issuer-id", issuer, "--key", path}
}

// plainServer starts an asctest server on plain HTTP, which the binary's
// default client can reach, and returns it with the api flags for it.
func (b *bin) plainServer() (*asctest.Server, []string) {
	b.t.Helper()
	srv := asctest.NewUnstartedServer()
	srv.Start()
	b.t.Cleanup(srv.Close)
	k := srv.Key()
	return srv, append([]string{"--base-url", srv.URL}, b.writeKey(k.ID, k.IssuerID, k.PrivateKey)...)
}

// hostile starts an httptest server that accepts any token (it stands for
// a server that misbehaves, not for Apple's checks) and returns the api
// flags for it, with a key made for the test.
func (b *bin) hostile(h http.Handler) []string {
	b.t.Helper()
	srv := httptest.NewServer(h)
	b.t.Cleanup(srv.Close)
	return append([]string{"--base-url", srv.URL}, b.writeKey("HOSTILE123", "57246542-96fe-1a63-e053-0824d011072a", apitest.NewKey(b.t))...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func TestDecodeMillisecondsSaysSoAndExits1(t *testing.T) {
	b := newBin(t)
	key := apitest.NewKey(t)
	nowMs := float64(time.Now().UnixMilli())
	tok := jwsforge.SignJSON(key, map[string]any{"alg": "ES256", "kid": "ABC123DEFG", "typ": "JWT"},
		map[string]any{"iss": "x", "aud": "appstoreconnect-v1", "iat": nowMs, "exp": nowMs + 20*60*1000})
	r := b.run("decode", tok)
	r.expect(t, exitFail, "iat and exp look like milliseconds", "lifetime:   20m", "signature:  not verified")
	var d decoded
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || d.Header["kid"] != "ABC123DEFG" || d.Claims["iat"] != nowMs {
		t.Fatalf("the header and claims are not on stdout: %v\n%s", err, r.stdout)
	}

	// Far out of range: neither a crash nor a wrapped number of days.
	huge := jwsforge.SignJSON(key, map[string]any{"alg": "ES256"}, map[string]any{"iat": -9e18, "exp": 9e18})
	r = b.run("decode", huge)
	r.expect(t, exitFail, "milliseconds", "out of range")
}

func TestHumanOutOfRange(t *testing.T) {
	for _, d := range []time.Duration{-1 << 63, 1<<63 - 1, 1<<63 - 1 - 100} {
		if got := human(d); got != "out of range" {
			t.Errorf("human(%d) = %q, want out of range", int64(d), got)
		}
	}
	// Just inside the range, a real number of days.
	if got := human(-1<<63 + time.Second); got != "-106751d 23h" {
		t.Errorf("human(min+1s) = %q, want -106751d 23h", got)
	}
}

func TestDecodeShowsTokensMadeElsewhere(t *testing.T) {
	b := newBin(t)
	key := apitest.NewKey(t)
	now := float64(time.Now().Unix()) + 0.25
	tok := jwsforge.SignJSON(key, map[string]any{"alg": "ES256", "kid": "ABC123DEFG", "typ": "JWT", "x5u": "https://example.com"},
		map[string]any{"iss": "x", "aud": []string{"appstoreconnect-v1", "other"}, "iat": now, "exp": now + 600, "custom": map[string]any{"n": 1}})
	r := b.run("decode", tok)
	r.expect(t, exitOK, "iat has a fraction of a second", "exp has a fraction of a second", "lifetime:   10m", "signature:  not verified")
	var d decoded
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatal(err)
	}
	if aud, _ := d.Claims["aud"].([]any); len(aud) != 2 || d.Claims["custom"] == nil || d.Header["x5u"] == nil || d.Claims["iat"] != now {
		t.Fatalf("claims not kept as the token holds them:\n%s", r.stdout)
	}
}

func TestAPIEscapesServerText(t *testing.T) {
	b := newBin(t)
	evil := "bad \x1b]0;pwned\x07\x1b[31mred\u202e\u009b2J"
	flags := b.hostile(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/asc":
			writeJSON(w, 403, map[string]any{"errors": []map[string]string{{"status": "403", "code": "FORBIDDEN_ERROR" + evil, "title": "t" + evil, "detail": "d" + evil}}})
		case "/v1/server":
			writeJSON(w, 404, map[string]any{"errorCode": 4040010, "errorMessage": "Transaction id not found." + evil})
		case "/v1/text":
			w.WriteHeader(502)
			fmt.Fprint(w, "<html>"+evil+"</html>")
		case "/v1/next":
			writeJSON(w, 200, map[string]any{"data": []int{1}, "links": map[string]string{"next": "https://evil.example/\x1b[2J"}})
		}
	}))
	for _, tc := range []struct{ path, want string }{
		{"/v1/asc", "403 Forbidden to GET /v1/asc: FORBIDDEN_ERRORbad \\x1b]0;pwned\\a\\x1b[31mred\\u202e\\u009b2J: tbad"},
		{"/v1/server", "404 Not Found to GET /v1/server: 4040010 Transaction id not found.bad \\x1b]0;pwned"},
		{"/v1/text", "502 Bad Gateway"},
		{"/v1/next", "not on http://127.0.0.1"},
	} {
		args := append(append([]string{"api"}, flags...), tc.path)
		if tc.path == "/v1/next" {
			args = append(args, "--paginate")
		}
		r := b.run(args...)
		r.expect(t, exitFail, tc.want)
		if strings.ContainsAny(r.stderr, "\x1b\x07\u202e\u009b") {
			t.Errorf("%s: a control character reached stderr: %q", tc.path, r.stderr)
		}
		if n := strings.Count(r.stderr, "\n"); n != 1 {
			t.Errorf("%s: want a one-line summary, got %d lines: %q", tc.path, n, r.stderr)
		}
	}
}

// hostilePager serves pages forever; next makes each page's links.next.
func hostilePager(count *atomic.Int64, pageBytes int, next func(n int64, r *http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := count.Add(1)
		item := map[string]any{"type": "apps", "id": fmt.Sprint(n), "attributes": map[string]string{"pad": strings.Repeat("x", pageBytes)}}
		writeJSON(w, 200, map[string]any{"data": []any{item}, "links": map[string]string{"next": "http://" + r.Host + next(n, r)}})
	})
}

func TestPaginateStopsOnRepeatedCursor(t *testing.T) {
	b := newBin(t)
	var count atomic.Int64
	// The link changes every time (a fresh nonce), the cursor does not: a
	// server that loops while looking new to a letter-for-letter check.
	flags := b.hostile(hostilePager(&count, 0, func(n int64, r *http.Request) string {
		return fmt.Sprintf("/v1/apps?cursor=AAA&nonce=%d", n)
	}))
	r := b.run(append(append([]string{"api"}, flags...), "--paginate", "/v1/apps")...)
	r.expect(t, exitFail, "--paginate stopped, nothing printed", "page 2's links.next repeats the cursor page 2 was fetched with", "looping")
	if r.stdout != "" || count.Load() != 2 {
		t.Fatalf("%d requests, stdout %q; want 2 requests and nothing printed", count.Load(), r.stdout)
	}
}

func TestPaginateStopsOnEmptyPageWithNext(t *testing.T) {
	b := newBin(t)
	var count atomic.Int64
	flags := b.hostile(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := count.Add(1)
		data := []any{}
		if n == 1 {
			data = append(data, map[string]string{"type": "apps", "id": "1"})
		}
		writeJSON(w, 200, map[string]any{"data": data, "links": map[string]string{"next": fmt.Sprintf("http://%s/v1/apps?cursor=%d", r.Host, n)}})
	}))
	r := b.run(append(append([]string{"api"}, flags...), "--paginate", "/v1/apps")...)
	r.expect(t, exitFail, "page 2 has no data but its links.next points on")
	if r.stdout != "" || count.Load() != 2 {
		t.Fatalf("%d requests, stdout %q; want 2 requests and nothing printed", count.Load(), r.stdout)
	}
}

func TestPaginateStopsAtMaxPages(t *testing.T) {
	b := newBin(t)
	var count atomic.Int64
	flags := b.hostile(hostilePager(&count, 0, func(n int64, r *http.Request) string {
		return fmt.Sprintf("/v1/apps?cursor=%d", n)
	}))
	r := b.run(append(append([]string{"api"}, flags...), "--paginate", "--max-pages", "7", "/v1/apps")...)
	r.expect(t, exitFail, "--max-pages 7 reached and links.next still points on")
	if r.stdout != "" || count.Load() != 7 {
		t.Fatalf("%d requests, stdout %q; want 7 and nothing printed", count.Load(), r.stdout)
	}

	// The default bound: the server that drew 3,500 requests draws 1,000.
	count.Store(0)
	r = b.run(append(append([]string{"api"}, flags...), "--paginate", "/v1/apps")...)
	r.expect(t, exitFail, "--max-pages 1000 reached")
	if r.stdout != "" || count.Load() != defaultMaxPages {
		t.Fatalf("%d requests, want %d", count.Load(), defaultMaxPages)
	}
}

func TestPaginateStopsPastMaxBytes(t *testing.T) {
	b := newBin(t)
	var count atomic.Int64
	flags := b.hostile(hostilePager(&count, 10<<10, func(n int64, r *http.Request) string {
		return fmt.Sprintf("/v1/apps?cursor=%d", n)
	}))
	r := b.run(append(append([]string{"api"}, flags...), "--paginate", "--max-bytes", "64KiB", "/v1/apps")...)
	r.expect(t, exitFail, "the pages add up to more than --max-bytes 64KiB (page 7)")
	if r.stdout != "" || count.Load() != 7 {
		t.Fatalf("%d requests, stdout %q; want 7 pages of 10 KiB and nothing printed", count.Load(), r.stdout)
	}
	b.run(append(append([]string{"api"}, flags...), "--paginate", "--max-bytes", "lots", "/v1/apps")...).expect(t, exitUsage, `invalid value "lots" for flag -max-bytes: `)
}

func TestPaginateMergesIncludedOnce(t *testing.T) {
	b := newBin(t)
	srv, flags := b.plainServer()
	app := func(id string) map[string]any {
		return map[string]any{"type": "apps", "id": id, "attributes": map[string]string{"name": "App " + id}}
	}
	build := func(id, appID string) map[string]any {
		return map[string]any{"type": "builds", "id": id, "relationships": map[string]any{"app": map[string]any{"data": map[string]string{"type": "apps", "id": appID}}}}
	}
	srv.Handle("GET /v1/builds", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("include") != "app" {
			http.Error(w, "want include=app", 400)
			return
		}
		if r.URL.Query().Get("cursor") == "" {
			writeJSON(w, 200, map[string]any{
				"data":     []any{build("b1", "a1"), build("b2", "a2")},
				"included": []any{app("a1"), app("a2")},
				"links":    map[string]string{"next": srv.URL + "/v1/builds?include=app&cursor=2"},
			})
			return
		}
		writeJSON(w, 200, map[string]any{
			"data":     []any{build("b3", "a2"), build("b4", "a3")},
			"included": []any{app("a2"), app("a3"), map[string]any{"type": "builds", "id": "a2"}}, // same id, other type: kept
			"links":    map[string]string{"self": srv.URL + "/v1/builds?include=app&cursor=2"},
		})
	}))
	r := b.run(append(append([]string{"api"}, flags...), "--paginate", "/v1/builds?include=app")...)
	r.expect(t, exitOK)
	var doc struct {
		Data     []resourceID `json:"data"`
		Included []resourceID `json:"included"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	got := fmt.Sprint(doc.Data, doc.Included)
	want := "[{builds b1} {builds b2} {builds b3} {builds b4}] [{apps a1} {apps a2} {apps a3} {builds a2}]"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestIncludeShowsStatusAndRateLimit(t *testing.T) {
	b := newBin(t)
	_, flags := b.plainServer()
	r := b.run(append(append([]string{"api", "-i"}, flags...), "/v1/apps/1000000001")...)
	r.expect(t, exitOK)
	head, body, found := strings.Cut(r.stdout, "\n\n")
	if !found || !strings.HasPrefix(head, "HTTP/1.1 200 OK\n") || !strings.Contains(head, "\nX-Rate-Limit: user-hour-lim:3500;user-hour-rem:") {
		t.Fatalf("no status line and X-Rate-Limit before the body:\n%s", r.stdout)
	}
	if !json.Valid([]byte(body)) {
		t.Fatalf("the body after the headers is not the JSON answer:\n%s", body)
	}
	b.run(append(append([]string{"api", "--include", "--paginate"}, flags...), "/v1/apps")...).expect(t, exitUsage, "--include")
}

func TestErrorBodyReachesStdout(t *testing.T) {
	b := newBin(t)
	_, flags := b.plainServer()
	r := b.run(append(append([]string{"api"}, flags...), "/v1/apps/42")...)
	r.expect(t, exitFail, "the API answered 404 Not Found to GET /v1/apps/42: NOT_FOUND: The specified resource does not exist")
	var doc asctest.ErrorResponse
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Errors) != 1 || doc.Errors[0].Status != "404" {
		t.Fatalf("the error answer is not on stdout: %v\n%s", err, r.stdout)
	}
	if !strings.HasPrefix(r.stdout, "{\n  \"errors\"") {
		t.Errorf("the error answer is not indented:\n%s", r.stdout)
	}
}

func TestBinaryHelpAndExitCodes(t *testing.T) {
	b := newBin(t)
	for _, args := range [][]string{{"--help"}, {"help"}, {"help", "api"}, {"api", "--help"}, {"decode", "-h"}} {
		r := b.run(args...)
		r.expect(t, exitOK)
		if !strings.Contains(r.stdout, "Usage:") || r.stderr != "" {
			t.Errorf("%v: want help on stdout only\nstdout:\n%s\nstderr:\n%s", args, r.stdout, r.stderr)
		}
	}
	if r := b.run("api", "--help"); !strings.Contains(r.stdout, "  --paginate\n") || !strings.Contains(r.stdout, "  -X, --method method\n") {
		t.Errorf("flags not shown as --name:\n%s", r.stdout)
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := b.run(args...)
		r.expect(t, exitOK)
		if !strings.HasPrefix(r.stdout, "ascjwt ") || !strings.Contains(r.stdout, "(github.com/ascjwt/ascjwt)") || !strings.Contains(r.stdout, runtime.Version()) {
			t.Errorf("%v: %q; want the module path and %s", args, r.stdout, runtime.Version())
		}
	}

	srv, flags := b.plainServer()
	creds := flags[2:] // without --base-url
	k := srv.Key()
	other := b.writeKey("OTHERKEY12", k.IssuerID, apitest.NewKey(t))
	tok := strings.TrimSpace(b.run(append([]string{"token"}, creds...)...).stdout)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"token", append([]string{"token"}, creds...), exitOK, ""},
		{"api", append(append([]string{"api"}, flags...), "/v1/apps"), exitOK, ""},
		{"decode verified", []string{"decode", "--key", creds[len(creds)-1], tok}, exitOK, "verified"},
		{"no arguments", nil, exitUsage, "Usage:"},
		{"unknown subcommand", []string{"frobnicate"}, exitUsage, "unknown subcommand"},
		{"unknown flag", []string{"token", "--frob"}, exitUsage, "flag provided but not defined: -frob\n"},
		{"bad --scope", append([]string{"token", "--scope", "GET"}, creds...), exitUsage, "--scope"},
		{"bad --lifetime", append([]string{"token", "--lifetime", "3h"}, creds...), exitUsage, "--lifetime 3h is over Apple's limit"},
		{"bad --audience, found by NewTokenSource", append([]string{"token", "--audience", "nope"}, creds...), exitUsage, "udience"},
		{"no credentials", []string{"token"}, exitUsage, "no key ID"},
		{"Apple refused", append(append([]string{"api"}, flags...), "/v1/apps/42"), exitFail, "404 Not Found"},
		{"token does not verify", []string{"decode", "--key", other[len(other)-1], tok}, exitFail, `refused by rule "signature"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.run(tc.args...).expect(t, tc.code, tc.want)
		})
	}
}

func TestCompletionScriptsParse(t *testing.T) {
	b := newBin(t)
	h := newHarness(t)
	specs := (&cmd{system: h.sys}).commandSpecs()
	for _, shell := range completionShells {
		t.Run(shell, func(t *testing.T) {
			r := b.run("completion", shell)
			r.expect(t, exitOK)
			// Every subcommand and every flag is in the script: it is made
			// from the flag definitions, and this would catch a drift.
			for _, s := range specs {
				if !strings.Contains(r.stdout, s.name) {
					t.Errorf("%s script lacks subcommand %s", shell, s.name)
				}
				for _, f := range s.flags {
					if f.usage == "" {
						t.Errorf("%s's flag %s has no description", s.name, f.name)
					}
					if !strings.Contains(r.stdout, f.name) {
						t.Errorf("%s script lacks %s's flag %s", shell, s.name, f.name)
					}
				}
			}
			path, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s is not installed; the script was not checked by it", shell)
			}
			script := filepath.Join(t.TempDir(), "ascjwt."+shell)
			os.WriteFile(script, []byte(r.stdout), 0o600)
			if out, err := exec.Command(path, "-n", script).CombinedOutput(); err != nil {
				t.Fatalf("%s -n refuses the script: %v\n%s\n%s", shell, err, out, r.stdout)
			}
		})
	}
	if len(specs) < 7 || len(specs[1].flags) < 10 {
		t.Fatalf("too few subcommands or api flags collected: %+v", specs)
	}
	b.run("completion", "tcsh").expect(t, exitUsage, "want bash, zsh, fish or powershell")
	b.run("completion").expect(t, exitUsage, "want one shell")
}

// TestBashCompletionCompletes runs the bash script's function as bash
// would on a tab, so that a script that parses but completes nothing
// fails.
func TestBashCompletionCompletes(t *testing.T) {
	bash := lookPathOrSkip(t, "bash")
	b := newBin(t)
	script := b.run("completion", "bash").stdout
	for _, tc := range []struct{ line, want string }{
		{"ascjwt to", "token"},
		{"ascjwt api --pag", "--paginate"},
		{"ascjwt api --max-p", "--max-pages"},
		{"ascjwt completion z", "zsh"},
	} {
		out, err := completeWithBash(bash, script, b.dir, strings.Fields(tc.line))
		if err != nil || strings.TrimSpace(out) != tc.want {
			t.Errorf("%q completes to %q (%v), want %q", tc.line, out, err, tc.want)
		}
	}
}
