package main

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/maps"
	"github.com/ascjwt/ascjwt/musickit"
	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/weatherkit"
)

// fakeClient is what a client in another language would do with the env
// file's variables: load the key file, trust the CA file, and call the
// fake. Here each is done with the API's own package, from nothing but the
// variables; env holds them without the prefix.
type fakeClient struct {
	vars []string // besides BASE_URL, KEY_ID, PRIVATE_KEY_PATH, CA_FILE
	// source makes the API's token source; request is the call made with
	// its token, to the path the fake logs.
	source  func(env map[string]string, key *ecdsa.PrivateKey, base *http.Client) (ascjwt.TokenSource, error)
	request func(baseURL string) (req *http.Request, path string)
	// call replaces source and request for an API whose token is not a
	// bearer (Sign in with Apple's client secret).
	call func(t *testing.T, env map[string]string, key *ecdsa.PrivateKey, base *http.Client) (path string)
}

// run makes fc's call and returns the path the fake logs for it.
func (fc fakeClient) run(t *testing.T, env map[string]string, key *ecdsa.PrivateKey, base *http.Client) string {
	t.Helper()
	if fc.call != nil {
		return fc.call(t, env, key, base)
	}
	src, err := fc.source(env, key, base)
	if err != nil {
		t.Fatal(err)
	}
	req, path := fc.request(env["BASE_URL"])
	expectOK(t, ascjwt.NewClient(base, src), req)
	return path
}

// get is a request for a GET of path (with query, if any).
func get(path, query string) func(string) (*http.Request, string) {
	return func(baseURL string) (*http.Request, string) {
		req, _ := http.NewRequest("GET", baseURL+path+query, nil)
		return req, path
	}
}

var fakeClients = map[string]fakeClient{
	"apns": {
		vars: []string{"TEAM_ID"},
		source: func(env map[string]string, key *ecdsa.PrivateKey, _ *http.Client) (ascjwt.TokenSource, error) {
			return apns.NewTokenSource(apns.Config{KeyID: env["KEY_ID"], TeamID: env["TEAM_ID"], PrivateKey: key})
		},
		request: func(baseURL string) (*http.Request, string) {
			path := "/3/device/" + strings.Repeat("ab", 32)
			req, _ := http.NewRequest("POST", baseURL+path, strings.NewReader(`{"aps":{"alert":"hello"}}`))
			req.Header.Set("apns-topic", "com.example.app")
			return req, path
		},
	},
	"musickit": {
		vars: []string{"TEAM_ID"},
		source: func(env map[string]string, key *ecdsa.PrivateKey, _ *http.Client) (ascjwt.TokenSource, error) {
			return musickit.NewTokenSource(musickit.Config{KeyID: env["KEY_ID"], TeamID: env["TEAM_ID"], PrivateKey: key})
		},
		request: get("/v1/catalog/us/songs/203709340", ""),
	},
	"weatherkit": {
		vars: []string{"TEAM_ID", "SERVICE_ID"},
		source: func(env map[string]string, key *ecdsa.PrivateKey, _ *http.Client) (ascjwt.TokenSource, error) {
			return weatherkit.NewTokenSource(weatherkit.Config{KeyID: env["KEY_ID"], TeamID: env["TEAM_ID"], ServiceID: env["SERVICE_ID"], PrivateKey: key})
		},
		request: get("/api/v1/availability/51.5/-0.12", ""),
	},
	"maps": {
		vars: []string{"TEAM_ID", "TOKEN_URL"},
		source: func(env map[string]string, key *ecdsa.PrivateKey, base *http.Client) (ascjwt.TokenSource, error) {
			return maps.NewTokenSource(maps.Config{KeyID: env["KEY_ID"], TeamID: env["TEAM_ID"], PrivateKey: key, TokenURL: env["TOKEN_URL"], Client: base})
		},
		request: get("/v1/geocode", "?q=Cupertino"),
	},
	"axm": {
		vars: []string{"CLIENT_ID", "TOKEN_URL", "SCOPE"},
		source: func(env map[string]string, key *ecdsa.PrivateKey, base *http.Client) (ascjwt.TokenSource, error) {
			return axm.NewTokenSource(axm.Config{KeyID: env["KEY_ID"], ClientID: env["CLIENT_ID"], PrivateKey: key, Scope: env["SCOPE"], TokenURL: env["TOKEN_URL"], Client: base})
		},
		request: get("/v1/orgDevices", ""),
	},
	"signinwithapple": {
		vars: []string{"TEAM_ID", "CLIENT_ID", "TOKEN_URL", "AUTH_URL", "KEYS_URL", "REVOKE_URL"},
		call: signInWithAppleClient,
	},
}

// signInWithAppleClient signs a user in: the authorization endpoint
// redirects back with a code, which the server exchanges with its client
// secret.
func signInWithAppleClient(t *testing.T, env map[string]string, key *ecdsa.PrivateKey, base *http.Client) string {
	src, err := signinwithapple.NewClientSecretSource(signinwithapple.Config{KeyID: env["KEY_ID"], TeamID: env["TEAM_ID"], ClientID: env["CLIENT_ID"], PrivateKey: key})
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := *base
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	const back = "https://app.example.com/callback"
	resp, err := noRedirect.Get(env["AUTH_URL"] + "?" + url.Values{"response_type": {"code"}, "client_id": {env["CLIENT_ID"]}, "redirect_uri": {back}, "state": {"s1"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || to.Query().Get("code") == "" {
		t.Fatalf("authorize: %s, Location %q; want a redirect with a code", resp.Status, resp.Header.Get("Location"))
	}
	secret, err := src.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	resp, err = base.PostForm(env["TOKEN_URL"], url.Values{"grant_type": {"authorization_code"}, "code": {to.Query().Get("code")},
		"client_id": {env["CLIENT_ID"]}, "client_secret": {secret.Value}, "redirect_uri": {back}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.IDToken == "" {
		t.Fatalf("token: %s\n%s", resp.Status, body)
	}
	u, _ := url.Parse(env["TOKEN_URL"])
	return u.Path
}

func expectOK(t *testing.T, client *http.Client, req *http.Request) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s\n%s", req.Method, req.URL.Path, resp.Status, body)
	}
}

// TestServeRunsEveryFakeOnItsOwn starts the built binary with --api NAME
// for each fake, and with nothing but the variables it printed (the key
// file, key ID, team or client ID, token URLs, CA file) a client reaches
// it: its request is answered 200 and logged. SIGTERM stops it, exit 0,
// with nothing left behind.
func TestServeRunsEveryFakeOnItsOwn(t *testing.T) {
	for _, api := range fakeAPIs {
		if api.name == "asc" {
			continue // TestServeEndToEnd
		}
		fc, ok := fakeClients[api.name]
		if !ok {
			t.Fatalf("no client in this test for --api %s", api.name)
		}
		t.Run(api.name, func(t *testing.T) {
			b := newBin(t)
			s := startServe(t, b, "serve", "--api", api.name, "--env-file", "fake.env")
			if data, err := os.ReadFile(filepath.Join(b.dir, "fake.env")); err != nil || string(data) != s.stdout {
				t.Fatalf("the env file (%v) is not what stdout printed", err)
			}
			env := map[string]string{}
			for k, v := range parseEnv(t, s.stdout) {
				name, ok := strings.CutPrefix(k, api.prefix+"_")
				if !ok {
					t.Fatalf("variable %s is not under the prefix %s_", k, api.prefix)
				}
				env[name] = v
			}
			for _, v := range append([]string{"BASE_URL", "KEY_ID", "PRIVATE_KEY_PATH", "CA_FILE"}, fc.vars...) {
				if env[v] == "" {
					t.Fatalf("no %s_%s in:\n%s", api.prefix, v, s.stdout)
				}
			}
			if len(env) != 4+len(fc.vars) {
				t.Errorf("variables %v; want exactly %v and the four every fake has", env, fc.vars)
			}
			keyData, err := os.ReadFile(env["PRIVATE_KEY_PATH"])
			if err != nil || filepath.Base(env["PRIVATE_KEY_PATH"]) != "AuthKey_"+env["KEY_ID"]+".p8" {
				t.Fatalf("key file %q: %v", env["PRIVATE_KEY_PATH"], err)
			}
			k, err := x509.ParsePKCS8PrivateKey(pemBody(t, keyData, "PRIVATE KEY"))
			if err != nil {
				t.Fatal(err)
			}
			caData, err := os.ReadFile(env["CA_FILE"])
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(caData) {
				t.Fatal("the CA file holds no certificate")
			}
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
			defer tr.CloseIdleConnections()
			path := fc.run(t, env, k.(*ecdsa.PrivateKey), &http.Client{Transport: tr})

			if code := s.stop(syscall.SIGTERM); code != 0 {
				t.Fatalf("exit %d after SIGTERM\nstderr:\n%s", code, s.stderr)
			}
			log := s.stderr.String()
			if !strings.Contains(log, "ascjwt serve: a fake "+api.title+" at https://127.0.0.1:") || !strings.Contains(log, " "+path+" 200\n") {
				t.Errorf("want the fake named and the request logged with its status:\n%s", log)
			}
			s.expectCleanedUp(filepath.Join(b.dir, "fake.env"))
		})
	}
}

// TestServeLogsWhyAFakeRefused: a fake's refusal is logged with the reason
// in its body (APNs' "reason"), never with the token.
func TestServeLogsWhyAFakeRefused(t *testing.T) {
	b := newBin(t)
	s := startServe(t, b, "serve", "--api", "apns")
	env := parseEnv(t, s.stdout)
	pool := x509.NewCertPool()
	caData, _ := os.ReadFile(env["APNS_CA_FILE"])
	pool.AppendCertsFromPEM(caData)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", env["APNS_BASE_URL"]+"/3/device/abcd", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "bearer not-a-token")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if log := s.stderr.String(); !strings.Contains(log, `ascjwt serve: POST /3/device/abcd 403 "InvalidProviderToken"`+"\n") {
		t.Fatalf("want the refusal and its reason logged:\n%s", log)
	} else if strings.Contains(log, "not-a-token") {
		t.Fatalf("the log holds the token:\n%s", log)
	}
}

// TestServeRefusesFlagsTheFakeCannotHonour: --http for APNs (HTTP/2 over
// TLS only), --rate-limit for a fake with no hourly budget, and an unknown
// --api are usage mistakes, found before anything listens.
func TestServeRefusesFlagsTheFakeCannotHonour(t *testing.T) {
	b := newBin(t)
	tmp := t.TempDir()
	b.env = []string{"TMPDIR=" + tmp}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--api", "apns", "--http"}, "--http does not go with --api apns: APNs speaks HTTP/2"},
		{[]string{"--api", "maps", "--rate-limit", "5"}, "--rate-limit is for --api asc; the Maps Server API fake has no hourly limit"},
		{[]string{"--api", "gamecenter"}, `--api "gamecenter": no such fake; want one of asc, apns, musickit, weatherkit, maps, axm, signinwithapple`},
	} {
		r := b.run(append([]string{"serve"}, tc.args...)...)
		r.expect(t, exitUsage, tc.want, "run 'ascjwt serve --help'")
		if r.stdout != "" {
			t.Errorf("stdout: %q", r.stdout)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a refused run wrote to TMPDIR: %v", left)
	}
}
