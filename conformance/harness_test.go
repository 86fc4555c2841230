package conformance

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// What every conformance test does, once: run a script of node/ on JSON
// and read the JSON it prints, run the ascjwt binary's serve, write the
// keys and certificates a client outside Go reads from files, and close
// the fakes they start.

// nodeTimeout bounds one run of a Node script or of the serve it talks
// to: a guard against a hung client, not synchronization.
const nodeTimeout = 2 * time.Minute

// appleLibrary is Apple's App Store Server Library for Node, the npm
// package of the App Store scripts.
const appleLibrary = "@apple/app-store-server-library"

// nodeScript is one run of a script in node/.
type nodeScript struct {
	Package string   // the npm package the script drives, under node/node_modules
	Args    []string // the script's file name, then its arguments
	Env     []string // added to the test's environment
	Input   any      // written to the script's stdin as JSON
}

// requireNode returns the node binary's path. It skips the test only when
// node is not on PATH, and fails it when pkg is not installed, since then
// npm ci was forgotten.
func requireNode(t *testing.T, pkg string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH; .ci/run installs it with the conformance module's Node half")
	}
	if _, err := os.Stat(filepath.Join("node", "node_modules", filepath.FromSlash(pkg))); err != nil {
		t.Fatalf("%s is not installed: run npm ci in conformance/node (.ci/run does)", pkg)
	}
	return node
}

// run runs the script with s.Input on its stdin and decodes what it
// prints on stdout into out; its stderr goes into the failure.
func (s nodeScript) run(t *testing.T, out any) {
	t.Helper()
	node := requireNode(t, s.Package)
	ctx, cancel := context.WithTimeout(t.Context(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, s.Args...)
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Stdin = bytes.NewReader(mustJSON(t, s.Input))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	name := strings.Join(s.Args, " ")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", name, err, stderr.Bytes())
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("node %s printed %.300s: %v", name, b, err)
	}
}

// closeAtEnd has the test close srv, a fake it started, when it ends.
func closeAtEnd[S interface{ Close() }](t *testing.T, srv S) S {
	t.Cleanup(srv.Close)
	return srv
}

// mustJSON is v in JSON, failing t if it does not encode.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buildASCJWT builds the ascjwt command into dir and returns its path.
func buildASCJWT(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ascjwt")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/ascjwt/ascjwt/cmd/ascjwt").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveASC runs the built ascjwt binary's serve with extra flags and
// returns the variables it exports once it says it is ready. The serve
// ends with the test.
func serveASC(t *testing.T, bin, dir string, flags ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	serve := exec.CommandContext(ctx, bin, append([]string{"serve", "--dir", dir}, flags...)...)
	serve.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	out, err := serve.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Signal(os.Interrupt); serve.Wait(); cancel() })
	vars := map[string]string{}
	ready := false
	for sc := bufio.NewScanner(out); sc.Scan(); {
		line := sc.Text()
		if strings.HasPrefix(line, "# ascjwt serve is ready") {
			ready = true
			break
		}
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			vars[k] = strings.ReplaceAll(strings.Trim(v, "'"), `'\''`, "'")
		}
	}
	if !ready {
		t.Fatal("ascjwt serve exited before it was ready")
	}
	return vars
}

// writeFile writes b to name in dir, readable by the test's user alone,
// and returns its path.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeCertPEM writes a fake's TLS certificate as PEM, for a Node client's
// CA option or NODE_EXTRA_CA_CERTS, and returns its path.
func writeCertPEM(t *testing.T, dir string, cert *x509.Certificate) string {
	t.Helper()
	return writeFile(t, dir, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
}

// notificationEndpoint is a test's endpoint for a fake's notifications: it
// keeps the body of the last request it received.
type notificationEndpoint struct {
	*httptest.Server
	mu   sync.Mutex
	last []byte
}

// newNotificationEndpoint starts an endpoint that closes when the test ends.
func newNotificationEndpoint(t *testing.T) *notificationEndpoint {
	e := &notificationEndpoint{}
	e.Server = closeAtEnd(t, httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.last = b
	})))
	return e
}

// decodeLast decodes the JSON body of the last notification into v,
// failing t if none came or it is not JSON.
func (e *notificationEndpoint) decodeLast(t *testing.T, v any) {
	t.Helper()
	e.mu.Lock()
	b := e.last
	e.mu.Unlock()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("no notification delivered as JSON (%d bytes): %v", len(b), err)
	}
}
