package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/ascjwt/ascjwt/apns/apnstest"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/axm/axmtest"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
	"github.com/ascjwt/ascjwt/maps/mapstest"
	"github.com/ascjwt/ascjwt/musickit/musickittest"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
	"github.com/ascjwt/ascjwt/weatherkit/weatherkittest"
)

// fakeAPI is one of the fakes serve runs: its --api name, what it stands
// for, the prefix of the variables it hands a client, and how to make it.
// Each is made with the fake package's own constructor, so that serve runs
// exactly what a Go test gets.
type fakeAPI struct {
	name    string
	title   string // "App Store Connect API", for messages
	prefix  string // of the variables: ASC_BASE_URL, APNS_BASE_URL, ...
	tlsOnly bool   // APNs speaks HTTP/2, which Go serves over TLS only
	// rateLimited says the fake counts each key's requests in an hourly
	// budget that --rate-limit sets.
	rateLimited bool
	make        func(log func(string)) *fakeServer
}

// fakeServer is a fake, not yet started, as serve needs it: its
// httptest.Server (to listen where serve says, with serve's certificate)
// and, once started, what a client needs besides the base URL.
type fakeServer struct {
	srv   *httptest.Server
	close func() // the fake's own Close, which may release what it holds
	// logs says the fake logs each request itself (asctest, with the rule
	// a refused token broke); the others get serve's log of each response.
	logs bool
	// rateLimit sets the hourly limit per key (fakeAPI.rateLimited).
	rateLimit func(perHour int)
	// creds is read once the server listens: its URL is in the token URLs.
	creds func() fakeCreds
	// store is the asc fake, whose App Store Server routes sign as the App
	// Store does: serve writes its root and sets where it notifies.
	store *asctest.Server
}

// fakeCreds is what a client of the fake needs: the key, and the variables
// beside the base URL, key file and CA file, named without the prefix.
type fakeCreds struct {
	keyID string
	key   crypto.Signer
	vars  [][2]string
}

// fakeAPIs are the fakes --api names, asc first (the default).
var fakeAPIs = []fakeAPI{
	{"asc", "App Store Connect API (and App Store Server API)", "ASC", false, true, newASCFake},
	{"apns", "APNs", "APNS", true, false, newAPNsFake},
	{"musickit", "Apple Music API", "MUSICKIT", false, false, newMusicKitFake},
	{"weatherkit", "WeatherKit REST API", "WEATHERKIT", false, false, newWeatherKitFake},
	{"maps", "Maps Server API", "MAPS", false, false, newMapsFake},
	{"axm", "Apple Business Manager API", "AXM", false, false, newAXMFake},
	{"signinwithapple", "Sign in with Apple", "SIWA", false, false, newSignInWithAppleFake},
}

func fakeNames() []string {
	var names []string
	for _, f := range fakeAPIs {
		names = append(names, f.name)
	}
	return names
}

func lookupFake(name string) (fakeAPI, bool) {
	for _, f := range fakeAPIs {
		if f.name == name {
			return f, true
		}
	}
	return fakeAPI{}, false
}

func newASCFake(log func(string)) *fakeServer {
	srv := asctest.NewUnstartedServer()
	srv.SetRequestLog(func(e asctest.RequestLog) {
		log("ascjwt serve: " + e.String()) // String escapes the path
	})
	return &fakeServer{srv: srv.Server, close: srv.Close, logs: true, rateLimit: srv.SetRateLimit, store: srv,
		creds: func() fakeCreds {
			k := srv.Key()
			return fakeCreds{keyID: k.ID, key: k.PrivateKey, vars: [][2]string{{"ISSUER_ID", k.IssuerID}}}
		}}
}

func newAPNsFake(func(string)) *fakeServer {
	srv := apnstest.NewUnstartedServer()
	return newTeamFake(srv.Server, srv.Close, func() fakeserver.Key { return fakeserver.Key(srv.Key()) })
}

func newMusicKitFake(func(string)) *fakeServer {
	srv := musickittest.NewUnstartedServer()
	return newTeamFake(srv.Server, srv.Close, srv.Key)
}

func newWeatherKitFake(func(string)) *fakeServer {
	srv := weatherkittest.NewUnstartedServer()
	return newTeamFake(srv.Server, srv.Close, srv.Key, [2]string{"SERVICE_ID", srv.Config().ServiceID})
}

// newTeamFake is a fake whose client needs nothing but the key its Config
// signs with (key, the fake's first) and that key's Team ID, then vars
// (APNs, MusicKit, WeatherKit): serve runs it on srv and stops it with
// close.
func newTeamFake(srv *httptest.Server, close func(), key func() fakeserver.Key, vars ...[2]string) *fakeServer {
	return &fakeServer{srv: srv, close: close, creds: func() fakeCreds {
		k := key()
		return fakeCreds{keyID: k.ID, key: k.PrivateKey, vars: append([][2]string{{"TEAM_ID", k.TeamID}}, vars...)}
	}}
}

func newMapsFake(func(string)) *fakeServer {
	srv := mapstest.NewUnstartedServer()
	return &fakeServer{srv: srv.Server, close: srv.Close, creds: func() fakeCreds {
		cfg := srv.Config()
		return fakeCreds{keyID: cfg.KeyID, key: cfg.PrivateKey, vars: [][2]string{{"TEAM_ID", cfg.TeamID}, {"TOKEN_URL", cfg.TokenURL}}}
	}}
}

func newAXMFake(func(string)) *fakeServer {
	srv := axmtest.NewUnstartedServer(axm.ScopeBusiness)
	return &fakeServer{srv: srv.Server, close: srv.Close, creds: func() fakeCreds {
		cfg := srv.Config()
		return fakeCreds{keyID: cfg.KeyID, key: cfg.PrivateKey, vars: [][2]string{
			{"CLIENT_ID", cfg.ClientID}, {"TOKEN_URL", cfg.TokenURL}, {"SCOPE", axm.ScopeBusiness}}}
	}}
}

func newSignInWithAppleFake(func(string)) *fakeServer {
	srv := signinwithappletest.NewUnstartedServer()
	return &fakeServer{srv: srv.Server, close: srv.Close, creds: func() fakeCreds {
		cfg := srv.Config()
		return fakeCreds{keyID: cfg.KeyID, key: cfg.PrivateKey, vars: [][2]string{
			{"TEAM_ID", cfg.TeamID}, {"CLIENT_ID", cfg.ClientID}, {"TOKEN_URL", srv.TokenURL()}, {"AUTH_URL", srv.AuthURL()},
			{"KEYS_URL", srv.KeysURL()}, {"REVOKE_URL", srv.RevokeURL()}}}
	}}
}

// keyPEM is key as Apple's .p8 file holds it: PKCS #8, PEM.
func keyPEM(key crypto.Signer) ([]byte, error) {
	k, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the fake's key is a %T, not an ECDSA key", key)
	}
	return fakeserver.KeyPEM(k), nil
}

// logResponses wraps a fake's handler to log each response as asctest logs
// its own: method, path, status, and for a refusal the reason the fake
// gave in its body (APNs' "reason", an OAuth endpoint's "error"), never a
// token.
func logResponses(h http.Handler, log func(string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &responseLog{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		line := fmt.Sprintf("ascjwt serve: %s %s %d", r.Method, r.URL.Path, rec.status)
		if reason := rec.reason(); reason != "" {
			line += fmt.Sprintf(" %q", reason)
		}
		log(line) // the log escapes the line
	})
}

// maxLoggedBody is how much of a refusal's body is kept to find its reason.
const maxLoggedBody = 1 << 10

// responseLog records a response's status, and the start of its body when
// it is a refusal.
type responseLog struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (l *responseLog) WriteHeader(status int) {
	if !l.wroteHeader {
		l.status, l.wroteHeader = status, true
	}
	l.ResponseWriter.WriteHeader(status)
}

func (l *responseLog) Write(p []byte) (int, error) {
	l.wroteHeader = true
	if l.status >= 300 && l.body.Len() < maxLoggedBody {
		l.body.Write(p[:min(len(p), maxLoggedBody-l.body.Len())])
	}
	return l.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (l *responseLog) Unwrap() http.ResponseWriter { return l.ResponseWriter }

// reason is the refusal's reason from its JSON body, if it has one.
func (l *responseLog) reason() string {
	var body struct {
		Reason string `json:"reason"`
		Error  string `json:"error"`
	}
	if l.body.Len() == 0 || json.Unmarshal(l.body.Bytes(), &body) != nil {
		return ""
	}
	return strings.TrimSpace(body.Reason + " " + body.Error)
}
