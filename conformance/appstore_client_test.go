package conformance

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

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
func runAppleClient(t *testing.T, vars map[string]string, keyPath string, calls []clientCall) []clientResult {
	t.Helper()
	var res []clientResult
	nodeScript{
		Package: appleLibrary,
		Args:    []string{"appstore_client.js"},
		Env:     []string{"NODE_EXTRA_CA_CERTS=" + vars["ASC_CA_FILE"]},
		Input: map[string]any{"baseUrl": vars["ASC_BASE_URL"], "keyPath": keyPath, "keyId": vars["ASC_KEY_ID"],
			"issuerId": vars["ASC_ISSUER_ID"], "bundleId": "com.example.app", "calls": calls},
	}.run(t, &res)
	return res
}

// TestAppleServerAPIClientReachesServe points Apple's Node
// AppStoreServerAPIClient at ascjwt serve: its own token is accepted for
// Get Transaction History and Get Transaction Info, a token signed by a key
// the server does not know gets APIException 401, and past --rate-limit 1
// the next call gets 429 with apiError 4290000.
func TestAppleServerAPIClientReachesServe(t *testing.T) {
	requireNode(t, appleLibrary)
	dir := t.TempDir()
	bin := buildASCJWT(t, dir)

	vars := serveASC(t, bin, filepath.Join(dir, "fake"))
	res := runAppleClient(t, vars, vars["ASC_PRIVATE_KEY_PATH"], []clientCall{
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

	res = runAppleClient(t, vars, writeFile(t, dir, "other.p8", []byte(apitest.PEM(t, apitest.NewKey(t)))), []clientCall{{Name: "other key", Method: "getTransactionInfo", Args: []any{"2000000123"}}})
	if r := res[0]; r.OK || r.HTTPStatusCode != 401 {
		t.Errorf("another key: ok=%v status %d %s; want APIException 401", r.OK, r.HTTPStatusCode, r.Error)
	}

	limited := serveASC(t, bin, filepath.Join(dir, "limited"), "--rate-limit", "1")
	res = runAppleClient(t, limited, limited["ASC_PRIVATE_KEY_PATH"], []clientCall{
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
