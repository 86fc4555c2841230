package musickit

import (
	"context"
	"crypto"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// sources makes this package's sources for the tests every developer-token
// package shares.
var sources = apitest.Sources[*ascjwt.Token]{
	Package: "musickit",
	New: func(t testing.TB, s apitest.Settings) apitest.Source[*ascjwt.Token] {
		return apitest.Must(t, NewTokenSource, Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: s.Key, Lifetime: s.Lifetime, Now: s.Now, Hooks: &ascjwt.Hooks{
			TokenMinted:   func(m ascjwt.TokenMinted) { s.Minted(m.KeyID, m.Expiry) },
			RefreshFailed: func(f ascjwt.RefreshFailed) { s.Failed(f.KeyID, f.Err) },
		}})
	},
	Times: func(tok *ascjwt.Token) (time.Time, time.Time) { return tok.IssuedAt, tok.Expiry },
}

func TestTokenVerifiesWithGolangJWTAndHoldsOnlyApplesFields(t *testing.T) {
	key := apitest.NewKey(t)
	clock := fakeclock.New(apitest.Start)
	for _, tc := range []struct {
		name    string
		origins []string
		life    time.Duration
	}{
		{"default", nil, 0},
		{"origins and six months", []string{"https://music.example.com", "http://localhost:8080"}, MaxLifetime},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := apitest.Must(t, NewTokenSource, Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key, Lifetime: tc.life, Origins: tc.origins, Now: clock.Now})
			tok, err := src.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			life := tc.life
			if life == 0 {
				life = DefaultLifetime
			}
			iat := float64(apitest.Start.Unix() - 60)
			claims := map[string]any{"iss": apitest.TeamID, "iat": iat, "exp": iat + life.Seconds()}
			if tc.origins != nil {
				claims["origin"] = []any{tc.origins[0], tc.origins[1]}
			}
			// Apple's decoded token: a header of alg and kid, nothing more (no typ).
			apitest.VerifyES256(t, tok.Value, &key.PublicKey, apitest.Start, map[string]any{"alg": "ES256", "kid": apitest.KeyID}, claims)
			if exp := int64(iat + life.Seconds()); exp-apitest.Start.Unix() > int64(MaxLifetime/time.Second) {
				t.Errorf("exp is %d s from now, over Apple's 15,777,000", exp-apitest.Start.Unix())
			}
			if !tok.IssuedAt.Equal(time.Unix(int64(iat), 0)) || !tok.Expiry.Equal(time.Unix(int64(iat+life.Seconds()), 0)) {
				t.Errorf("Token.IssuedAt, Expiry = %v, %v; want the claims", tok.IssuedAt, tok.Expiry)
			}
		})
	}
}

func TestConfigOriginsCopied(t *testing.T) {
	key := apitest.NewKey(t)
	origins := []string{"https://music.example.com"}
	src := apitest.Must(t, NewTokenSource, Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key, Origins: origins, Now: fakeclock.New(apitest.Start).Now})
	origins[0] = "https://evil.example.com"
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	iat := float64(apitest.Start.Unix() - 60)
	// The origin as it was when the source was made: a change to the
	// caller's slice must not reach the token.
	apitest.VerifyES256(t, tok.Value, &key.PublicKey, apitest.Start, map[string]any{"alg": "ES256", "kid": apitest.KeyID},
		map[string]any{"iss": apitest.TeamID, "iat": iat, "exp": iat + DefaultLifetime.Seconds(), "origin": []any{"https://music.example.com"}})
}

func TestLifetimeOutsideLimitsRefused(t *testing.T) {
	key := apitest.NewKey(t)
	for _, life := range []time.Duration{MinLifetime, MaxLifetime} {
		if _, err := NewTokenSource(Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key, Lifetime: life}); err != nil {
			t.Errorf("Lifetime %s: %v", life, err)
		}
	}
	lifetime := func(d time.Duration, want string) apitest.Refusal[Config] {
		return apitest.Refusal[Config]{Name: "Lifetime " + d.String(), Config: Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key, Lifetime: d}, Want: want}
	}
	apitest.CheckRefusals(t, "musickit: ", NewTokenSource,
		lifetime(-time.Second, "negative"),
		lifetime(time.Second, "at least 5m0s"),
		lifetime(MinLifetime-time.Second, "at least 5m0s"),
		lifetime(MaxLifetime+time.Second, "15,777,000 seconds"),
		lifetime(MaxLifetime+time.Second, "Generating Developer Tokens"),
		lifetime(10*365*24*time.Hour, "Apple's limit"))
}

func TestBadIDsRefusedWithoutQuotingThem(t *testing.T) {
	key := apitest.NewKey(t)
	apitest.CheckRefusals(t, "musickit: Config.", NewTokenSource, apitest.BadIDs(apitest.KeyID, apitest.TeamID, apitest.PEM(t, key), func(keyID, teamID string) Config {
		return Config{KeyID: keyID, TeamID: teamID, PrivateKey: key}
	})...)
}

func TestOriginsNoBrowserSendsRefused(t *testing.T) {
	key := apitest.NewKey(t)
	var cases []apitest.Refusal[Config]
	for _, o := range []string{
		"", "music.example.com", "https://music.example.com/", "https://music.example.com/app",
		"https://music.example.com?x=1", "https://Music.Example.com", "HTTPS://music.example.com",
		"https://music.example.com:443", "http://localhost:80", "https://user@music.example.com",
		"ftp://music.example.com", "https://music.example.com:99999", "https://music.example.com:",
		" https://music.example.com", "https://müsic.example.com", "https://*.example.com",
	} {
		cases = append(cases, apitest.Refusal[Config]{Name: "origin " + o, Refused: []string{o},
			Config: Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key, Origins: []string{"https://ok.example.com", o}}})
	}
	apitest.CheckRefusals(t, "musickit: Config.Origins[1] ", NewTokenSource, cases...)
	apitest.CheckRefusals(t, "musickit: Config.Origins[1] ", NewTokenSource, apitest.Refusal[Config]{Name: "a repeated origin", Want: "repeats",
		Config: Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key, Origins: []string{"https://a.example", "https://a.example"}}})
	for _, o := range []string{"https://music.example.com", "http://localhost:8080", "https://[::1]:8443", "https://xn--msic-0ra.example.com"} {
		if _, err := NewTokenSource(Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key, Origins: []string{o}}); err != nil {
			t.Errorf("origin %q refused: %v", o, err)
		}
	}
}

func TestKeysThatCannotSignES256Refused(t *testing.T) {
	apitest.CheckRefusals(t, "musickit: Config.PrivateKey: ", NewTokenSource, apitest.BadKeys(t, func(key crypto.Signer) Config {
		return Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: key}
	})...)
}

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "musickit", "NewTokenSource", func(key crypto.Signer) error {
		_, err := NewTokenSource(Config{KeyID: "ABCDE12345", TeamID: "TEAM123456", PrivateKey: key})
		return err
	})
}

// TestSharedDeveloperTokenBehaviour: the behaviour every developer-token
// source shares, as subtests (ConcurrentFirstCallsSignOnce,
// TokenReplacedAtThreeQuartersAndNeverUsedInLastMinute,
// HooksToldOfTokensAndFailures).
func TestSharedDeveloperTokenBehaviour(t *testing.T) { sources.CheckSharedBehaviour(t) }

func TestConfigPrintsNoKeyMaterial(t *testing.T) {
	apitest.CheckPastedKeyDescribed(t, func(key crypto.Signer, teamID string) Config {
		return Config{KeyID: apitest.KeyID, TeamID: teamID, PrivateKey: key, Origins: []string{"https://music.example.com"}}
	}, "https://music.example.com")
}

func TestTokensGoToAppleMusicAndLoopbackOnly(t *testing.T) {
	apitest.CheckTokensGoToHostAndLoopbackOnly(t, sources, ascjwt.NewClient, "api.music.apple.com", BaseURL+"/v1/catalog/us/songs/1",
		"https://api.appstoreconnect.apple.com/v1/apps", "https://weatherkit.apple.com/api/v1/availability/1/2", "https://music.example.com/")
}
