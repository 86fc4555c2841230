package apns

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// fixture is a source on a fake clock, with its key and a record of every
// token minted (by the hook, on the goroutine that minted it).
type fixture struct {
	clock  *fakeclock.Clock
	key    *ecdsa.PrivateKey
	src    *devtoken.Source
	minted chan time.Time // the clock's reading at each mint
}

func newFixture(t *testing.T, edit func(*Config)) *fixture {
	t.Helper()
	f := &fixture{clock: fakeclock.New(apitest.Start), key: apitest.NewKey(t), minted: make(chan time.Time, 1000)}
	cfg := Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: f.key, Now: f.clock.Now, Hooks: &ascjwt.Hooks{
		TokenMinted: func(m ascjwt.TokenMinted) { f.minted <- f.clock.Now() },
	}}
	if edit != nil {
		edit(&cfg)
	}
	f.src = apitest.Must(t, NewTokenSource, cfg).(*devtoken.Source)
	return f
}

// settle returns once a background refresh under way has ended (made its
// token and told the hook), so that the clock moves only after it read the
// time. It runs in a testing/synctest bubble, whose Wait returns when every
// goroutine of the bubble, the refresh among them, is done or blocked.
func (f *fixture) settle() {
	synctest.Wait()
	for len(f.minted) > 0 {
		<-f.minted
	}
}

func (f *fixture) token(t *testing.T) *ascjwt.Token {
	t.Helper()
	tok, err := f.src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// opaqueSigner hides an *ecdsa.PrivateKey behind crypto.Signer, as a KMS
// key would be.
type opaqueSigner struct{ key *ecdsa.PrivateKey }

func (o opaqueSigner) Public() crypto.PublicKey { return o.key.Public() }
func (o opaqueSigner) Sign(r io.Reader, d []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.key.Sign(r, d, opts)
}

// TestTokenVerifiedByGolangJWT: golang-jwt, an independent library,
// verifies the token's ES256 signature, and its header and claims are
// exactly Apple's: alg and kid; iss and iat; no typ, exp, aud or sub.
func TestTokenVerifiedByGolangJWT(t *testing.T) {
	for _, remote := range []bool{false, true} {
		t.Run(map[bool]string{false: "ecdsa.PrivateKey", true: "crypto.Signer"}[remote], func(t *testing.T) {
			f := newFixture(t, func(c *Config) {
				if remote {
					c.PrivateKey = opaqueSigner{c.PrivateKey.(*ecdsa.PrivateKey)}
				}
			})
			f.clock.Advance(1500 * time.Millisecond) // iat is whole seconds
			tok := f.token(t)
			parsed, err := jwt.Parse(tok.Value, func(tk *jwt.Token) (any, error) { return &f.key.PublicKey, nil },
				jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(apitest.TeamID), jwt.WithIssuedAt(), jwt.WithTimeFunc(f.clock.Now))
			if err != nil || !parsed.Valid {
				t.Fatalf("golang-jwt refused the token: %v", err)
			}
			if want := map[string]any{"alg": "ES256", "kid": apitest.KeyID}; !maps.Equal(parsed.Header, want) {
				t.Errorf("header = %v, want exactly %v", parsed.Header, want)
			}
			claims := parsed.Claims.(jwt.MapClaims)
			if got := slices.Sorted(maps.Keys(claims)); !slices.Equal(got, []string{"iat", "iss"}) {
				t.Errorf("claims = %v, want exactly iat, iss", got)
			}
			for _, absent := range []string{"exp", "aud", "sub", "nbf"} {
				if _, ok := claims[absent]; ok {
					t.Errorf("claims carry %s; Apple's token has none", absent)
				}
			}
			if _, ok := parsed.Header["typ"]; ok {
				t.Error("header carries typ; Apple's token has none")
			}
			if claims["iss"] != apitest.TeamID {
				t.Errorf("iss = %v, want the team ID", claims["iss"])
			}
			iat, err := claims.GetIssuedAt()
			if err != nil || iat.Unix() != apitest.Start.Unix()+1 {
				t.Errorf("iat = %v (%v), want the clock's second %d, not backdated", iat, err, apitest.Start.Unix()+1)
			}
			if !tok.IssuedAt.Equal(iat.Time) || !tok.Expiry.Equal(iat.Add(time.Hour)) {
				t.Errorf("Token IssuedAt, Expiry = %v, %v; want iat and iat + 1h", tok.IssuedAt, tok.Expiry)
			}
			// The raw JSON too, so that no encoding detail hides from the
			// map: the claims exactly as Apple shows them.
			raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok.Value, ".")[1])
			if err != nil {
				t.Fatal(err)
			}
			var order []string
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.Token()
			for dec.More() {
				k, _ := dec.Token()
				order = append(order, k.(string))
				var v json.RawMessage
				dec.Decode(&v)
			}
			if !slices.Equal(order, []string{"iss", "iat"}) {
				t.Errorf("claims in order %v, want iss, iat", order)
			}
		})
	}
}

// TestBadConfigsRefused: each of Apple's limits is refused up front, with
// an error that names the limit and its source and describes the refused
// value without quoting it.
func TestBadConfigsRefused(t *testing.T) {
	good := apitest.NewKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----"
	for _, tc := range []struct {
		name   string
		cfg    Config
		want   []string
		secret string // must not appear in the error
	}{
		{"no key ID", Config{TeamID: apitest.TeamID, PrivateKey: good}, []string{"Config.KeyID is empty", "10-character key ID"}, ""},
		{"short key ID", Config{KeyID: "ABC123DEF", TeamID: apitest.TeamID, PrivateKey: good}, []string{"Config.KeyID is 9 bytes long", "10 characters", "Establishing a token-based connection to APNs"}, "ABC123DEF"},
		{"long key ID", Config{KeyID: "ABC123DEFGH", TeamID: apitest.TeamID, PrivateKey: good}, []string{"Config.KeyID is 11 bytes long", "10 characters"}, "ABC123DEFGH"},
		{"lower-case key ID", Config{KeyID: "abc123defg", TeamID: apitest.TeamID, PrivateKey: good}, []string{"Config.KeyID holds a lower-case letter", "upper-case letters and digits", "Establishing a token-based connection to APNs"}, "abc123defg"},
		{"key ID with space", Config{KeyID: "ABC123DEF ", TeamID: apitest.TeamID, PrivateKey: good}, []string{"Config.KeyID holds white space"}, "ABC123DEF"},
		{"key ID with punctuation", Config{KeyID: "ABC-23DEFG", TeamID: apitest.TeamID, PrivateKey: good}, []string{"Config.KeyID holds a character other than A-Z and 0-9"}, "ABC-23DEFG"},
		{"private key in key ID", Config{KeyID: pemKey, TeamID: apitest.TeamID, PrivateKey: good}, []string{"Config.KeyID holds what looks like a private key", "Config.PrivateKey"}, "MIGTAgEAMBMGByqGSM49"},
		{"no team ID", Config{KeyID: apitest.KeyID, PrivateKey: good}, []string{"Config.TeamID is empty", "10-character team ID"}, ""},
		{"UUID as team ID", Config{KeyID: apitest.KeyID, TeamID: "57246542-96fe-1a63-e053-0824d011072a", PrivateKey: good}, []string{"Config.TeamID is 36 bytes long", "10 characters"}, "57246542"},
		{"lower-case team ID", Config{KeyID: apitest.KeyID, TeamID: "def123ghij", PrivateKey: good}, []string{"Config.TeamID holds a lower-case letter"}, "def123ghij"},
		{"no key", Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID}, []string{"Config.PrivateKey", "no private key"}, ""},
		{"P-384 key", Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: p384}, []string{"Config.PrivateKey", "P-384", "ES256 needs P-256"}, ""},
		{"P-384 signer", Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: opaqueSigner{p384}}, []string{"Config.PrivateKey", "P-384"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if src, err := NewTokenSource(tc.cfg); err == nil || src != nil {
				t.Fatalf("NewTokenSource = %v, %v; want an error", src, err)
			}
			var secret []string
			if tc.secret != "" {
				secret = []string{tc.secret}
			}
			refusals := make([]apitest.Refusal[Config], len(tc.want))
			for i, w := range tc.want {
				refusals[i] = apitest.Refusal[Config]{Name: tc.name, Config: tc.cfg, Want: w, Refused: secret}
			}
			apitest.CheckRefusals(t, "apns: ", NewTokenSource, refusals...)
		})
	}
}

// TestConcurrentFirstCallsMakeOneToken: 200 goroutines asking at once for
// the first token get one token, made once.
func TestConcurrentFirstCallsMakeOneToken(t *testing.T) {
	f := newFixture(t, nil)
	start := make(chan struct{})
	toks := make([]*ascjwt.Token, 200)
	var wg sync.WaitGroup
	for i := range toks {
		wg.Go(func() {
			<-start
			tok, err := f.src.Token(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			toks[i] = tok
		})
	}
	close(start)
	wg.Wait()
	if n := len(f.minted); n != 1 {
		t.Errorf("%d tokens minted for 200 concurrent first calls, want 1", n)
	}
	for _, tok := range toks {
		if tok != toks[0] {
			t.Fatal("callers got different tokens")
		}
	}
}

// TestTokenReplacedBetween20And60Minutes: asked every minute for four
// hours, the source hands out each token for 40 minutes (at least 20, the
// least APNs allows between tokens) and replaces it in the background, so
// that no token handed out is 50 minutes old or more (APNs refuses one
// over 60).
func TestTokenReplacedBetween20And60Minutes(t *testing.T) {
	synctest.Test(t, testTokenReplacedBetween20And60Minutes)
}

func testTokenReplacedBetween20And60Minutes(t *testing.T) {
	f := newFixture(t, nil)
	var cur *ascjwt.Token
	var since time.Time
	var spans []time.Duration
	for range 4 * 60 {
		tok := f.token(t)
		now := f.clock.Now()
		if age := now.Sub(tok.IssuedAt); age >= 50*time.Minute {
			t.Fatalf("handed out a token %v old", age)
		}
		if tok != cur {
			if cur != nil {
				spans = append(spans, now.Sub(since))
			}
			cur, since = tok, now
		}
		f.settle()
		f.clock.Advance(time.Minute)
	}
	if len(spans) < 5 {
		t.Fatalf("%d replacements in four hours, want at least 5", len(spans))
	}
	for _, d := range spans {
		if d < MinTokenInterval || d > time.Hour {
			t.Errorf("a token was used for %v, want between 20 and 60 minutes", d)
		}
	}
	t.Logf("tokens used for %v", spans)
}

// TestExpiredTokenIsWaitedFor: a caller that comes after a token's 50
// minutes waits for a new one rather than get the old one.
func TestExpiredTokenIsWaitedFor(t *testing.T) {
	f := newFixture(t, nil)
	old := f.token(t)
	f.clock.Advance(50 * time.Minute)
	tok := f.token(t)
	if tok == old || !tok.IssuedAt.Equal(f.clock.Now()) {
		t.Fatalf("after 50 minutes got a token issued at %v, want a new one issued now", tok.IssuedAt)
	}
}

// TestNoTwoTokensWithin20Minutes: invalidated every second for three
// hours, from several goroutines, the source makes a token every 20
// minutes and never two within 20 minutes.
func TestNoTwoTokensWithin20Minutes(t *testing.T) {
	f := newFixture(t, nil)
	for range 3 * 60 * 60 {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				tok, err := f.src.Token(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				f.src.InvalidateToken(tok)
			})
		}
		wg.Wait()
		f.clock.Advance(time.Second)
	}
	close(f.minted)
	var last time.Time
	n := 0
	for at := range f.minted {
		if n > 0 && at.Sub(last) < MinTokenInterval {
			t.Errorf("a token made %v after the last one", at.Sub(last))
		}
		last = at
		n++
	}
	if n != 9 {
		t.Errorf("%d tokens in three hours of invalidations, want 9 (one each 20 minutes)", n)
	}
}

// TestConfigPrintsRedacted: a Config prints its IDs and the key's type,
// never the key, with every fmt verb and encoder.
func TestConfigPrintsRedacted(t *testing.T) {
	key := apitest.NewKey(t)
	cfg := Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key}
	raw, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	// The scalar as fmt would print a big.Int: decimal, hex, and its
	// numbers split over %v's word-by-word output.
	scalar := new(big.Int).SetBytes(raw)
	secrets := []string{scalar.String(), scalar.Text(16), hex.EncodeToString(raw[:8]), fmt.Sprint(scalar.Bits()[0])}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, []any{cfg}))
	}
	j, _ := json.Marshal(struct{ C Config }{cfg})
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("config", "cfg", cfg)
	var gobbed bytes.Buffer
	if err := gob.NewEncoder(&gobbed).Encode(struct{ C Config }{cfg}); err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j), text.String(), gobbed.String())
	for _, out := range outs {
		if slices.ContainsFunc(secrets, func(s string) bool { return strings.Contains(out, s) }) {
			t.Errorf("output shows the private key: %.80s...", out)
		}
		if !strings.Contains(out, apitest.KeyID) && !strings.Contains(out, "4142433132334445464") /* %x */ {
			t.Errorf("output %q does not show the key ID", out)
		}
	}
	if s := cfg.String(); s != `apns.Config{KeyID:"ABC123DEFG" TeamID:"DEF123GHIJ" PrivateKey:*ecdsa.PrivateKey(redacted)}` {
		t.Errorf("String() = %s", s)
	}
}

// failingSigner is a remote key that fails, or panics, when asked to sign.
type failingSigner struct {
	key   *ecdsa.PrivateKey
	panic bool
}

func (s failingSigner) Public() crypto.PublicKey { return s.key.Public() }
func (s failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	if s.panic {
		panic("the KMS client broke")
	}
	return nil, errors.New("the KMS said no")
}

// TestFailingSignerIsReported: a signer that fails or panics gives an
// error prefixed apns:, naming the key, and the RefreshFailed hook hears of
// it; nothing crashes.
func TestFailingSignerIsReported(t *testing.T) {
	for _, panics := range []bool{false, true} {
		key := apitest.NewKey(t)
		var failures []error
		src, err := NewTokenSource(Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: failingSigner{key, panics},
			Hooks: &ascjwt.Hooks{RefreshFailed: func(f ascjwt.RefreshFailed) { failures = append(failures, f.Err) }}})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := src.Token(context.Background())
		if err == nil || tok != nil {
			t.Fatalf("Token = %v, %v; want an error", tok, err)
		}
		if !strings.HasPrefix(err.Error(), "apns: ") || !strings.Contains(err.Error(), apitest.KeyID) {
			t.Errorf("error %q does not start with apns: and name the key", err)
		}
		if len(failures) != 1 || failures[0] != err {
			t.Errorf("RefreshFailed heard %v, want the one error", failures)
		}
	}
}
