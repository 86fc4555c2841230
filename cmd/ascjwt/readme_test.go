package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ascjwt/ascjwt/asctest"
)

// proposedExamples are command lines proposed for the README's command
// section and not in it yet; once they are, readmeExamples finds them there
// too and each runs once.
var proposedExamples = []string{
	`ascjwt api --paginate '/v1/builds?include=app&limit=200'`,
	`ascjwt api -i /v1/apps`,
	`ascjwt api -X PATCH --input change.json /v1/apps/1000000001`,
	`ascjwt api --max-wait 5m /v1/apps`,
	`ascjwt token --scope 'GET /v1/apps?filter[platform]=IOS' --lifetime 10m`,
	`ascjwt decode --key AuthKey_2X9R4HXF34.p8 "$TOKEN"`,
	`ascjwt keygen --dir ./private_keys`,
	`ascjwt completion bash`,
	`ascjwt demo`,
}

// readmeExamples returns the command lines of the first sh block in the
// README's section "## The command": those that run ascjwt or curl, the
// export lines being the credentials the test sets itself.
func readmeExamples(t *testing.T) []string {
	t.Helper()
	block, ok := readmeShBlock(t, "The command")
	if !ok {
		t.Fatal(`README.md has no section "## The command"`)
	}
	var lines []string
	for l := range strings.SplitSeq(block, "\n") {
		if strings.HasPrefix(l, "ascjwt ") || strings.HasPrefix(l, "curl ") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 5 {
		t.Fatalf("found %d example lines in README.md's command section; the parser has lost them", len(lines))
	}
	return lines
}

// TestReadmeCommandExamplesRunAsPasted runs each example line of the
// README's command section, as a shell runs it when pasted, against an
// asctest server. Only what the README leaves to the reader is set: the
// credentials, as the README's own export lines set them, the base URL
// (ASC_BASE_URL, and the URL where a line spells out Apple's), the files a
// line names (change.json, AuthKey_2X9R4HXF34.p8) and $TOKEN.
func TestReadmeCommandExamplesRunAsPasted(t *testing.T) {
	bash := lookPathOrSkip(t, "bash")
	b := newBin(t)
	srv := asctest.NewUnstartedServer()
	srv.Start() // plain HTTP: curl and the binary reach it without a CA file
	t.Cleanup(srv.Close)
	routeReadmeExamples(srv)

	k := srv.Key()
	downloads := filepath.Join(b.home, "Downloads")
	os.MkdirAll(downloads, 0o700)
	h := &harness{t: t, sys: &system{workDir: downloads}}
	keyPath := h.addKeyPEM("AuthKey_"+k.ID+".p8", k.PrivateKey)
	// The decode line names the key file in the working directory.
	h.sys.workDir = b.dir
	h.addKeyPEM("AuthKey_2X9R4HXF34.p8", k.PrivateKey)

	b.env = []string{"ASC_KEY_ID=" + k.ID, "ASC_ISSUER_ID=" + k.IssuerID, "ASC_PRIVATE_KEY_PATH=" + keyPath, "ASC_BASE_URL=" + srv.URL}
	runReadmeLines(t, bash, b, strings.NewReplacer(
		"https://api.appstoreconnect.apple.com", srv.URL,
		"https://api.storekit.apple.com", srv.URL,
	))
}

// runReadmeLines runs each example line of the README's command section,
// and each proposed one, with bash as a pasted line runs, in b's directory
// with b's credentials, a $TOKEN made by the binary, and the binary first
// on PATH. paste turns Apple's URLs (and IDs) into the test server's; what
// an API line prints must be the API's data.
func runReadmeLines(t *testing.T, bash string, b *bin, paste *strings.Replacer) {
	t.Helper()
	token := b.run("token")
	token.expect(t, exitOK)
	env := append(slices.Clone(b.env),
		"HOME="+b.home,
		pathWithBinary(),
		"TOKEN="+strings.TrimSpace(token.stdout),
	)

	lines := readmeExamples(t)
	for _, p := range proposedExamples {
		if !slices.ContainsFunc(lines, func(l string) bool { return withoutComment(l) == p }) {
			lines = append(lines, p)
		}
	}
	for _, line := range lines {
		t.Run(line, func(t *testing.T) {
			if strings.HasPrefix(line, "curl ") {
				lookPathOrSkip(t, "curl")
			}
			pasted := paste.Replace(line)
			if m := changedApp.FindStringSubmatch(pasted); m != nil {
				change := `{"data":{"type":"apps","id":"` + m[1] + `","attributes":{"primaryLocale":"en-GB"}}}`
				if err := os.WriteFile(filepath.Join(b.dir, "change.json"), []byte(change), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, log, err := runBash(t, bash, b.dir, env, pasted)
			if err != nil {
				t.Fatalf("%s: %v\nstdout:\n%.2000s\nstderr:\n%s", pasted, err, out, log)
			}
			if (strings.HasPrefix(line, "curl ") || strings.HasPrefix(line, "ascjwt api ")) &&
				(!strings.Contains(out, `"data"`) && !strings.Contains(out, `"signedTransactions"`) || strings.Contains(out, `"errors"`)) {
				t.Fatalf("%s: stdout is not the API's data:\n%.2000s\nstderr:\n%s", pasted, out, log)
			}
		})
	}
}

// routeReadmeExamples adds what the examples call and asctest does not
// serve by default: builds with their apps, a PATCH of an app, and the App
// Store Server API's transaction history.
func routeReadmeExamples(srv *asctest.Server) {
	srv.Handle("GET /v1/builds", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("include") != "app" {
			http.Error(w, "want include=app", http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"data":     []any{map[string]any{"type": "builds", "id": "b1", "relationships": map[string]any{"app": map[string]any{"data": map[string]string{"type": "apps", "id": "123"}}}}},
			"included": []any{map[string]any{"type": "apps", "id": "123"}},
		})
	}))
	srv.Handle("PATCH /v1/apps/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc struct {
			Data struct {
				Type       string         `json:"type"`
				ID         string         `json:"id"`
				Attributes map[string]any `json:"attributes"`
			} `json:"data"`
		}
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &doc) != nil || doc.Data.ID != r.PathValue("id") || r.Header.Get("Content-Type") != "application/json" {
			writeJSON(w, http.StatusConflict, map[string]any{"errors": []map[string]string{{"status": "409", "code": "ENTITY_ERROR", "title": "bad body"}}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": doc.Data})
	}))
	srv.Handle("GET /inApps/v1/history/{tx}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"bundleId": "com.example.app", "hasMore": false, "signedTransactions": []string{}})
	}))
}

// withoutComment is a line without the comment the README aligns after it.
func withoutComment(line string) string {
	cmd, _, _ := strings.Cut(line, " #")
	return strings.TrimSpace(cmd)
}

// proposedServeSection is the sh block proposed for the README's section
// "## Testing from any language". Its wait loop waits for this run's file
// (the ready line names the pid, which $! holds), so that a file left by a
// killed run cannot satisfy it before the new server has removed it.
const proposedServeSection = `ascjwt serve --env-file asc.env &                     # TLS on 127.0.0.1, a new key each run
until grep -qs "(pid $!)" asc.env; do sleep 0.1; done # this run's file, whole, once it is ready
. ./asc.env                                           # ASC_BASE_URL, ASC_KEY_ID, ASC_ISSUER_ID, ASC_PRIVATE_KEY_PATH, ASC_CA_FILE
curl --cacert "$ASC_CA_FILE" -H "Authorization: Bearer $(ascjwt token)" "$ASC_BASE_URL/v1/apps"
ascjwt api /v1/apps                                   # no flag: api reads ASC_BASE_URL and trusts ASC_CA_FILE
kill %1                                               # SIGTERM: it removes its key and certificate, and exits 0
`

// serveSection returns the README's "Testing from any language" sh block,
// or the proposed one while the README has no such section.
func serveSection(t *testing.T) string {
	t.Helper()
	block, ok := readmeShBlock(t, "Testing from any language")
	if !ok {
		return proposedServeSection
	}
	return block
}

// readmeShBlock returns the first sh block of the README's section
// "## heading", and false when the README has no such section.
func readmeShBlock(t *testing.T, heading string) (string, bool) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## "+heading+"\n")
	if !ok {
		return "", false
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatalf("README.md's section %q has no sh block", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	return block, true
}

// TestReadmeServeSectionRunsAsPasted runs the README's "Testing from any
// language" lines as one bash script, as pasted, in an empty environment
// but for HOME, PATH (with the built ascjwt) and TMPDIR: curl and api reach
// the served API with no flag, and the server, stopped by the script's own
// kill, leaves nothing behind.
func TestReadmeServeSectionRunsAsPasted(t *testing.T) {
	bash := lookPathOrSkip(t, "bash")
	lookPathOrSkip(t, "curl")
	b := newBin(t)
	tmp := t.TempDir()
	block := serveSection(t)
	out, log, err := runBash(t, bash, b.dir, []string{"HOME=" + b.home, "TMPDIR=" + tmp, pathWithBinary()}, block)
	if err != nil {
		t.Fatalf("%v\n%s\nstdout:\n%.3000s\nstderr:\n%s", err, block, out, log)
	}
	if !strings.Contains(out, `{"data":[{"type":"apps"`) || !strings.Contains(out, "{\n  \"data\": [\n") || strings.Contains(out, `"errors"`) {
		t.Fatalf("want the apps from curl and from ascjwt api on stdout:\n%.3000s\nstderr:\n%s", out, log)
	}
	if n := strings.Count(log, "ascjwt serve: GET /v1/apps 200\n"); n != 2 || !strings.HasSuffix(log, "ascjwt serve: stopping\n") {
		t.Fatalf("want two requests logged and the server stopped, last:\n%s", log)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the server left %v in TMPDIR", left)
	}
	if _, err := os.Stat(filepath.Join(b.dir, "asc.env")); !os.IsNotExist(err) {
		t.Errorf("asc.env is still there: %v", err)
	}
}

// TestReadmeCommandExamplesRunAgainstServe runs each example line of the
// README's command section, as pasted, against the built binary's own
// ascjwt serve: every route they call is one the served fake has, with no
// route added by the test. Only what the README leaves to the reader is
// set: the credentials (from serve's output, in place of the README's
// export lines), the base URL where a line spells out Apple's, the files a
// line names (change.json, for the app the line changes, and
// AuthKey_2X9R4HXF34.p8), $TOKEN, and the fake's own IDs where a line
// names an example one: an app the fake has for app 123, a transaction ID
// for TXID (Apple's are digits, and the fake refuses anything else, as
// Apple does). A README that names the fake's IDs needs neither.
func TestReadmeCommandExamplesRunAgainstServe(t *testing.T) {
	bash := lookPathOrSkip(t, "bash")
	b := newBin(t)
	s := startServe(t, b, "serve", "--http") // plain HTTP: curl reaches it with no CA file
	served := parseEnv(t, s.stdout)
	key, err := os.ReadFile(served["ASC_PRIVATE_KEY_PATH"])
	if err != nil {
		t.Fatal(err)
	}
	// The decode line names the key file in the working directory.
	if err := os.WriteFile(filepath.Join(b.dir, "AuthKey_2X9R4HXF34.p8"), key, 0o600); err != nil {
		t.Fatal(err)
	}

	b.env = envList(served)
	runReadmeLines(t, bash, b, strings.NewReplacer(
		"https://api.appstoreconnect.apple.com", served["ASC_BASE_URL"],
		"https://api.storekit.apple.com", served["ASC_BASE_URL"],
		"/TXID", "/"+servedTransactionID,
		"/v1/apps/123", "/v1/apps/"+servedAppID,
	))
	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, s.stderr)
	}
}

// The fake's IDs for the README's example ones: the first of asctest's
// canned apps, and a transaction ID of Apple's form.
const (
	servedAppID         = "1000000001"
	servedTransactionID = "2000000123456789"
)

// changedApp finds the app a line changes with --input change.json.
var changedApp = regexp.MustCompile(`--input change\.json /v1/apps/(\w+)`)
