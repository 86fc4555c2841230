package ascjwt

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestDefaultHostsGetTheToken: with Hosts nil, Apple's API hosts and
// loopback get the token, any other host does not, and its request goes
// out untouched.
func TestDefaultHostsGetTheToken(t *testing.T) {
	checkTokenSentTo(t, &Transport{Source: newFixture(t).src}, "Basic caller-own", map[string]bool{
		AppStoreConnectURL + "/v1/apps":                        true,
		"https://API.AppStoreConnect.apple.com:443/v1/apps":    true,
		AppStoreServerURL + "/inApps/v1/history/1":             true,
		AppStoreServerSandboxURL + "/inApps/v1/history/1":      true,
		"http://127.0.0.1:8080/v1/apps":                        true,
		"http://127.5.6.7/v1/apps":                             true,
		"http://localhost:9/v1/apps":                           true,
		"http://[::1]:9/v1/apps":                               true,
		"https://store-012.blobstore.apple.com/upload/1":       false,
		"https://api.appstoreconnect.apple.com.evil.test/v1":   false,
		"https://appstoreconnect.apple.com/v1/apps":            false,
		"http://10.0.0.1/v1/apps":                              false,
		"http://localhost.evil.test/v1/apps":                   false,
		"https://api.push.apple.com/3/device/0":                false,
		"http://127.0.0.1.nip.test/v1/apps":                    false,
		"http://[::ffff:127.0.0.1]:9/v1/apps":                  true,
		"https://api.storekit.apple.com.attacker.test/inApps/": false,
	})
}

// TestHostsMeansExactlyThose: a non-nil Hosts replaces the defaults, loopback
// included; entries match in any case, with or without a port.
func TestHostsMeansExactlyThose(t *testing.T) {
	tr := &Transport{Source: newFixture(t).src, Hosts: []string{"API.example.test", "pinned.example.test:8443", "[::1]:9000"}}
	checkTokenSentTo(t, tr, "", map[string]bool{
		"https://api.example.test/v1":        true,
		"https://api.example.test:8443/v1":   true,
		"https://pinned.example.test:8443/x": true,
		"https://pinned.example.test/x":      false,
		"http://[::1]:9000/x":                true,
		"http://[::1]:9001/x":                false,
		AppStoreConnectURL + "/v1/apps":      false,
		"http://127.0.0.1/v1/apps":           false,
	})
}

// TestUploadHostGetsNoTokenOverTheWire: one client talks to the API on
// loopback and to an upload host by name (resolved to another local
// server, as Apple's upload URLs are on hosts of their own); the upload
// server never sees an Authorization header.
func TestUploadHostGetsNoTokenOverTheWire(t *testing.T) {
	uploadLog := &apitest.HeaderLog{Then: func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "The provided upload URLs are unauthenticated", http.StatusBadRequest)
		}
	}}
	upload := httptest.NewServer(uploadLog)
	defer upload.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer api.Close()

	base := upload.Client().Transport.(*http.Transport).Clone()
	uploadAddr := upload.Listener.Addr().String()
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "uploads.example.test:") {
			addr = uploadAddr
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	client := NewClient(&http.Client{Transport: base}, newFixture(t).src)
	_, port, _ := net.SplitHostPort(uploadAddr)
	for _, url := range []string{api.URL + "/v1/appScreenshots", "http://uploads.example.test:" + port + "/chunk/1", api.URL + "/v1/appScreenshots/1"} {
		req, _ := http.NewRequest("PUT", url, strings.NewReader("chunk"))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", url, resp.StatusCode)
		}
	}
	if seen := uploadLog.Headers(); len(seen) != 1 || seen[0].Get("Authorization") != "" {
		t.Errorf("the upload host saw %d requests, with headers %v; want one request without Authorization", len(seen), seen)
	}
}

func TestHostRuleDoesNotAllocateForAHostItHasSeen(t *testing.T) {
	tr := &Transport{Hosts: []string{"a.example.test", "b.example.test:8443", "[::1]:9"}}
	def := &Transport{}
	u := mustURL(t, "https://b.example.test:8443/v1/apps")
	l := mustURL(t, "http://127.0.0.1:8080/v1/apps")
	tr.rule().allows(u)
	def.rule().allows(l)
	if n := testing.AllocsPerRun(1000, func() { tr.rule().allows(u); def.rule().allows(l); def.rule().allows(u) }); n != 0 {
		t.Errorf("the host rule allocates %v times for hosts it has seen, want 0", n)
	}
}

// TestMalformedHostEntryIsRefusedWithWhatToWrite: an entry of Hosts or
// ExtraHosts that is not a host does not silently match nothing: every
// request fails, before anything is sent, with an error that names the
// entry, says what is wrong and what to write, and shows no secret.
func TestMalformedHostEntryIsRefusedWithWhatToWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hosts []string
		extra []string
		want  []string
	}{
		{"a URL with a path", []string{"https://api.enterprise.developer.apple.com/v1"}, nil,
			[]string{"Transport.Hosts[0] is a URL with a path", `write its host alone, "api.enterprise.developer.apple.com"`}},
		{"a URL with a password", []string{"api.example.test", "https://user:s3cr3t@api.example.test"}, nil,
			[]string{"Transport.Hosts[1]", "user information", `"api.example.test"`}},
		{"a path without a scheme", nil, []string{"api.example.test/v1"}, []string{"Transport.ExtraHosts[0]", `holds "/"`}},
		{"a wildcard", []string{"*.apple.com"}, nil, []string{"wildcard"}},
		{"empty", []string{""}, nil, []string{"Transport.Hosts[0] is empty"}},
		{"a port out of range", []string{"api.example.test:99999"}, nil, []string{"port"}},
		{"another scheme", nil, []string{"ftp://api.example.test"}, []string{"scheme other than http:// or https://"}},
		{"white space", []string{" api.example.test"}, nil, []string{"white space"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent := false
			tr := &Transport{Source: newFixture(t).src, Hosts: tc.hosts, ExtraHosts: tc.extra,
				Base: baseFunc(func(r *http.Request) (*http.Response, error) {
					sent = true
					return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
				})}
			for range 2 { // every request, not only the first
				body := &closeCounter{Reader: strings.NewReader("{}")}
				req, _ := http.NewRequest("POST", "https://api.example.test/v1/apps", body)
				resp, err := tr.RoundTrip(req)
				if resp != nil || err == nil || !strings.HasPrefix(err.Error(), "ascjwt: ") {
					t.Fatalf("RoundTrip = %v, %v; want an ascjwt error", resp, err)
				}
				for _, w := range append(tc.want, "write") {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("error %q shows the password", err)
				}
				if body.closed.Load() != 1 {
					t.Error("the request body was not closed")
				}
			}
			if sent {
				t.Error("a request went out under a malformed host rule")
			}
		})
	}
}

// TestExtraHostsAddToTheDefaults: ExtraHosts adds hosts without dropping
// the source's hosts and loopback; an origin entry ("https://host") is that
// host on that scheme's port.
func TestExtraHostsAddToTheDefaults(t *testing.T) {
	tr := &Transport{Source: newFixture(t).src, ExtraHosts: []string{"https://API.enterprise.developer.apple.com", "proxy.example.test:8443"}}
	checkTokenSentTo(t, tr, "", map[string]bool{
		"https://api.enterprise.developer.apple.com/v1/x":      true,
		"https://api.enterprise.developer.apple.com:443/v1/x":  true,
		"https://api.enterprise.developer.apple.com:8443/v1/x": false,
		"https://proxy.example.test:8443/v1/apps":              true,
		"https://proxy.example.test/v1/apps":                   false,
		AppStoreConnectURL + "/v1/apps":                        true,
		"http://127.0.0.1:8080/v1/apps":                        true,
		"https://other.example.test/v1/apps":                   false,
	})
}

// hostScoped is a source whose tokens are for hosts, as an API package's are.
type hostScoped struct {
	TokenSource
	hosts []string
}

func (s hostScoped) TokenHosts() []string { return s.hosts }

// TestTokenGoesOverPlainHTTPOnlyToLoopbackOrWhereSaid: under the default
// rule a token goes to an API host over https only (plain http would show a
// MusicKit token, good for months, to anyone on the path), and to loopback
// over either; a Hosts entry opts a host in to plain http only when it is
// written "http://host:port".
func TestTokenGoesOverPlainHTTPOnlyToLoopbackOrWhereSaid(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		src   TokenSource
		hosts []string
		urls  map[string]bool
	}{
		{"default rule", f.src, nil, map[string]bool{
			"https://api.appstoreconnect.apple.com/v1/apps":    true,
			"http://api.appstoreconnect.apple.com/v1/apps":     false,
			"http://api.appstoreconnect.apple.com:443/v1/apps": false,
			"HTTP://api.storekit.apple.com/inApps/v1/history":  false,
			"http://127.0.0.1:8080/v1/apps":                    true,
			"http://localhost/v1/apps":                         true,
			"http://[::1]:9/v1/apps":                           true,
		}},
		{"a source's hosts with a port", hostScoped{f.src, []string{"api.push.example.test:443"}}, nil, map[string]bool{
			"https://api.push.example.test/3/device/0":    true,
			"http://api.push.example.test:443/3/device/0": false,
		}},
		{"Hosts", f.src, []string{"api.example.test", "http://proxy.example.test:8080", "127.0.0.1:9000"}, map[string]bool{
			"https://api.example.test/v1":        true,
			"http://api.example.test/v1":         false,
			"http://proxy.example.test:8080/v1":  true,
			"https://proxy.example.test:8080/v1": true,
			"http://proxy.example.test:8081/v1":  false,
			"http://proxy.example.test/v1":       false,
			"http://127.0.0.1:9000/v1":           true,
		}},
		{"an http origin without a port is on port 80", f.src, []string{"http://proxy.example.test"}, map[string]bool{
			"http://proxy.example.test/v1":      true,
			"http://proxy.example.test:80/v1":   true,
			"http://proxy.example.test:8080/v1": false,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkTokenSentTo(t, &Transport{Source: tc.src, Hosts: tc.hosts}, "", tc.urls)
		})
	}
}

// TestAppStoreServerAPIsEarlierHostsGetTheToken: the App Store Server API's
// itunes.apple.com hosts, which Apple documented until May 2026 and most
// clients still call (richzw/appstore among them), get the token by default,
// as its current hosts do.
func TestAppStoreServerAPIsEarlierHostsGetTheToken(t *testing.T) {
	checkTokenSentTo(t, &Transport{Source: newFixture(t).src}, "", map[string]bool{
		"https://api.storekit.itunes.apple.com/inApps/v1/history/1":         true,
		"https://api.storekit-sandbox.itunes.apple.com/inApps/v1/history/1": true,
		"https://api.storekit.itunes.apple.com.attacker.test/inApps/":       false,
		"https://storekit.itunes.apple.com/inApps/v1/history/1":             false,
	})
}

// TestEnterpriseSourceSendsItsTokenToTheEnterpriseHost: a source with
// AudienceEnterprise sends its tokens to the Enterprise Program API's host
// by default, and not to the App Store APIs, which would refuse them; a
// source that does not say its hosts gets both.
func TestEnterpriseSourceSendsItsTokenToTheEnterpriseHost(t *testing.T) {
	enterprise := newFixture(t, func(c *Config) { c.Audience = AudienceEnterprise }).src
	for _, tc := range []struct {
		name string
		src  TokenSource
		urls map[string]bool
	}{
		{"enterprise source", enterprise, map[string]bool{
			EnterpriseURL + "/v1/bundleIds":  true,
			AppStoreConnectURL + "/v1/apps":  false,
			"http://127.0.0.1:9/v1/profiles": true,
		}},
		{"App Store Connect source", newFixture(t).src, map[string]bool{
			EnterpriseURL + "/v1/bundleIds": false,
			AppStoreConnectURL + "/v1/apps": true,
		}},
		{"a source that does not say", sourceFunc(enterprise.Token), map[string]bool{
			EnterpriseURL + "/v1/bundleIds": true,
			AppStoreConnectURL + "/v1/apps": true,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkTokenSentTo(t, &Transport{Source: tc.src}, "", tc.urls)
		})
	}
}

// checkTokenSentTo sends a GET to each of urls through tr, its Base replaced
// by one that records the Authorization header each request went out with,
// and fails t unless exactly the URLs marked true carried a token.
// callerAuth, when not "", is an Authorization header the caller sets on
// each request: those that get no token must go out with it untouched.
func checkTokenSentTo(t *testing.T, tr *Transport, callerAuth string, urls map[string]bool) {
	t.Helper()
	var sent string
	tr.Base = baseFunc(func(r *http.Request) (*http.Response, error) {
		sent = r.Header.Get("Authorization")
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	for url, want := range urls {
		sent = ""
		req, _ := http.NewRequest("GET", url, nil)
		if callerAuth != "" {
			req.Header.Set("Authorization", callerAuth)
		}
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if got := strings.HasPrefix(sent, "Bearer ey"); got != want {
			t.Errorf("%s: token sent %v, want %v", url, got, want)
		}
		if !want && callerAuth != "" && sent != callerAuth {
			t.Errorf("%s: the request did not go out as the caller made it: Authorization %q", url, sent)
		}
	}
}
