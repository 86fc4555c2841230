package conformance

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveASC runs the built ascjwt binary's serve with extra flags and
// returns the variables it exports once it says it is ready.
func serveASC(t *testing.T, ctx context.Context, bin, dir string, flags ...string) map[string]string {
	t.Helper()
	serve := exec.CommandContext(ctx, bin, append([]string{"serve", "--dir", dir}, flags...)...)
	serve.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	out, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Signal(os.Interrupt); serve.Wait() })
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

type clientCall struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	Args   []any  `json:"args"`
}

type clientResult struct {
	Name           string          `json:"name"`
	OK             bool            `json:"ok"`
	HTTPStatusCode int             `json:"httpStatusCode"`
	APIError       int64           `json:"apiError"`
	Error          string          `json:"error"`
	Body           json.RawMessage `json:"body"`
}

// runAppleClient drives Apple's AppStoreServerAPIClient at the serve's base
// URL with the key in keyPath, trusting the serve's CA.
func runAppleClient(t *testing.T, ctx context.Context, vars map[string]string, keyPath string, calls []clientCall) []clientResult {
	t.Helper()
	in, err := json.Marshal(map[string]any{"baseUrl": vars["ASC_BASE_URL"], "keyPath": keyPath, "keyId": vars["ASC_KEY_ID"],
		"issuerId": vars["ASC_ISSUER_ID"], "bundleId": "com.example.app", "calls": calls})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", "appstore_client.js")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+vars["ASC_CA_FILE"])
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("node appstore_client.js: %v\n%s", err, stderr.Bytes())
	}
	var res []clientResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("node appstore_client.js printed %.300s: %v", b, err)
	}
	return res
}

func buildASCJWT(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ascjwt")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/ascjwt/ascjwt/cmd/ascjwt").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestAppleServerAPIClientReachesServe points Apple's Node
// AppStoreServerAPIClient at ascjwt serve: its own token is accepted for
// Get Transaction History and Get Transaction Info, a token signed by a key
// the server does not know gets APIException 401, and past --rate-limit 1
// the next call gets 429 with apiError 4290000.
func TestAppleServerAPIClientReachesServe(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join("node", "node_modules", "@apple", "app-store-server-library")); err != nil {
		t.Fatal("Apple's library is not installed: run npm ci in conformance/node (.ci/run does)")
	}
	dir := t.TempDir()
	bin := buildASCJWT(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	vars := serveASC(t, ctx, bin, filepath.Join(dir, "fake"))
	res := runAppleClient(t, ctx, vars, vars["ASC_PRIVATE_KEY_PATH"], []clientCall{
		{Name: "history", Method: "getTransactionHistory", Args: []any{"2000000123", nil, map[string]any{}}},
		{Name: "info", Method: "getTransactionInfo", Args: []any{"2000000123"}},
	})
	for _, r := range res {
		if !r.OK {
			t.Errorf("%s: Apple's client failed: status %d apiError %d %s", r.Name, r.HTTPStatusCode, r.APIError, r.Error)
		}
	}
	if len(res) == 2 && res[1].OK {
		var info struct{ SignedTransactionInfo string }
		if err := json.Unmarshal(res[1].Body, &info); err != nil || strings.Count(info.SignedTransactionInfo, ".") != 2 {
			t.Errorf("Get Transaction Info response carries no signed transaction: %.200s", res[1].Body)
		}
	}

	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(other)
	if err != nil {
		t.Fatal(err)
	}
	otherPath := filepath.Join(dir, "other.p8")
	if err := os.WriteFile(otherPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	res = runAppleClient(t, ctx, vars, otherPath, []clientCall{{Name: "other key", Method: "getTransactionInfo", Args: []any{"2000000123"}}})
	if r := res[0]; r.OK || r.HTTPStatusCode != 401 {
		t.Errorf("another key: ok=%v status %d %s; want APIException 401", r.OK, r.HTTPStatusCode, r.Error)
	}

	limited := serveASC(t, ctx, bin, filepath.Join(dir, "limited"), "--rate-limit", "1")
	res = runAppleClient(t, ctx, limited, limited["ASC_PRIVATE_KEY_PATH"], []clientCall{
		{Name: "first", Method: "getTransactionInfo", Args: []any{"2000000123"}},
		{Name: "second", Method: "getTransactionInfo", Args: []any{"2000000123"}},
	})
	if !res[0].OK {
		t.Errorf("first call under --rate-limit 1 failed: status %d", res[0].HTTPStatusCode)
	}
	if r := res[1]; r.OK || r.HTTPStatusCode != 429 || r.APIError != 4290000 {
		t.Errorf("second call under --rate-limit 1: ok=%v status %d apiError %d; want 429 with 4290000", r.OK, r.HTTPStatusCode, r.APIError)
	}
}
