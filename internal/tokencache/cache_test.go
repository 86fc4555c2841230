package tokencache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// counter mints numbered tokens, used for 50 minutes and replaced after 40,
// on a fake clock.
type counter struct {
	clock *fakeclock.Clock
	n     atomic.Int64
}

func (c *counter) mint(_ context.Context, now time.Time) (int64, Lifetimes, error) {
	return c.n.Add(1), Lifetimes{RefreshAt: now.Add(40 * time.Minute), ExpireAt: now.Add(50 * time.Minute)}, nil
}

func newCounter(minInterval time.Duration) (*counter, *Cache[int64]) {
	c := &counter{clock: fakeclock.New(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))}
	return c, New(Config[int64]{Mint: c.mint, Local: true, Now: c.clock.Now, MinInterval: minInterval, DropInterval: time.Minute, Label: "test: minter", Prefix: "test"})
}

// TestMinIntervalHoldsAgainstInvalidations: within MinInterval of the last
// token no new one is made, however often it is invalidated.
func TestMinIntervalHoldsAgainstInvalidations(t *testing.T) {
	c, cache := newCounter(20 * time.Minute)
	ctx := context.Background()
	for range 19 * 60 { // an invalidation every second for 19 minutes
		tok, err := cache.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cache.Invalidate(tok)
		c.clock.Advance(time.Second)
	}
	if n := c.n.Load(); n != 1 {
		t.Fatalf("%d tokens within 20 minutes, want 1", n)
	}
	c.clock.Advance(2 * time.Minute) // 21 minutes
	tok, _ := cache.Token(ctx)
	cache.Invalidate(tok)
	if tok2, _ := cache.Token(ctx); *tok2 != 2 {
		t.Fatalf("after 21 minutes an invalidated token was not replaced: got token %d", *tok2)
	}
}

func TestOneMintForConcurrentFirstCalls(t *testing.T) {
	c, cache := newCounter(0)
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if _, err := cache.Token(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := c.n.Load(); n != 1 {
		t.Errorf("%d mints for 200 first calls, want 1", n)
	}
}

// TestWaiterGetsNoTokenPastItsUseAfterAClockJump: a token minted before the
// clock jumped past its use is not handed to the callers that waited for
// it; they get the one after it.
func TestWaiterGetsNoTokenPastItsUseAfterAClockJump(t *testing.T) {
	c := &counter{clock: fakeclock.New(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))}
	jumped := false
	cache := New(Config[int64]{Local: true, Now: c.clock.Now, Label: "test: minter", Prefix: "test",
		Mint: func(ctx context.Context, now time.Time) (int64, Lifetimes, error) {
			tok, life, err := c.mint(ctx, now)
			if !jumped {
				jumped = true
				c.clock.Advance(2 * time.Hour) // the machine slept while the first token was made
			}
			return tok, life, err
		}})
	tok, err := cache.Token(context.Background())
	if err != nil || *tok != 2 {
		t.Fatalf("got token %v, %v; want the second, made after the jump", tok, err)
	}
}

// TestPanickingHookInABackgroundRefreshIsItsError: a Minted or Failed hook
// that panics in a background refresh, where no caller could recover it,
// does not take the process down: the panic is the refresh's error, which
// the Failed hook and the callers that wait hear.
func TestPanickingHookInABackgroundRefreshIsItsError(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mintErr  error
		minted   func()
		wantFail string // what Failed hears; empty: Failed panics too
		wantErr  string // what a waiting caller hears
	}{
		{name: "Minted panics", minted: func() { panic("minted bug") },
			wantFail: "test: the TokenMinted hook panicked: minted bug", wantErr: "the TokenMinted hook panicked: minted bug"},
		{name: "Failed panics", mintErr: errors.New("signer offline"),
			wantErr: "signer offline; and then test: the RefreshFailed hook panicked: failed bug"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var n atomic.Int64
				var mu sync.Mutex
				var failures []string
				cache := New(Config[int64]{
					Mint: func(_ context.Context, now time.Time) (int64, Lifetimes, error) {
						if n.Add(1) > 1 && tc.mintErr != nil {
							return 0, Lifetimes{}, tc.mintErr
						}
						return n.Load(), Lifetimes{RefreshAt: now.Add(40 * time.Minute), ExpireAt: now.Add(50 * time.Minute)}, nil
					},
					Now: time.Now, Timeout: time.Minute, Label: "test: minter", Prefix: "test",
					Minted: func(*int64, time.Duration) {
						if n.Load() > 1 && tc.minted != nil {
							tc.minted()
						}
					},
					Failed: func(err error) {
						if tc.wantFail == "" {
							panic("failed bug")
						}
						mu.Lock()
						failures = append(failures, err.Error())
						mu.Unlock()
					},
				})
				apitest.MustToken(t, cache.Token)
				time.Sleep(45 * time.Minute) // stale: the next call refreshes in the background
				apitest.MustToken(t, cache.Token)
				synctest.Wait() // the refresh has ended
				mu.Lock()
				if tc.wantFail != "" && (len(failures) != 1 || failures[0] != tc.wantFail) {
					t.Errorf("Failed heard %q, want [%q]", failures, tc.wantFail)
				}
				mu.Unlock()
				if tc.minted != nil {
					if tok := apitest.MustToken(t, cache.Token); *tok != 2 {
						t.Errorf("current token %d, want 2: the token of the refresh whose hook panicked", *tok)
					}
					cache.Invalidate(apitest.MustToken(t, cache.Token)) // never accepted: dropped, so that the next caller waits
				} else {
					time.Sleep(10 * time.Minute) // expired: the next caller waits
				}
				if _, err := cache.Token(context.Background()); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("a waiting caller got %v, want an error saying %q", err, tc.wantErr)
				}
			})
		})
	}
}

// TestLocalMintCallerHonoursContext: a caller whose context can end is not
// held behind a refresh under way with a local Mint (an in-memory key,
// which otherwise mints on the caller's goroutine): it returns when its
// context ends. Were it stuck, every goroutine of the bubble would wait and
// synctest would report the deadlock.
func TestLocalMintCallerHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hold, entered := make(chan struct{}), make(chan struct{})
		cache := New(Config[int64]{Local: true, Now: time.Now, Label: "test: minter", Prefix: "test",
			Mint: func(_ context.Context, now time.Time) (int64, Lifetimes, error) {
				close(entered)
				<-hold // a signature under way
				return 1, Lifetimes{RefreshAt: now.Add(time.Hour), ExpireAt: now.Add(time.Hour)}, nil
			}})
		go cache.Token(context.Background()) // starts the refresh and holds it
		<-entered
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := cache.Token(ctx)
			done <- err
		}()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		close(hold)
	})
}
