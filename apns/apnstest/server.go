package apnstest

import (
	"crypto/ecdsa"
	"encoding/hex"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// Server is a fake APNs on an [httptest.Server] speaking HTTP/2 over TLS.
// It checks the provider token of every request by APNs' rules and answers
// as APNs does: 200 with an apns-id header, or a status with a JSON body
// {"reason":"..."}. URL, Client and Close come from the embedded
// [httptest.Server] (whose own Config field is at srv.Server.Config).
type Server struct {
	*httptest.Server

	keys  *fakeserver.Keys
	first Key
	clock fakeclock.Clock

	mu      sync.Mutex
	conns   map[string]connToken // the token each open connection uses, by remote address
	seen    map[string]struct{}  // accepted tokens, by signature
	banned  map[string]struct{}  // tokens refused from now on (RevokeTokens), by signature
	gone    map[string]time.Time // device tokens given to Unregister, and since when
	failure *failure             // what every push gets from now on (Fail), or nil
	stats   Stats
}

// failure is a response Fail asked for.
type failure struct {
	status int
	reason string
}

// Key is a key the server knows: its key ID, its team ID and its private
// key, which lives in memory only.
type Key struct {
	ID         string
	TeamID     string
	PrivateKey *ecdsa.PrivateKey
}

// connToken is the token a connection uses: its identity and its iat.
type connToken struct {
	id  string
	iat int64
}

// Stats are the server's counters, for tests to assert on. The first four
// are the fakes' one vocabulary (asctest's); the others are APNs' own.
type Stats struct {
	Accepted      int    // requests answered 200
	Rejected      int    // requests whose token APNs would refuse: 403 MissingProviderToken, InvalidProviderToken or ExpiredProviderToken
	Tokens        int    // distinct tokens among accepted requests: reuse shows as 1
	LastRejection string // the rule the last refused token broke; never the token

	Refused      map[string]int // requests answered otherwise than 200, by reason
	TokenUpdates int            // times a connection's token changed to another accepted one
	LastReason   string         // the reason of the last refusal of any kind
	LastDetail   string         // what was wrong, for people; never the token
}

// MinTokenInterval is how far apart two tokens a connection uses must have
// been made: a connection whose token is replaced by one whose iat is less
// than this after the old one's gets 429 TooManyProviderTokenUpdates. It is
// [apns.MinTokenInterval].
const MinTokenInterval = apns.MinTokenInterval

// NewServer starts an HTTP/2 TLS server with one key, made afresh in
// memory. Use srv.Config() for a token source and srv.Client() as the base
// client.
func NewServer() *Server { return fakeserver.StartedTLS(NewUnstartedServer()) }

// NewUnstartedServer returns a server that is not yet listening, as
// [httptest.NewUnstartedServer] does, with HTTP/2 enabled: call StartTLS
// (APNs speaks HTTP/2 only, which Go serves over TLS; a request over
// HTTP/1 gets 505), and Close when done.
func NewUnstartedServer() *Server {
	s := &Server{
		keys:   fakeserver.NewKeys(),
		conns:  make(map[string]connToken),
		seen:   make(map[string]struct{}),
		banned: make(map[string]struct{}),
		gone:   make(map[string]time.Time),
		stats:  Stats{Refused: make(map[string]int)},
	}
	s.first = s.AddKey()
	s.Server = fakeserver.NewUnstarted(http.HandlerFunc(s.serve))
	s.Server.EnableHTTP2 = true
	// A closed connection's token is forgotten: a new connection may start
	// with any token, as a new connection to APNs may.
	s.Server.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateClosed || st == http.StateHijacked {
			s.mu.Lock()
			delete(s.conns, c.RemoteAddr().String())
			s.mu.Unlock()
		}
	}
	return s
}

// Config returns an [apns.Config] for the server's first key, on the
// server's clock: pass it to [apns.NewTokenSource]. This method hides the
// embedded [httptest.Server]'s Config field; that one is srv.Server.Config.
func (s *Server) Config() apns.Config { return s.ConfigFor(s.first) }

// ConfigFor returns an [apns.Config] for key k, on the server's clock.
func (s *Server) ConfigFor(k Key) apns.Config {
	return apns.Config{KeyID: k.ID, TeamID: k.TeamID, PrivateKey: k.PrivateKey, Now: s.Now}
}

// Key returns the server's first key, the one Config uses.
func (s *Server) Key() Key { return s.first }

// AddKey makes a new key the server accepts, of the first key's team.
func (s *Server) AddKey() Key { return Key(s.keys.Add()) }

// RevokeTokens refuses from now on, with 403 InvalidProviderToken, every
// token the server has accepted so far, while new tokens pass: what a
// client sees when APNs stops trusting a token before its hour is up.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.seen {
		s.banned[id] = struct{}{}
	}
}

// Now returns the server's clock reading, which the configs it hands out
// share: moving it moves their token sources' clocks too.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Advance moves the server's clock forward by d, to see tokens age without
// waiting.
func (s *Server) Advance(d time.Duration) { s.clock.Advance(d) }

// SetClock replaces the server's base clock (nil restores [time.Now]) and
// clears what Advance added, as the other fakes' SetClock does; the configs
// the server hands out follow it.
func (s *Server) SetClock(now func() time.Time) { s.clock.SetClock(now) }

// Revoke refuses from now on, with 403 InvalidProviderToken, every token
// of the key with ID keyID, as revoking the key in the developer account
// does; a new token of that key is refused too.
func (s *Server) Revoke(keyID string) { s.keys.Revoke(keyID) }

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Refused = maps.Clone(s.stats.Refused)
	return st
}

// PEM returns the private key as the contents of an Apple .p8 file
// (PKCS#8 PEM), to write where code under test loads its key from.
func (k Key) PEM() []byte { return fakeserver.KeyPEM(k.PrivateKey) }

// serve answers POST /3/device/{token} as APNs does: the path and method,
// then the provider token, then the connection's token updates, then the
// notification's headers and payload.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor != 2 {
		http.Error(w, "APNs speaks HTTP/2 only", http.StatusHTTPVersionNotSupported)
		return
	}
	device, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if !ok || device == "" || strings.Contains(device, "/") {
		s.answer(w, r, http.StatusNotFound, refuse(ReasonBadPath, "the path is not /3/device/{token}"))
		return
	}
	if r.Method != http.MethodPost {
		s.answer(w, r, http.StatusMethodNotAllowed, refuse(ReasonMethodNotAllowed, "the method is not POST"))
		return
	}
	value, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		s.answer(w, r, http.StatusForbidden, refuse(ReasonMissingProviderToken, "no \"authorization: bearer <token>\" header"))
		return
	}
	now := s.Now()
	v, bad := verify(value, s.lookup, now)
	if bad == nil {
		bad = s.checkBanned(v)
	}
	if bad != nil {
		s.answer(w, r, http.StatusForbidden, bad)
		return
	}
	if bad := s.useOnConnection(r.RemoteAddr, v); bad != nil {
		s.answer(w, r, http.StatusTooManyRequests, bad)
		return
	}
	if _, err := hex.DecodeString(device); err != nil {
		s.answer(w, r, http.StatusBadRequest, refuse(ReasonBadDeviceToken, "the device token is not hexadecimal"))
		return
	}
	if r.Header.Get("apns-topic") == "" {
		s.answer(w, r, http.StatusBadRequest, refuse(ReasonMissingTopic, "no apns-topic header; token authentication requires one"))
		return
	}
	if id := r.Header.Get("apns-id"); id != "" && !isUUID(id) {
		s.answer(w, r, http.StatusBadRequest, refuse(ReasonBadMessageID, "apns-id is not a UUID"))
		return
	}
	limit := maxPayload(r.Header.Get("apns-push-type"))
	payload, _ := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	switch {
	case len(payload) == 0:
		s.answer(w, r, http.StatusBadRequest, refuse(ReasonPayloadEmpty, "the payload is empty"))
		return
	case len(payload) > limit:
		s.answer(w, r, http.StatusRequestEntityTooLarge, refuse(ReasonPayloadTooLarge, "the payload is over %d bytes", limit))
		return
	}
	if status, bad := s.deviceState(device, now); bad != nil {
		s.answer(w, r, status, bad)
		return
	}
	s.mu.Lock()
	s.stats.Accepted++
	if _, dup := s.seen[v.id]; !dup {
		s.seen[v.id] = struct{}{}
		s.stats.Tokens++
	}
	s.mu.Unlock()
	s.answer(w, r, http.StatusOK, nil)
}

// bearer returns the token of an authorization header "bearer <token>"
// (APNs writes the scheme in lower case; it is case-insensitive).
func bearer(h string) (string, bool) {
	scheme, value, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || value == "" {
		return "", false
	}
	return value, true
}

// lookup returns the key named kid, or why there is none.
func (s *Server) lookup(kid string) (Key, error) {
	k, err := s.keys.Lookup(kid)
	return Key(k), err
}

func (s *Server) checkBanned(v verified) *refusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.banned[v.id]; ok {
		return refuse(ReasonInvalidProviderToken, "the token was revoked (RevokeTokens); sign a new one")
	}
	return nil
}

// useOnConnection records that the connection at addr uses token v, and
// refuses a token made less than MinTokenInterval after the one the
// connection uses: Apple's "Establishing a token-based connection to APNs"
// asks to refresh a token no more than once every 20 minutes and says APNs
// reports an error for tokens recreated more often, and Apple's engineers
// describe the 429 as a connection's token changing too often. So the rule
// is on when the tokens were made (their iat), as the page words it, and
// per connection: a source that makes a token every 20 minutes or more is
// never refused, whenever a connection starts to use its tokens. A token
// older than the connection's (a step back) is a change too soon, and so is
// another key's token made at about the same time (two keys sharing a
// connection).
func (s *Server) useOnConnection(addr string, v verified) *refusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.conns[addr]
	switch {
	case !ok:
		s.conns[addr] = connToken{id: v.id, iat: v.iat}
	case cur.id == v.id:
	case time.Duration(v.iat-cur.iat)*time.Second < MinTokenInterval:
		return refuse(ReasonTooManyProviderTokenUpdates, "the connection's token was replaced by one made %s after it; make tokens at least %s apart, one key per connection",
			time.Duration(v.iat-cur.iat)*time.Second, MinTokenInterval)
	default:
		s.conns[addr] = connToken{id: v.id, iat: v.iat}
		s.stats.TokenUpdates++
	}
	return nil
}

// maxPayload is APNs' limit on the payload of a push of pushType: 5 KiB for
// VoIP, 4 KiB for the others ("Sending notification requests to APNs").
func maxPayload(pushType string) int {
	if pushType == "voip" {
		return apns.MaxVoIPPayloadSize
	}
	return apns.MaxPayloadSize
}

// Unregister makes the server answer every push to deviceToken from now on
// with 410 Unregistered and the timestamp at, as APNs does once the app is
// gone from the device: to test what code under test does with a token it
// should forget ([apns.Error]'s Reason and Timestamp).
func (s *Server) Unregister(deviceToken string, at time.Time) {
	s.mu.Lock()
	s.gone[strings.ToLower(deviceToken)] = at
	s.mu.Unlock()
}

// Fail makes the server answer every push from now on whose token and
// headers pass with status and Apple's reason, such as 429
// [apns.ReasonTooManyRequests], 503 [apns.ReasonServiceUnavailable] or 500
// [apns.ReasonInternalServerError]; for a 410 the body carries the server's
// clock as timestamp. Recover undoes it.
func (s *Server) Fail(status int, reason string) {
	s.mu.Lock()
	s.failure = &failure{status: status, reason: reason}
	s.mu.Unlock()
}

// Recover makes pushes succeed again after Fail.
func (s *Server) Recover() {
	s.mu.Lock()
	s.failure = nil
	s.mu.Unlock()
}

// deviceState returns the refusal Fail or Unregister asked for a push to
// device at now, if any, with its status.
func (s *Server) deviceState(device string, now time.Time) (int, *refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.failure; f != nil {
		bad := refuse(f.reason, "Fail(%d, %q) asked for it", f.status, f.reason)
		if f.status == http.StatusGone {
			bad.timestamp = now
		}
		return f.status, bad
	}
	if at, ok := s.gone[strings.ToLower(device)]; ok {
		bad := refuse(ReasonUnregistered, "the device token was given to Unregister")
		bad.timestamp = at
		return http.StatusGone, bad
	}
	return 0, nil
}
