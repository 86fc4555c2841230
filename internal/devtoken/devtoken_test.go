package devtoken_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/devtoken"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
	"github.com/ascjwt/ascjwt/internal/jws"
)

// TestAcceptedTokenRefusedIsReplacedAtOnce: a token of a sibling API that a
// server accepted and then refuses is replaced at once, as the root's are,
// even within DropInterval of the last drop.
func TestAcceptedTokenRefusedIsReplacedAtOnce(t *testing.T) {
	clock := fakeclock.New(apitest.Start)
	var minted int
	src := devtoken.New(devtoken.Spec{
		Package: "test", KeyID: "K1", Signer: newSigner(t), Backdate: time.Minute, Lifetime: time.Hour,
		Payload:      func(iat, exp int64) ([]byte, error) { return []byte(`{"iat":1}`), nil },
		DropInterval: time.Minute, Hosts: []string{"api.example.test"}, Now: clock.Now,
		Hooks: &ascjwt.Hooks{TokenMinted: func(ascjwt.TokenMinted) { minted++ }},
	})
	refused := map[string]bool{} // tokens the server stopped taking
	var current string
	tr := &ascjwt.Transport{Source: src, Base: roundTrip(func(r *http.Request) (*http.Response, error) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		current = tok
		code := http.StatusOK
		if refused[tok] {
			code = http.StatusUnauthorized
		}
		return &http.Response{StatusCode: code, Body: http.NoBody, Request: r}, nil
	})}
	get := func() int {
		t.Helper()
		req, _ := http.NewRequest("GET", "https://api.example.test/v1", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	for i := 1; i <= 3; i++ {
		if code := get(); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
		refused[current] = true // accepted, then revoked seconds later
	}
	if minted != 3 {
		t.Errorf("%d tokens for three accepted-then-refused tokens in a minute, want 3", minted)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestCheckedRefusedConfigGivesNilSource: a constructor that returns
// Checked's result gives a nil ascjwt.TokenSource with the error, not a
// typed nil that compares unequal to nil.
func TestCheckedRefusedConfigGivesNilSource(t *testing.T) {
	constructor := func(err error) (ascjwt.TokenSource, error) {
		return devtoken.Checked(devtoken.Spec{Package: "test", KeyID: "K1", Signer: newSigner(t)}, err)
	}
	if src, err := constructor(errors.New("test: Config.KeyID is empty")); src != nil || err == nil {
		t.Errorf("a refused Config gives %v, %v; want nil and the error", src, err)
	}
	if src, err := constructor(nil); err != nil {
		t.Errorf("a checked Config: %v", err)
	} else if _, ok := src.(*devtoken.Source); !ok {
		t.Errorf("a checked Config gives a %T, want a *devtoken.Source", src)
	}
}

// newSigner returns a signer of a new P-256 key with kid K1, the header
// alg and kid only.
func newSigner(t *testing.T) *jws.Signer {
	t.Helper()
	signer, err := jws.NewSignerWith(apitest.NewKey(t), "K1", jws.Header{})
	if err != nil {
		t.Fatal(err)
	}
	return signer
}
