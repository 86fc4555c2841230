package asctest

import (
	"crypto/ecdsa"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// Server is a fake App Store Connect API on an [httptest.Server]. It checks the
// token of every request the way Apple does and answers a failure with
// Apple's 401; requests that pass reach the default routes (/v1/apps) or
// those added with Handle. URL, Client and Close come from the embedded
// [httptest.Server] (whose own Config field is at srv.Server.Config).
type Server struct {
	*httptest.Server

	keys  *fakeserver.Keys // the team's keys and the individual ones (of no team)
	first Key
	clock fakeclock.Clock

	mu       sync.Mutex
	limits   map[string]*[apiCount]limits // the requests counted against the rate limits, by key ID and API
	limit    int
	burst    int // requests per second per key; 0 for no burst limit
	stats    Stats
	seen     map[string]string   // accepted tokens by Token.id, with their key IDs
	revoked  map[string]struct{} // tokens refused by RevokeTokens, by Token.id
	logf     func(RequestLog)
	defaults *http.ServeMux
	user     *http.ServeMux
	catalog  *catalog // the canned apps and builds

	uploads     *http.ServeMux     // the upload origin's routes
	uploadsByID map[string]*upload // reservations
	uploadBytes int                // the sizes of the uncommitted ones
	partSize    int
	store       storeState // the App Store Server API's signing CA and test notifications
}

// Key is an API key the server knows: its ID, its issuer (empty for an
// individual key) and its private key, which lives in memory only.
type Key struct {
	ID         string
	IssuerID   string // empty for an individual key
	PrivateKey *ecdsa.PrivateKey
}

// Stats are the server's counters, for tests to assert on.
type Stats struct {
	Accepted      int    // requests whose token passed
	Rejected      int    // requests answered 401
	RateLimited   int    // requests answered 429, for either limit
	BurstLimited  int    // of those, the ones over the burst limit (SetBurstLimit)
	Tokens        int    // distinct tokens among accepted requests (by what was signed and the signature): reuse shows as 1
	LastRejection string // the detail of the last 401, naming the rule

	UploadsRefused int // requests to the upload origin refused for carrying an Authorization header
	PartsReceived  int // upload parts stored (a part sent again counts again)
}

// DefaultRateLimit is the hourly request limit per key, as Apple's header
// reports it.
const DefaultRateLimit = 3500

// NewServer starts a TLS server with one team key, made afresh in memory:
// tokens for another server, or for this one after it is restarted, fail.
// Use srv.Config() for a token source and srv.Client() as the base client.
func NewServer() *Server { return fakeserver.StartedTLS(NewUnstartedServer()) }

// NewUnstartedServer returns a server that is not yet listening, as
// [httptest.NewUnstartedServer] does: call Start for plain HTTP (so that
// [http.DefaultClient] can reach it) or StartTLS, and Close when done.
//
// Before starting it, a server can be moved to a listener of the caller's
// choosing, an address given on a command line say, the way httptest allows:
//
//	srv := asctest.NewUnstartedServer()
//	l, err := net.Listen("tcp", addr)
//	...
//	srv.Listener.Close() // the loopback listener made for it
//	srv.Listener = l
//	srv.StartTLS()       // or srv.Start() for plain HTTP
//
// With TLS, the certificate is httptest's, valid for 127.0.0.1, ::1,
// example.com and its subdomains (so [UploadHost] too):
// [Server.CertificatePEM] gives it to clients outside the process.
func NewUnstartedServer() *Server {
	s := &Server{
		keys:     fakeserver.NewKeysOf(fakeserver.NewUUID()),
		limits:   make(map[string]*[apiCount]limits),
		limit:    DefaultRateLimit,
		seen:     make(map[string]string),
		revoked:  make(map[string]struct{}),
		defaults: http.NewServeMux(),
		user:     http.NewServeMux(),
		catalog:  newCatalog(),

		uploads:     http.NewServeMux(),
		uploadsByID: make(map[string]*upload),
		partSize:    DefaultUploadPartSize,
	}
	s.first = s.AddKey()
	s.routeApps()
	s.routeUploads()
	s.routeStoreServer()
	s.Server = fakeserver.NewUnstarted(http.HandlerFunc(s.serve))
	return s
}

// Config returns an [ascjwt.Config] for the server's first key, on the
// server's clock: pass it to [ascjwt.NewTokenSource]. This method hides the
// embedded [httptest.Server]'s Config field; that one is srv.Server.Config.
func (s *Server) Config() ascjwt.Config { return s.ConfigFor(s.first) }

// ConfigFor returns an [ascjwt.Config] for key k, on the server's clock.
func (s *Server) ConfigFor(k Key) ascjwt.Config {
	return ascjwt.Config{KeyID: k.ID, IssuerID: k.IssuerID, PrivateKey: k.PrivateKey, Now: s.Now}
}

// CertificatePEM returns the TLS certificate of a server started with
// StartTLS as PEM, for a client outside the process to trust for this
// server alone (curl's --cacert, a CA file given to one command); nil for a
// plain HTTP server. The certificate is httptest's: a CA whose private key
// is public in Go's source, so never add it to a trust store that anything
// else uses (SSL_CERT_FILE, the system's). `ascjwt serve` makes a
// certificate of its own for each run instead.
func (s *Server) CertificatePEM() []byte {
	cert := s.Certificate()
	if cert == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// Key returns the server's first key, the one Config uses.
func (s *Server) Key() Key { return s.first }

// IssuerID returns the issuer ID of the server's team keys.
func (s *Server) IssuerID() string { return s.keys.Team() }

// AddKey makes a new team key the server accepts, for testing rotation.
func (s *Server) AddKey() Key { return s.addKey(s.keys.Team()) }

// AddIndividualKey makes a new individual key: its tokens carry sub "user"
// and no iss.
func (s *Server) AddIndividualKey() Key { return s.addKey("") }

func (s *Server) addKey(issuerID string) Key {
	k := s.keys.Register(fakeserver.NewID(), issuerID)
	return Key{ID: k.ID, IssuerID: k.TeamID, PrivateKey: k.PrivateKey}
}

// Revoke makes every token of the key fail from now on, as revoking it in
// App Store Connect does.
func (s *Server) Revoke(keyID string) { s.keys.Revoke(keyID) }

// RevokeTokens refuses from now on every token of the key that the server
// has accepted so far (known by what was signed and the signature, so that
// no other spelling of one passes), while new tokens of the key pass: what a client sees
// when the server restarts, or stops trusting tokens issued before some
// moment. It is the way to test the retry on 401.
func (s *Server) RevokeTokens(keyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, kid := range s.seen {
		if kid == keyID {
			s.revoked[id] = struct{}{}
		}
	}
}

// Now returns the server's clock reading, which the configs it hands out
// share: moving it moves the token sources' clocks too.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Advance moves the server's clock forward by d, to see tokens age and
// expire without waiting.
func (s *Server) Advance(d time.Duration) { s.clock.Advance(d) }

// SetClock replaces the server's clock; nil restores [time.Now].
func (s *Server) SetClock(now func() time.Time) { s.clock.SetClock(now) }

// SetRateLimit sets the hourly request limit per key; past it, requests get
// 429 RATE_LIMIT_EXCEEDED (App Store Connect API) or errorCode 4290000 (App
// Store Server API, whose budget is counted apart). The hour is a rolling
// one, on the server's clock: a request counts until an hour after it was
// accepted, so Advance frees the budget. Set it low to test how a client
// backs off.
func (s *Server) SetRateLimit(perHour int) {
	s.mu.Lock()
	s.limit = perHour
	s.mu.Unlock()
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Handle adds a route for requests whose token passed, with the patterns of
// [http.ServeMux] ("GET /v1/builds/{id}"). A route added here takes precedence
// over the default ones.
func (s *Server) Handle(pattern string, handler http.Handler) {
	s.user.Handle(pattern, handler)
}

// answer serves r and returns the rule and detail of a refusal. Requests
// for the upload origin take no token; the others are checked, counted
// against the rate limits, and routed, each refusal in the form of the API
// the path belongs to.
func (s *Server) answer(w http.ResponseWriter, r *http.Request) (rule, detail string) {
	if isUploadHost(r.Host) {
		s.serveUpload(w, r)
		return "", ""
	}
	a := apiFor(r.URL.Path)
	key, id, err := s.authenticate(r)
	s.mu.Lock()
	if err != nil {
		s.stats.Rejected++
		s.stats.LastRejection = err.Error()
		s.mu.Unlock()
		if a == appStoreServer {
			writeStoreServer401(w)
		} else {
			writeError(w, http.StatusUnauthorized, "NOT_AUTHORIZED", "Authentication credentials are missing or invalid.",
				err.Error()+". Provide a properly configured and signed bearer token, and make sure that it has not expired. Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens")
		}
		if re, ok := err.(*RuleError); ok {
			return re.Rule, re.Detail
		}
		return RuleFormat, err.Error()
	}
	now := s.Now()
	v := s.spend(key.ID, a, now)
	if v.ok {
		s.stats.Accepted++
		if _, dup := s.seen[id]; !dup {
			s.seen[id] = key.ID
			s.stats.Tokens++
		}
	} else {
		s.stats.RateLimited++
		if v.burst {
			s.stats.BurstLimited++
		}
	}
	s.mu.Unlock()

	if a == appStoreConnect {
		// The App Store Server API reports no budget; App Store Connect
		// reports it on every answer.
		w.Header().Set("X-Rate-Limit", fmt.Sprintf("user-hour-lim:%d;user-hour-rem:%d;", v.limit, v.remaining))
	}
	if !v.ok {
		writeRateLimited(w, a, v, now)
		return "", ""
	}
	if _, pattern := s.user.Handler(r); pattern != "" {
		s.user.ServeHTTP(w, r) // ServeHTTP, not the handler: it sets PathValue
		return "", ""
	}
	s.defaults.ServeHTTP(w, r)
	return "", ""
}

// authenticate returns the key whose valid token r carries, and the token's
// id.
func (s *Server) authenticate(r *http.Request) (Key, string, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return Key{}, "", ruleErr(RuleFormat, "no Authorization header; want \"Authorization: Bearer <token>\"")
	}
	value, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return Key{}, "", ruleErr(RuleFormat, "the Authorization header is not \"Bearer <token>\"")
	}
	tok, err := Parse(value)
	if err != nil {
		return Key{}, "", err
	}
	// alg first: an HS256 or "none" token is refused before any key is
	// looked at, so no key can be misused as an HMAC secret.
	if err := tok.checkAlgorithm(); err != nil {
		return Key{}, "", err
	}
	id := tok.id()
	k, err := s.keys.Lookup(tok.Header.KeyID)
	s.mu.Lock()
	_, tokenRevoked := s.revoked[id]
	s.mu.Unlock()
	switch {
	case errors.Is(err, fakeserver.ErrRevokedKey):
		return Key{}, "", ruleErr(RuleRevoked, "key %s has been revoked", tok.Header.KeyID)
	case err != nil:
		return Key{}, "", ruleErr(RuleKeyID, "header kid %s names no key of this server%s", quoteShort(tok.Header.KeyID), tok.head.caseHint("kid"))
	case tokenRevoked:
		return Key{}, "", ruleErr(RuleRevoked, "the token was revoked; sign a new one")
	}
	err = tok.verify(&k.PrivateKey.PublicKey, VerifyOptions{
		Now:        s.Now(),
		KeyID:      k.ID,
		IssuerID:   k.TeamID,
		Individual: k.TeamID == "",
		Request:    r,
	})
	if err != nil {
		return Key{}, "", err
	}
	if err := checkAPI(tok, apiFor(r.URL.Path)); err != nil {
		return Key{}, "", err
	}
	return Key{ID: k.ID, IssuerID: k.TeamID, PrivateKey: k.PrivateKey}, id, nil
}

// PEM returns the private key as the contents of an Apple .p8 file
// (PKCS#8 PEM), to write where code under test loads its key from.
func (k Key) PEM() []byte { return fakeserver.KeyPEM(k.PrivateKey) }
