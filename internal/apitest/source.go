package apitest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// Source is a token source as the shared tests call it. T is the root's
// *ascjwt.Token, which internal/ cannot name; tokens are compared by
// identity, since a source hands out the one it holds.
type Source[T comparable] interface {
	Token(context.Context) (T, error)
}

// Settings are the Config fields the shared tests vary; the rest are the
// package's valid test values.
type Settings struct {
	Key      crypto.Signer
	Lifetime time.Duration // zero for the default
	Now      func() time.Time
	// Minted and Failed stand for Config.Hooks: the test's hooks call
	// Minted with a TokenMinted's KeyID and Expiry, Failed with a
	// RefreshFailed's KeyID and Err.
	Minted func(keyID string, exp time.Time)
	Failed func(keyID string, err error)
}

// Sources says how to make an API package's token sources for the shared
// tests.
type Sources[T comparable] struct {
	// Package Starts the package's errors ("musickit").
	Package string
	// New makes a source from a valid Config with s's fields in it and
	// [KeyID] and [TeamID] as its IDs.
	New func(t testing.TB, s Settings) Source[T]
	// Times returns a token's IssuedAt and Expiry.
	Times func(T) (iat, exp time.Time)
}

func (p Sources[T]) new(t testing.TB, s Settings) Source[T] {
	if s.Minted == nil {
		s.Minted = func(string, time.Time) {}
	}
	if s.Failed == nil {
		s.Failed = func(string, error) {}
	}
	return p.New(t, s)
}

// CheckConcurrentFirstCallsSignOnce calls Token from 200 goroutines at once
// on a new source and fails t unless one token was signed and every caller
// got it.
func (p Sources[T]) CheckConcurrentFirstCallsSignOnce(t *testing.T) {
	var mints atomic.Int32
	src := p.new(t, Settings{Key: NewKey(t), Now: fakeclock.New(Start).Now, Minted: func(string, time.Time) { mints.Add(1) }})
	const callers = 200
	toks := make([]T, callers)
	var ready, wg sync.WaitGroup
	ready.Add(1)
	for i := range callers {
		wg.Go(func() {
			ready.Wait()
			tok, err := src.Token(context.Background())
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	ready.Done()
	wg.Wait()
	if n := mints.Load(); n != 1 {
		t.Fatalf("%d tokens signed for %d concurrent first calls, want 1", n, callers)
	}
	for i, tok := range toks {
		if tok != toks[0] {
			t.Fatalf("caller %d got another token", i)
		}
	}
}

// CheckRefreshSchedule fails t unless a source of one-hour tokens hands out
// its token until three quarters of its life, then keeps handing it out
// while its successor is made in the background; and unless a source whose
// signer fails hands out its token until its last minute and never in it.
// testing/synctest's Wait sees the background refresh end.
func (p Sources[T]) CheckRefreshSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := fakeclock.New(Start)
		var mints atomic.Int32
		src := p.new(t, Settings{Key: NewKey(t), Lifetime: time.Hour, Now: clock.Now, Minted: func(string, time.Time) { mints.Add(1) }})
		ctx := context.Background()
		first, _ := src.Token(ctx)
		// exp is 59 minutes away (iat is backdated a minute): fresh until 15
		// minutes are left, at 44 minutes.
		clock.Advance(44*time.Minute - time.Second)
		if tok, _ := src.Token(ctx); tok != first || mints.Load() != 1 {
			t.Fatalf("replaced before three quarters of its life")
		}
		clock.Advance(time.Second)
		if tok, _ := src.Token(ctx); tok != first {
			t.Fatalf("a stale token was not handed out while its successor was made")
		}
		synctest.Wait()
		second, _ := src.Token(ctx)
		if second == first || mints.Load() != 2 {
			t.Fatalf("no new token at three quarters of the life (%d signed)", mints.Load())
		}
		if iat, _ := p.Times(second); !iat.Equal(Start.Add(43 * time.Minute)) {
			t.Fatalf("second token issued at %v", iat)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		failing := &FlakySigner{Key: NewKey(t)}
		clock := fakeclock.New(Start)
		src := p.new(t, Settings{Key: failing, Lifetime: time.Hour, Now: clock.Now})
		ctx := context.Background()
		tok, err := src.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		failing.Fail.Store(true)
		clock.Advance(58*time.Minute - time.Second) // a minute and a second before exp
		if got, err := src.Token(ctx); got != tok || err != nil {
			t.Fatalf("a usable token was not handed out: %v", err)
		}
		synctest.Wait()
		clock.Advance(time.Second)
		if got, err := src.Token(ctx); err == nil {
			_, exp := p.Times(got)
			t.Fatalf("a token in its last minute was handed out, exp %v, now %v", exp, clock.Now())
		}
	})
}

// CheckHooksToldOfTokensAndFailures fails t unless a failed signature
// reaches the caller as the package's error and RefreshFailed once, and the
// token after it TokenMinted once, both with the key ID.
func (p Sources[T]) CheckHooksToldOfTokensAndFailures(t *testing.T) {
	type minted struct {
		keyID string
		exp   time.Time
	}
	type failed struct {
		keyID string
		err   error
	}
	var mu sync.Mutex
	var mints []minted
	var fails []failed
	signer := &FlakySigner{Key: NewKey(t)}
	src := p.new(t, Settings{Key: signer, Now: fakeclock.New(Start).Now,
		Minted: func(keyID string, exp time.Time) { mu.Lock(); mints = append(mints, minted{keyID, exp}); mu.Unlock() },
		Failed: func(keyID string, err error) { mu.Lock(); fails = append(fails, failed{keyID, err}); mu.Unlock() },
	})
	signer.Fail.Store(true)
	if _, err := src.Token(context.Background()); err == nil || !strings.HasPrefix(err.Error(), p.Package+": ") {
		t.Fatalf("a failed signature: %v", err)
	}
	signer.Fail.Store(false)
	tok := MustToken(t, src.Token)
	_, exp := p.Times(tok)
	mu.Lock()
	defer mu.Unlock()
	if len(fails) != 1 || fails[0].keyID != KeyID || fails[0].err == nil {
		t.Errorf("RefreshFailed calls: %+v", fails)
	}
	if len(mints) != 1 || mints[0].keyID != KeyID || !mints[0].exp.Equal(exp) {
		t.Errorf("TokenMinted calls: %+v", mints)
	}
}

// FlakySigner is a key outside the process (a KMS, an HSM) that fails when
// told to.
type FlakySigner struct {
	Key  *ecdsa.PrivateKey
	Fail atomic.Bool
}

// Public returns the key's public half.
func (f *FlakySigner) Public() crypto.PublicKey { return &f.Key.PublicKey }

// Sign signs with the key, or fails while Fail is set.
func (f *FlakySigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if f.Fail.Load() {
		return nil, errors.New("the HSM is unreachable")
	}
	return f.Key.Sign(r, digest, opts)
}
