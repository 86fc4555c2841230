package weatherkit

import (
	"context"
	"crypto"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// testService is the Service ID of the test Configs.
const testService = "com.example.weatherkit-client"

// config is a valid Config with key, for the tests to change.
func config(key crypto.Signer) Config {
	return Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, ServiceID: testService, PrivateKey: key}
}

// sources makes this package's sources for the tests every developer-token
// package shares.
var sources = apitest.Sources[*ascjwt.Token]{
	Package: "weatherkit",
	New: func(t testing.TB, s apitest.Settings) apitest.Source[*ascjwt.Token] {
		cfg := config(s.Key)
		cfg.Lifetime, cfg.Now = s.Lifetime, s.Now
		cfg.Hooks = &ascjwt.Hooks{
			TokenMinted:   func(m ascjwt.TokenMinted) { s.Minted(m.KeyID, m.Expiry) },
			RefreshFailed: func(f ascjwt.RefreshFailed) { s.Failed(f.KeyID, f.Err) },
		}
		return apitest.Must(t, NewTokenSource, cfg)
	},
	Times: func(tok *ascjwt.Token) (time.Time, time.Time) { return tok.IssuedAt, tok.Expiry },
}

func TestTokenVerifiesWithGolangJWTAndHoldsOnlyApplesFields(t *testing.T) {
	key := apitest.NewKey(t)
	for _, life := range []time.Duration{0, MinLifetime, MaxLifetime} {
		cfg := config(key)
		cfg.Lifetime, cfg.Now = life, fakeclock.New(apitest.Start).Now
		tok, err := apitest.Must(t, NewTokenSource, cfg).Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if life == 0 {
			life = DefaultLifetime
		}
		iat := float64(apitest.Start.Unix() - 60)
		// Apple's decoded token: alg, kid and id in the header, no typ; iss,
		// iat, exp and sub, and no other claim.
		apitest.VerifyES256(t, tok.Value, &key.PublicKey, apitest.Start, map[string]any{"alg": "ES256", "kid": apitest.KeyID, "id": apitest.TeamID + "." + testService},
			map[string]any{"iss": apitest.TeamID, "iat": iat, "exp": iat + life.Seconds(), "sub": testService})
		if !tok.IssuedAt.Equal(time.Unix(int64(iat), 0)) || !tok.Expiry.Equal(time.Unix(int64(iat+life.Seconds()), 0)) {
			t.Errorf("Token.IssuedAt, Expiry = %v, %v; want the claims", tok.IssuedAt, tok.Expiry)
		}
	}
}

func TestLifetimeOutsideLimitsRefused(t *testing.T) {
	key := apitest.NewKey(t)
	withLifetime := func(d time.Duration) Config { cfg := config(key); cfg.Lifetime = d; return cfg }
	for _, life := range []time.Duration{MinLifetime, MaxLifetime} {
		if _, err := NewTokenSource(withLifetime(life)); err != nil {
			t.Errorf("Lifetime %s: %v", life, err)
		}
	}
	var cases []apitest.Refusal[Config]
	for life, want := range map[time.Duration]string{
		-time.Second:              "negative",
		time.Second:               "at least 5m0s",
		MinLifetime - time.Second: "at least 5m0s",
		MaxLifetime + time.Second: "15,777,000 seconds",
		10 * 365 * 24 * time.Hour: "Apple sets no limit, this package does",
	} {
		cases = append(cases, apitest.Refusal[Config]{Name: "Lifetime " + life.String(), Config: withLifetime(life), Want: want})
	}
	apitest.CheckRefusals(t, "weatherkit: ", NewTokenSource, cases...)
}

func TestBadIDsRefusedWithoutQuotingThem(t *testing.T) {
	key := apitest.NewKey(t)
	withIDs := func(keyID, teamID string) Config {
		cfg := config(key)
		cfg.KeyID, cfg.TeamID = keyID, teamID
		return cfg
	}
	cases := apitest.BadIDs(apitest.KeyID, apitest.TeamID, apitest.PEM(t, key), withIDs)
	cases = append(cases, apitest.Refusal[Config]{Name: "period in TeamID", Config: withIDs(apitest.KeyID, "DEF123GHI."), Want: "other than A-Z and 0-9", Refused: []string{"DEF123GHI."}})
	apitest.CheckRefusals(t, "weatherkit: Config.", NewTokenSource, cases...)
}

func TestServiceIDsThatAreNotReverseDNSRefused(t *testing.T) {
	key := apitest.NewKey(t)
	withService := func(id string) Config { cfg := config(key); cfg.ServiceID = id; return cfg }
	var cases []apitest.Refusal[Config]
	for _, id := range []string{"", "weatherservice", ".org.example", "org.example.", "com..example", " com.example.app",
		"com.example/app", "com.example app", "com.exämple.app", strings.Repeat("a.", 127) + "ab", apitest.PEM(t, key)} {
		cases = append(cases, apitest.Refusal[Config]{Name: "Service ID " + id, Config: withService(id), Refused: []string{id}})
	}
	apitest.CheckRefusals(t, "weatherkit: Config.ServiceID ", NewTokenSource, cases...)
	for _, id := range []string{testService, "it.iachieved.myweatherapp", "com.Example.Weather-2"} {
		if _, err := NewTokenSource(withService(id)); err != nil {
			t.Errorf("Service ID %q refused: %v", id, err)
		}
	}
}

func TestKeysThatCannotSignES256Refused(t *testing.T) {
	apitest.CheckRefusals(t, "weatherkit: Config.PrivateKey: ", NewTokenSource, apitest.BadKeys(t, config)...)
}

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "weatherkit", "NewTokenSource", func(key crypto.Signer) error {
		_, err := NewTokenSource(config(key))
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
		cfg := config(key)
		cfg.TeamID = teamID
		return cfg
	}, testService)
}

func TestTokensGoToWeatherKitAndLoopbackOnly(t *testing.T) {
	apitest.CheckTokensGoToHostAndLoopbackOnly(t, sources, ascjwt.NewClient, "weatherkit.apple.com", BaseURL+"/api/v1/availability/1/2",
		"https://api.appstoreconnect.apple.com/v1/apps", "https://api.music.apple.com/v1/catalog/us/songs/1", "https://weather.example.com/")
}
