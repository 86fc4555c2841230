package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// readyLine starts the last line serve prints on stdout.
const readyLine = readyComment

// served is an ascjwt serve running as its own process.
type served struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout string // what it printed before it was ready
	stderr *syncBuffer
	tmp    string // its TMPDIR, where its temporary folder goes
	cancel context.CancelFunc
}

// syncBuffer is a bytes.Buffer that the process's output can be copied
// into while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs the built binary with args (serve and its flags) in b's
// clean environment, with a TMPDIR of its own, and returns once it has
// printed its ready line: the pipe, not a poll, says when.
func startServe(t *testing.T, b *bin, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s := &served{t: t, stderr: &syncBuffer{}, tmp: t.TempDir(), cancel: cancel}
	s.cmd = exec.CommandContext(ctx, binPath, args...)
	s.cmd.Dir = b.dir
	s.cmd.Env = append([]string{"HOME=" + b.home, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + s.tmp}, b.env...)
	s.cmd.Stderr = s.stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
		cancel()
	})
	var printed strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), readyLine) {
			s.stdout = printed.String()
			return s
		}
	}
	s.cmd.Wait()
	t.Fatalf("ascjwt %s ended before it was ready:\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), printed.String(), s.stderr)
	return nil
}

// stop sends sig and returns the exit status.
func (s *served) stop(sig os.Signal) int {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	err := s.cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	s.t.Fatalf("wait: %v", err)
	return -1
}

// tmpLeft lists what the server left in its TMPDIR.
func (s *served) tmpLeft() []string {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		s.t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// expectCleanedUp checks that the stopped server left nothing behind: its
// TMPDIR is empty and envFile, which names a server that is gone, is
// removed.
func (s *served) expectCleanedUp(envFile string) {
	s.t.Helper()
	if left := s.tmpLeft(); len(left) != 0 {
		s.t.Errorf("the temporary folder was not removed: TMPDIR holds %v", left)
	}
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		s.t.Errorf("the env file, which names a server that is gone, is still there: %v", err)
	}
}

var (
	exportLine = regexp.MustCompile(`^export ([A-Z_]+)=('(?:[^']|'\\'')*')$`)
	unsetLine  = regexp.MustCompile(`^unset ([A-Z_]+)$`)
)

// parseEnv reads serve's output as a strict reader of its format would:
// every line an export of a single-quoted value, an unset, or a comment.
// It is not the shell; TestReadmeServeSectionRunsAsPasted has bash source
// the same lines.
func parseEnv(t *testing.T, text string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		if m := exportLine.FindStringSubmatch(line); m != nil {
			v := strings.TrimSuffix(strings.TrimPrefix(m[2], "'"), "'")
			env[m[1]] = strings.ReplaceAll(v, `'\''`, "'")
			continue
		}
		if unsetLine.MatchString(line) || strings.HasPrefix(line, "# ") {
			continue
		}
		t.Fatalf("a line of serve's output is neither an export, an unset nor a comment: %q\n%s", line, text)
	}
	return env
}

func envList(env map[string]string) []string {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

// TestServeEndToEnd starts ascjwt serve as a user would, and with nothing
// but the environment it wrote runs ascjwt api, and a plain Go client with a
// token from ascjwt token and the CA file; then interrupts it and checks
// that it exited 0 and removed everything it wrote.
func TestServeEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"TLS", true}, {"HTTP", false}} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBin(t)
			envFile := filepath.Join(b.dir, "asc.env")
			args := []string{"serve", "--env-file", "asc.env"}
			if !tc.tls {
				args = append(args, "--http")
			}
			s := startServe(t, b, args...)

			written, err := os.ReadFile(envFile)
			if err != nil || string(written) != s.stdout {
				t.Fatalf("the env file (%v) does not hold what stdout printed:\nfile:\n%s\nstdout:\n%s", err, written, s.stdout)
			}
			env := parseEnv(t, s.stdout)
			base, err := url.Parse(env["ASC_BASE_URL"])
			if err != nil || base.Hostname() != "127.0.0.1" || (base.Scheme == "https") != tc.tls {
				t.Fatalf("ASC_BASE_URL %q: want %s on 127.0.0.1", env["ASC_BASE_URL"], map[bool]string{true: "https", false: "http"}[tc.tls])
			}
			keyPath := env["ASC_PRIVATE_KEY_PATH"]
			if filepath.Base(keyPath) != "AuthKey_"+env["ASC_KEY_ID"]+".p8" || !strings.HasPrefix(keyPath, s.tmp+string(filepath.Separator)) {
				t.Fatalf("ASC_PRIVATE_KEY_PATH %q: want AuthKey_%s.p8 in a folder in TMPDIR %s", keyPath, env["ASC_KEY_ID"], s.tmp)
			}
			if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
			}
			if fi, err := os.Stat(envFile); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("env file: %v, mode %v; want 0600", err, fi.Mode().Perm())
			}
			if ca, ok := env["ASC_CA_FILE"]; ok != tc.tls {
				t.Fatalf("ASC_CA_FILE set: %v, want %v", ok, tc.tls)
			} else if !tc.tls && !strings.Contains(s.stdout, "\nunset ASC_CA_FILE\n") {
				t.Fatalf("plain HTTP: want ASC_CA_FILE unset, so that one from an earlier TLS run is not kept:\n%s", s.stdout)
			} else if tc.tls && filepath.Dir(ca) != filepath.Dir(keyPath) {
				t.Fatalf("ASC_CA_FILE %q is not beside the key", ca)
			}

			// The command, with only that environment.
			b.env = envList(env)
			r := b.run("api", "/v1/apps")
			r.expect(t, exitOK)
			var doc struct {
				Data []struct{ Type, ID string } `json:"data"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Data) == 0 || doc.Data[0].Type != "apps" {
				t.Fatalf("api /v1/apps: not JSON with data (%v):\n%s", err, r.stdout)
			}

			// A plain HTTP client, trusting the CA file alone (not the
			// command's code), with a token from ascjwt token.
			tok := b.run("token")
			tok.expect(t, exitOK)
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			if tc.tls {
				pemData, err := os.ReadFile(env["ASC_CA_FILE"])
				if err != nil {
					t.Fatal(err)
				}
				shared := asctest.NewServer()
				shared.Close()
				if bytes.Equal(shared.CertificatePEM(), pemData) {
					t.Fatal("ASC_CA_FILE is httptest's certificate, whose private key is public")
				}
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pemData) {
					t.Fatalf("ASC_CA_FILE holds no certificate:\n%s", pemData)
				}
				client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}

				// Without it, the server's certificate is not trusted:
				// the TLS is real.
				noCA := &http.Client{Transport: &http.Transport{}}
				if _, err := noCA.Get(env["ASC_BASE_URL"] + "/v1/apps"); err == nil || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("a client without the CA file reached the server: %v", err)
				}
			}
			get := func(auth string) (int, []byte) {
				req, _ := http.NewRequest("GET", env["ASC_BASE_URL"]+"/v1/apps", nil)
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, body
			}
			status, body := get("Bearer " + strings.TrimSpace(tok.stdout))
			if err := json.Unmarshal(body, &doc); status != 200 || err != nil || len(doc.Data) == 0 {
				t.Fatalf("GET /v1/apps with the token: %d %v\n%s", status, err, body)
			}
			if status, body := get(""); status != 401 || !strings.Contains(string(body), "NOT_AUTHORIZED") {
				t.Fatalf("GET /v1/apps without a token: %d\n%s; want Apple's 401", status, body)
			}

			if code := s.stop(os.Interrupt); code != 0 {
				t.Fatalf("exit %d after SIGINT, want 0\nstderr:\n%s", code, s.stderr)
			}
			log := s.stderr.String()
			for _, want := range []string{
				"ascjwt serve: GET /v1/apps 200\n",
				`ascjwt serve: GET /v1/apps 401 "format: no Authorization header`,
				"ascjwt serve: ready",
				"ascjwt serve: stopping\n",
			} {
				if !strings.Contains(log, want) {
					t.Errorf("stderr does not say %q:\n%s", want, log)
				}
			}
			if n := strings.Count(log, "GET /v1/apps 200\n"); n != 2 {
				t.Errorf("%d lines for the two accepted requests, want 2:\n%s", n, log)
			}
			s.expectCleanedUp(envFile)
		})
	}
}

// TestServeStopsOnSIGTERMAndKeepsDir: SIGTERM, what kill and CI runners
// send, stops it cleanly, and a --dir of the caller's is kept with the key
// and certificate in it.
func TestServeStopsOnSIGTERMAndKeepsDir(t *testing.T) {
	b := newBin(t)
	// An env file left by a run that was killed (SIGKILL) is replaced.
	stale := "export ASC_BASE_URL='http://127.0.0.1:1'\n# ascjwt serve is ready (pid 1); Ctrl-C or SIGTERM stops it\n"
	os.WriteFile(filepath.Join(b.dir, "asc.env"), []byte(stale), 0o600)
	s := startServe(t, b, "serve", "--dir", "fake", "--rate-limit", "2", "--env-file", "asc.env")
	if data, _ := os.ReadFile(filepath.Join(b.dir, "asc.env")); string(data) != s.stdout {
		t.Fatalf("the stale env file was not replaced:\n%s", data)
	}
	env := parseEnv(t, s.stdout)
	dir := filepath.Join(b.dir, "fake")
	if env["ASC_PRIVATE_KEY_PATH"] != filepath.Join(dir, "AuthKey_"+env["ASC_KEY_ID"]+".p8") || env["ASC_CA_FILE"] != filepath.Join(dir, "ca.pem") {
		t.Fatalf("want the key and certificate in --dir %s, as absolute paths:\n%s", dir, s.stdout)
	}

	// --rate-limit: the third request in the hour is refused.
	b.env = envList(env)
	b.run("api", "--max-wait", "0", "/v1/apps").expect(t, exitOK)
	r := b.run("api", "--include", "--max-wait", "0", "/v1/apps")
	if r.code != exitOK || !strings.Contains(r.stdout, "X-Rate-Limit: user-hour-lim:2;user-hour-rem:0;") {
		t.Fatalf("want the second request to report the limit of 2 used up:\n%s\n%s", r.stdout, r.stderr)
	}
	b.run("api", "--max-wait", "0", "/v1/apps").expect(t, exitFail, "429")

	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0\nstderr:\n%s", code, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "GET /v1/apps 429\n") {
		t.Errorf("the 429 is not in the log:\n%s", s.stderr)
	}
	key, err := os.ReadFile(env["ASC_PRIVATE_KEY_PATH"])
	if err != nil {
		t.Fatalf("the key in --dir was not kept: %v", err)
	}
	if _, err := x509.ParsePKCS8PrivateKey(pemBody(t, key, "PRIVATE KEY")); err != nil {
		t.Fatalf("the kept key is not a .p8: %v", err)
	}
	if cert, err := os.ReadFile(env["ASC_CA_FILE"]); err != nil || len(pemBody(t, cert, "CERTIFICATE")) == 0 {
		t.Fatalf("the certificate in --dir was not kept: %v", err)
	}
	if left := s.tmpLeft(); len(left) != 0 {
		t.Errorf("with --dir, nothing goes to TMPDIR; it holds %v", left)
	}
}

func pemBody(t *testing.T, data []byte, typ string) []byte {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil || block.Type != typ {
		t.Fatalf("not a %s PEM", typ)
	}
	return block.Bytes
}

// TestServeBadFlagsExit2: each mistake is found before anything listens or
// is written, exits 2 and says which flag is wrong.
func TestServeBadFlagsExit2(t *testing.T) {
	b := newBin(t)
	tmp := t.TempDir()
	b.env = []string{"TMPDIR=" + tmp}
	profile := "export PATH=$HOME/bin:$PATH\n"
	os.WriteFile(filepath.Join(b.dir, ".profile"), []byte(profile), 0o600)
	keyPEM := string(asctest.NewUnstartedServer().Key().PEM())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, `--addr "0.0.0.0:0" is not on loopback`},
		{[]string{"--addr", ":8443"}, "is not on loopback"},
		{[]string{"--addr", "[::]:0"}, "is not on loopback"},
		{[]string{"--addr", "192.168.1.10:443"}, "is not on loopback"},
		{[]string{"--addr", "example.com:443"}, "is not on loopback"},
		{[]string{"--addr", "127.0.0.1"}, "want host:port on loopback"},
		{[]string{"--addr", keyPEM}, "--addr <what looks like a private key"},
		{[]string{"--rate-limit", "0"}, "--rate-limit 0: want 1 or more"},
		{[]string{"--rate-limit", "-5"}, "--rate-limit -5: want 1 or more"},
		{[]string{"--rate-limit", "lots"}, `invalid value "lots" for flag -rate-limit: parse error`},
		{[]string{"--env-file", "no/such/folder/asc.env"}, `--env-file: the folder "no/such/folder" does not exist`},
		{[]string{"--env-file", "."}, "is a folder"},
		{[]string{"--env-file", ".profile"}, `--env-file ".profile" exists and is not one that ascjwt serve wrote`},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--frob"}, "flag provided but not defined: -frob\n"},
	} {
		t.Run(strings.Join(tc.args, " ")[:min(30, len(strings.Join(tc.args, " ")))], func(t *testing.T) {
			r := b.run(append([]string{"serve"}, tc.args...)...)
			r.expect(t, exitUsage, tc.want, "run 'ascjwt serve --help'")
			if r.stdout != "" {
				t.Errorf("stdout: %q", r.stdout)
			}
			if strings.Contains(r.stderr, "MIG") {
				t.Errorf("a rejected value was echoed:\n%s", r.stderr)
			}
		})
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a refused run wrote to TMPDIR: %v", left)
	}
	if data, _ := os.ReadFile(filepath.Join(b.dir, ".profile")); string(data) != profile {
		t.Errorf("a file of the user's named by --env-file was changed: %q", data)
	}
}

// TestServeListensOnLocalhost: --addr localhost:0 is resolved to a
// loopback address, which the URL names.
func TestServeListensOnLocalhost(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	h := newHarness(t)
	env, stderr, stop := serveInProcess(t, h, "--addr", "localhost:0")
	u, err := url.Parse(env["ASC_BASE_URL"])
	if ip := net.ParseIP(u.Hostname()); err != nil || ip == nil || !ip.IsLoopback() || u.Port() == "0" {
		t.Fatalf("ASC_BASE_URL %q: want a loopback address and the port picked", env["ASC_BASE_URL"])
	}
	h.env = env
	h.run("api", "/v1/apps").expect(t, exitOK)
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
}

// lineWriter hands each line written to it to a channel, and keeps them
// all: a test waits for the line it needs, not for a while.
type lineWriter struct {
	mu      sync.Mutex
	partial string
	all     strings.Builder
	lines   chan string
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 1024)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	w.partial += string(p)
	for {
		line, rest, ok := strings.Cut(w.partial, "\n")
		if !ok {
			break
		}
		w.partial = rest
		select {
		case w.lines <- line:
		default: // nobody is waiting for this many
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// waitFor returns once a line containing want has been written, or fails
// the test after a generous bound.
func (w *lineWriter) waitFor(t *testing.T, want string) {
	t.Helper()
	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	for {
		select {
		case line := <-w.lines:
			if strings.Contains(line, want) {
				return
			}
		case <-timer.C:
			t.Fatalf("no line saying %q within a minute:\n%s", want, w)
		}
	}
}

// serveInProcess runs serve in this process with args and returns its
// environment once it is ready, the stderr it writes, and what stops it and
// returns its exit status.
func serveInProcess(t *testing.T, h *harness, args ...string) (map[string]string, *lineWriter, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.sys.ctx = ctx
	pr, pw := io.Pipe()
	stderr := newLineWriter()
	done := make(chan int, 1)
	go func() {
		code := run(append([]string{"serve"}, args...), strings.NewReader(""), pw, stderr, h.sys)
		pw.Close()
		done <- code
	}()
	var printed strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), readyLine) {
			go io.Copy(io.Discard, pr) // serve writes nothing more; end with it
			stop := func() int {
				cancel()
				return <-done
			}
			return parseEnv(t, printed.String()), stderr, stop
		}
	}
	cancel()
	t.Fatalf("serve ended (exit %d) before it was ready:\n%s", <-done, stderr)
	return nil, nil, nil
}

// TestServeLogsEveryRequestOnItsOwnLine sends requests from many goroutines
// at once, accepted and refused, and finds one whole log line for each.
func TestServeLogsEveryRequestOnItsOwnLine(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	h := newHarness(t)
	env, stderr, stop := serveInProcess(t, h, "--http")
	key, err := os.ReadFile(env["ASC_PRIVATE_KEY_PATH"])
	if err != nil {
		t.Fatal(err)
	}
	h.rememberSecret(string(key))
	h.env = env
	tok := h.run("token")
	tok.expect(t, exitOK)

	const n = 16
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range 2 * n {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/apps/%d", env["ASC_BASE_URL"], 1000000001+i%2), nil)
			if i%2 == 0 {
				req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.stdout))
			} else {
				req.Header.Set("Authorization", "Bearer not-a-token")
			}
			resp, err := client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d, want 0:\n%s", code, stderr)
	}
	lines := strings.Split(stderr.String(), "\n")
	var ok, refused int
	for _, l := range lines {
		switch {
		case l == "ascjwt serve: GET /v1/apps/1000000001 200":
			ok++
		case strings.HasPrefix(l, `ascjwt serve: GET /v1/apps/1000000002 401 "format: `) && strings.HasSuffix(l, `"`):
			refused++
		}
	}
	if ok != n || refused != n {
		t.Fatalf("%d accepted and %d refused lines, want %d of each, whole:\n%s", ok, refused, n, stderr)
	}
	if strings.Contains(stderr.String(), "not-a-token") || strings.Contains(stderr.String(), strings.TrimSpace(tok.stdout)) {
		t.Fatalf("the log holds a token:\n%s", stderr)
	}
	if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) != 0 {
		t.Fatalf("TMPDIR holds %v after exit", left)
	}
}

// TestServeClosesRequestsLeftHalfSent: a client that sent a request's
// headers and not the body it declared cannot keep the server from
// stopping: after the grace period its connection is closed.
func TestServeClosesRequestsLeftHalfSent(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	h := newHarness(t)
	h.sys.shutdownGrace = 50 * time.Millisecond
	env, stderr, stop := serveInProcess(t, h, "--http")
	base, _ := url.Parse(env["ASC_BASE_URL"])
	conn, err := net.Dial("tcp", base.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/apps HTTP/1.1\r\nHost: %s\r\nContent-Length: 100\r\n\r\n", base.Host)
	// The log line comes once the handler has answered; the server then
	// waits for the 100 bytes to keep the connection, which never come.
	stderr.waitFor(t, "POST /v1/apps 401")
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d, want 0:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "requests still open after 50ms; closing their connections") {
		t.Fatalf("the half-sent request was not cut off after the grace period:\n%s", stderr)
	}
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("the connection was not closed: %v", err)
	}
	if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) != 0 {
		t.Fatalf("TMPDIR holds %v after exit", left)
	}
}

// TestAPITrustsTheCAFile: api reaches a TLS server whose certificate only
// ASC_CA_FILE or --cacert holds, on top of the system roots; a CA file that
// cannot be read or holds no certificate exits 2 and shows none of its
// contents.
func TestAPITrustsTheCAFile(t *testing.T) {
	h := newHarness(t)
	srv := tlsServer(t)
	k := srv.Key()
	keyPath := h.addKeyPEM("AuthKey_"+k.ID+".p8", k.PrivateKey)
	ca := filepath.Join(h.sys.workDir, "ca.pem")
	os.WriteFile(ca, srv.CertificatePEM(), 0o644)
	notCert := filepath.Join(h.sys.workDir, "key.pem")
	os.WriteFile(notCert, k.PEM(), 0o600)
	empty := filepath.Join(h.sys.workDir, "empty.pem")
	os.WriteFile(empty, []byte("nothing here\n"), 0o644)
	otherCA := filepath.Join(h.sys.workDir, "other.pem")
	os.WriteFile(otherCA, tlsServer(t).CertificatePEM(), 0o644)
	base := map[string]string{"ASC_KEY_ID": k.ID, "ASC_ISSUER_ID": k.IssuerID, "ASC_PRIVATE_KEY_PATH": keyPath, "ASC_BASE_URL": srv.URL}
	with := func(kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string
	}{
		{"no CA: the certificate is not trusted", with(), nil, exitFail, []string{"certificate"}},
		{"ASC_CA_FILE", with("ASC_CA_FILE", ca), nil, exitOK, nil},
		{"--cacert", with(), []string{"--cacert", ca}, exitOK, nil},
		{"--cacert wins over ASC_CA_FILE", with("ASC_CA_FILE", otherCA), []string{"--cacert", ca}, exitOK, nil},
		{"another server's CA", with("ASC_CA_FILE", otherCA), nil, exitFail, []string{"certificate"}},
		{"missing file", with("ASC_CA_FILE", filepath.Join(h.sys.workDir, "nope.pem")), nil, exitUsage, []string{"ASC_CA_FILE: cannot read the CA file"}},
		{"a private key, not a certificate", with(), []string{"--cacert", notCert}, exitUsage, []string{"--cacert: the CA file", "holds what looks like a private key, not a certificate"}},
		{"no PEM", with("ASC_CA_FILE", empty), nil, exitUsage, []string{"holds no PEM certificate"}},
		{"a key pasted as the file name", with("ASC_CA_FILE", string(k.PEM())), nil, exitUsage, []string{"ASC_CA_FILE: cannot read the CA file <what looks like a private key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.env = tc.env
			r := h.run(append(append([]string{"api"}, tc.args...), "/v1/apps")...)
			r.expect(t, tc.code, tc.want...)
			if tc.code == exitOK && !strings.Contains(r.stdout, `"data"`) {
				t.Fatalf("no data:\n%s", r.stdout)
			}
			if tc.code != exitOK && (r.stdout != "" || strings.Contains(r.stderr, "nothing here")) {
				t.Fatalf("stdout %q; or the file's contents reached stderr:\n%s", r.stdout, r.stderr)
			}
		})
	}
}

// tlsServer starts an asctest server with a certificate as serve makes
// them: its own key, not httptest's.
func tlsServer(t *testing.T) *asctest.Server {
	t.Helper()
	cert, err := newServeCertificate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := asctest.NewUnstartedServer()
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestServeCertificateVouchesForLoopbackOnly: what ASC_CA_FILE names is
// added to a client's trusted roots, so it must not let anyone vouch for
// another host. httptest's certificate would: it is a CA whose private key
// is public (in Go's source), and a certificate for Apple's host made with
// that key verifies. serve's has a key of its own, and name constraints that
// hold it to loopback even for whoever has that key.
func TestServeCertificateVouchesForLoopbackOnly(t *testing.T) {
	forge := func(ca tls.Certificate, host string) error {
		caCert, err := x509.ParseCertificate(ca.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		leafKey := apitest.NewKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: caCert.SerialNumber, DNSNames: []string{host},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &leafKey.PublicKey, ca.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := x509.ParseCertificate(der)
		roots := x509.NewCertPool()
		roots.AddCert(caCert)
		_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: host})
		return err
	}

	shared := httptest.NewUnstartedServer(http.NotFoundHandler())
	shared.StartTLS()
	shared.Close()
	if err := forge(shared.TLS.Certificates[0], "api.appstoreconnect.apple.com"); err != nil {
		t.Fatalf("the premise: httptest's well-known CA signs for any host (%v); if that changed, this test is moot", err)
	}

	ours, err := newServeCertificate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := forge(ours, "api.appstoreconnect.apple.com"); err == nil || !strings.Contains(err.Error(), "constraint") {
		t.Fatalf("serve's certificate vouches for Apple's host: %v", err)
	}
	if err := forge(ours, "localhost"); err != nil {
		t.Fatalf("serve's certificate does not vouch for localhost: %v", err)
	}
	again, _ := newServeCertificate(time.Now())
	if bytes.Equal(again.Certificate[0], ours.Certificate[0]) || bytes.Equal(ours.Certificate[0], shared.TLS.Certificates[0].Certificate[0]) {
		t.Fatal("serve's certificates are not made afresh for each run")
	}
}

// TestServeStopsCleanlyOnSIGHUP: a closed terminal or SSH session sends
// SIGHUP; serve stops as for SIGINT and SIGTERM, exits 0, and removes its
// key folder and env file.
func TestServeStopsCleanlyOnSIGHUP(t *testing.T) {
	b := newBin(t)
	s := startServe(t, b, "serve", "--env-file", "asc.env")
	env := parseEnv(t, s.stdout)
	if _, err := os.Stat(env["ASC_PRIVATE_KEY_PATH"]); err != nil {
		t.Fatalf("the key is not there while serving: %v", err)
	}
	if code := s.stop(syscall.SIGHUP); code != 0 {
		t.Fatalf("exit %d after SIGHUP, want 0\nstderr:\n%s", code, s.stderr)
	}
	if !strings.HasSuffix(s.stderr.String(), "ascjwt serve: stopping\n") {
		t.Errorf("want it to say it stopped, last:\n%s", s.stderr)
	}
	s.expectCleanedUp(filepath.Join(b.dir, "asc.env"))
}

// TestServeRemovesAStaleEnvFileBeforeItListens: an env file left by a run
// that was killed names a dead server. serve removes it before it listens,
// so even a run that cannot listen (the port is taken) leaves no file for
// a script's wait loop to find.
func TestServeRemovesAStaleEnvFileBeforeItListens(t *testing.T) {
	b := newBin(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	envFile := filepath.Join(b.dir, "asc.env")
	stale := "export ASC_BASE_URL='http://127.0.0.1:1'\n" + readyComment + " (pid 1); Ctrl-C or SIGTERM stops it\n"
	if err := os.WriteFile(envFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	b.env = []string{"TMPDIR=" + tmp}
	r := b.run("serve", "--addr", taken.Addr().String(), "--env-file", "asc.env")
	r.expect(t, exitFail, "listen on "+taken.Addr().String())
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		t.Fatalf("the stale env file is still there after a run that could not listen: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a run that could not listen left %v in TMPDIR", left)
	}
}

// TestServeWaitLoopIgnoresAStaleEnvFile runs the wait loop proposed for the
// README with an env file from a killed run already there: the loop waits
// for this run's file (its pid), not for any file, so the script reaches
// the new server and never the dead one.
func TestServeWaitLoopIgnoresAStaleEnvFile(t *testing.T) {
	bash := lookPathOrSkip(t, "bash")
	lookPathOrSkip(t, "curl")
	b := newBin(t)
	stale := "export ASC_BASE_URL='http://127.0.0.1:1'\nunset ASC_CA_FILE\n" + readyComment + " (pid 1); Ctrl-C or SIGTERM stops it\n"
	if err := os.WriteFile(filepath.Join(b.dir, "asc.env"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	out, log, err := runBash(t, bash, b.dir, []string{"HOME=" + b.home, "TMPDIR=" + t.TempDir(), pathWithBinary()}, proposedServeSection)
	if err != nil {
		t.Fatalf("%v\nstdout:\n%.3000s\nstderr:\n%s", err, out, log)
	}
	if n := strings.Count(log, "ascjwt serve: GET /v1/apps 200\n"); n != 2 || strings.Contains(out, `"errors"`) {
		t.Fatalf("want both requests answered by the new server:\nstdout:\n%.3000s\nstderr:\n%s", out, log)
	}
}
