package fakeserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"
)

// TestFaultsHoldUntilReleaseAndFailUntilRecover: an exchange entering while
// the endpoint hangs waits until Release and is counted as held meanwhile;
// a cancelled one gives up; Fail's answer comes back until Recover.
func TestFaultsHoldUntilReleaseAndFailUntilRecover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f Faults
		if fail, ok := f.Enter(t.Context()); fail != nil || !ok {
			t.Fatalf("the zero Faults: %+v, %v", fail, ok)
		}
		f.Hang()
		done := make(chan bool)
		go func() {
			_, ok := f.Enter(context.Background())
			done <- ok
		}()
		synctest.Wait() // the exchange is inside Enter, held
		if n := f.Held(); n != 1 {
			t.Fatalf("%d held while hung, want the one inside", n)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, ok := f.Enter(ctx); ok {
			t.Fatal("a cancelled exchange went on while hung")
		}
		f.Release()
		if !<-done {
			t.Fatal("the held exchange did not go on after Release")
		}
		if n := f.Held(); n != 0 {
			t.Fatalf("%d held after Release", n)
		}
		f.Fail(Failure{Status: 503, Code: "temporarily_unavailable"})
		if fail, _ := f.Enter(t.Context()); fail == nil || fail.Status != 503 {
			t.Fatalf("failing: %+v", fail)
		}
		f.Recover()
		if fail, _ := f.Enter(t.Context()); fail != nil {
			t.Fatalf("recovered: %+v", fail)
		}
	})
}

// TestHoldAbortsARequestWhoseClientGaveUp: a handler's request given up
// while held ends in http.ErrAbortHandler, which sends no response; one
// not held gets the failure set.
func TestHoldAbortsARequestWhoseClientGaveUp(t *testing.T) {
	var f Faults
	f.Fail(Failure{Status: 503})
	r := httptest.NewRequest("GET", "/", nil)
	if fail := f.Hold(r); fail == nil || fail.Status != 503 {
		t.Fatalf("not held: %+v", fail)
	}
	f.Hang()
	defer f.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Fatalf("a held request given up: recovered %v, want http.ErrAbortHandler", p)
		}
	}()
	f.Hold(r.WithContext(ctx))
	t.Fatal("Hold returned for a request given up")
}

// TestHangsReleaseFuncLetsGoOfItsOwnHangOnly: a release kept from one Hang
// does not release a later one.
func TestHangsReleaseFuncLetsGoOfItsOwnHangOnly(t *testing.T) {
	var f Faults
	first := f.Hang()
	first()
	first() // harmless
	f.Hang()
	first()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, ok := f.Enter(ctx); ok {
		t.Fatal("an old release let go of a later hang")
	}
	f.Release()
}

// TestAccessTokensExpireAndRevoke: an issued token passes until its expiry
// on the caller's clock; one not issued, or revoked, is unknown.
func TestAccessTokensExpireAndRevoke(t *testing.T) {
	var a AccessTokens
	now := time.Unix(1_000_000, 0)
	tok := a.Issue(now.Add(time.Hour))
	if len(tok) != 43 || a.Check(tok, now) != nil {
		t.Fatalf("a fresh token %q: %v", tok, a.Check(tok, now))
	}
	if err := a.Check(tok, now.Add(time.Hour)); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("at its expiry: %v", err)
	}
	if err := a.Check("other", now); !errors.Is(err, ErrUnknownToken) {
		t.Errorf("not issued: %v", err)
	}
	a.Revoke()
	if err := a.Check(tok, now); !errors.Is(err, ErrUnknownToken) {
		t.Errorf("revoked: %v", err)
	}
}
