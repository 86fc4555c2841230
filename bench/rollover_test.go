package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"golang.org/x/oauth2"
)

// The rollover workload. Both implementations replace their token every
// refreshEvery of wall time, each replacement takes signDelay (a remote KMS),
// and rolloverCallers goroutines ask for tokens throughout.
const (
	rolloverCallers = 8
	rolloverWall    = 1500 * time.Millisecond
	refreshEvery    = 100 * time.Millisecond
	signDelay       = 5 * time.Millisecond
	// callEvery paces each caller: one Token call per callEvery, as a
	// program would make requests, rather than a spin that only measures
	// how fast Token returns.
	callEvery = 10 * time.Microsecond

	// freshFor is how long an ascjwt token of the default 20-minute lifetime
	// is handed out before its successor is signed in the background: iat is
	// backdated a minute, so exp is 19 minutes after signing, and the
	// refresh starts with a quarter of the lifetime (5 minutes) left.
	freshFor = 14 * time.Minute
	// clockSpeed makes ascjwt's injected clock run freshFor in refreshEvery
	// of wall time: 8400 times real time, a 20-minute token every 100 ms.
	clockSpeed = freshFor / refreshEvery

	// oauth2ExpiryDelta is oauth2's defaultExpiryDelta: ReuseTokenSource
	// replaces a token that has less than this left.
	oauth2ExpiryDelta = 10 * time.Second
)

// fastClock is ascjwt's injected clock in the rollover: it runs clockSpeed
// times as fast as the wall clock from when it is made, until it is frozen.
type fastClock struct {
	start  time.Time // wall clock, with its monotonic reading
	frozen atomic.Int64
}

func newFastClock() *fastClock { return &fastClock{start: time.Now()} }

func (c *fastClock) Now() time.Time {
	if f := c.frozen.Load(); f != 0 {
		return signEpoch.Add(time.Duration(f))
	}
	return signEpoch.Add(time.Since(c.start) * clockSpeed)
}

// freeze stops the clock where it is.
func (c *fastClock) freeze() { c.frozen.Store(int64(c.Now().Sub(signEpoch))) }

// signCounter counts the signatures made, and the most made at once.
type signCounter struct {
	sigs, inflight, maxInflight atomic.Int64
}

func (c *signCounter) begin() {
	c.sigs.Add(1)
	n := c.inflight.Add(1)
	for m := c.maxInflight.Load(); n > m && !c.maxInflight.CompareAndSwap(m, n); m = c.maxInflight.Load() {
	}
}

func (c *signCounter) end() { c.inflight.Add(-1) }

// settle waits until no signature is under way.
func (c *signCounter) settle(tb testing.TB) {
	deadline := time.Now().Add(10 * time.Second)
	for c.inflight.Load() != 0 {
		if time.Now().After(deadline) {
			tb.Fatal("a signature never finished")
		}
		time.Sleep(time.Millisecond)
	}
}

// kmsSigner is a key in a remote KMS: every signature takes signDelay. The
// sleep stands for the round trip; the signature itself is real.
type kmsSigner struct {
	key *ecdsa.PrivateKey
	n   *signCounter
}

func (s *kmsSigner) Public() crypto.PublicKey { return &s.key.PublicKey }

func (s *kmsSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.n.begin()
	defer s.n.end()
	time.Sleep(signDelay)
	return s.key.Sign(rand, digest, opts)
}

// kmsTokenSource is the oauth2 side's source: every token takes signDelay
// and one real signature, like the ascjwt side's, and is good for
// refreshEvery past oauth2's expiry delta, so that ReuseTokenSource replaces
// it refreshEvery after the fetch began, as the ascjwt source does.
// ReuseTokenSource reads the real clock (time.Now), so its tokens expire by
// it.
type kmsTokenSource struct {
	key *ecdsa.PrivateKey
	n   *signCounter
}

func (s *kmsTokenSource) Token() (*oauth2.Token, error) {
	s.n.begin()
	defer s.n.end()
	start := time.Now()
	time.Sleep(signDelay)
	value, err := floorSign(s.key, start.Unix()-60)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: value, TokenType: "Bearer", Expiry: start.Add(oauth2ExpiryDelta + refreshEvery)}, nil
}

// rolloverRun is one implementation set up for one measurement.
type rolloverRun struct {
	// token makes one call and returns the token's value, and false if the
	// token is not good for another minute by the clock reading taken
	// before the call.
	token func(ctx context.Context) (string, bool, error)
	// last, when set, returns the source's current token once the
	// measurement is over and no signature is under way, so that a token
	// signed near the end counts as handed out.
	last  func(ctx context.Context) (string, error)
	signs *signCounter
}

// BenchmarkRollover measures what callers wait while tokens are replaced:
// rolloverCallers goroutines ask for tokens for rolloverWall while tokens are
// replaced every refreshEvery and each replacement takes signDelay. Every
// Token call's wait is recorded (see histogram.recordPaced) and reported as
// p99.9-ns and max-ns, with the signatures made (sigs) and the signatures per
// token handed out (sigs/refresh: 1 unless a refresh signs more than once)
// and the most signatures under way at once (sigs-at-once). ns/op is the mean
// wait of a Token call.
//
// The ascjwt source runs on a clock clockSpeed times real time, so a default
// 20-minute token is refreshed every refreshEvery of wall time; oauth2's
// ReuseTokenSource reads time.Now, so its tokens are issued with
// refreshEvery + its 10 s expiry delta to live, which has it refresh every
// refreshEvery of wall time too.
func BenchmarkRollover(b *testing.B) {
	b.Run("impl=ascjwt", func(b *testing.B) {
		benchRollover(b, func(b *testing.B) *rolloverRun {
			n := new(signCounter)
			clock := newFastClock()
			cfg := benchConfig(benchKey, clock.Now)
			cfg.PrivateKey = &kmsSigner{key: benchKey, n: n} // any crypto.Signer will do
			src := apitest.Must(b, ascjwt.NewTokenSource, cfg)
			return &rolloverRun{
				token: func(ctx context.Context) (string, bool, error) {
					now := clock.Now()
					tok, err := src.Token(ctx)
					if err != nil {
						return "", false, err
					}
					return tok.Value, tok.Expiry.Sub(now) >= time.Minute, nil
				},
				last: func(ctx context.Context) (string, error) {
					clock.freeze()
					n.settle(b)
					tok, err := src.Token(ctx)
					if err != nil {
						return "", err
					}
					return tok.Value, nil
				},
				signs: n,
			}
		})
	})
	b.Run("impl=oauth2", func(b *testing.B) {
		benchRollover(b, func(b *testing.B) *rolloverRun {
			n := new(signCounter)
			src := oauth2.ReuseTokenSource(nil, &kmsTokenSource{key: benchKey, n: n})
			return &rolloverRun{
				token: func(context.Context) (string, bool, error) {
					now := time.Now()
					tok, err := src.Token()
					if err != nil {
						return "", false, err
					}
					return tok.AccessToken, tok.Expiry.Sub(now) >= oauth2ExpiryDelta, nil
				},
				signs: n,
			}
		})
	})
}

func benchRollover(b *testing.B, setup func(*testing.B) *rolloverRun) {
	ctx := context.Background()
	var (
		all        histogram
		sigs, toks int64
		sigsAtOnce int64
		invalid    int64
	)
	for range b.N {
		run := setup(b)
		// Warm up: the first token is signed before the measurement, as a
		// program would at start-up.
		first, _, err := run.token(ctx)
		if err != nil {
			b.Fatal(err)
		}
		begin := time.Now()
		deadline := begin.Add(rolloverWall)

		var wg sync.WaitGroup
		hists := make([]histogram, rolloverCallers)
		seen := make([]map[string]bool, rolloverCallers)
		bad := make([]int64, rolloverCallers)
		errs := make([]error, rolloverCallers)
		for g := range rolloverCallers {
			seen[g] = map[string]bool{first: true}
			wg.Go(func() {
				h, set := &hists[g], seen[g]
				last := first
				next := time.Now()
				for {
					now := time.Now()
					if now.After(deadline) {
						return
					}
					if now.Before(next) {
						runtime.Gosched() // idle until this caller's next request
						continue
					}
					t0 := time.Now()
					v, ok, err := run.token(ctx)
					wait := time.Since(t0)
					h.recordPaced(wait, callEvery)
					if err != nil {
						errs[g] = err
						return
					}
					if !ok {
						bad[g]++
					}
					if v != last {
						set[v], last = true, v
					}
					// One call per callEvery; after a long wait, the calls
					// it held back are recorded already, so carry on from now.
					if next = next.Add(callEvery); next.Before(t0.Add(wait)) {
						next = t0.Add(wait)
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}

		tokens := map[string]bool{}
		for g := range rolloverCallers {
			all.merge(&hists[g])
			invalid += bad[g]
			for v := range seen[g] {
				tokens[v] = true
			}
		}
		if run.last != nil {
			v, err := run.last(ctx)
			if err != nil {
				b.Fatal(err)
			}
			tokens[v] = true
		}
		run.signs.settle(b)
		sigs += run.signs.sigs.Load()
		toks += int64(len(tokens))
		sigsAtOnce = max(sigsAtOnce, run.signs.maxInflight.Load())
	}
	if invalid > 0 {
		b.Errorf("%d Token calls returned a token with less than its minimum time left", invalid)
	}
	if toks <= int64(b.N) {
		b.Errorf("no token was replaced during the measurement; the clock is not running through lifetimes")
	}
	b.ReportMetric(float64(all.mean().Nanoseconds()), "ns/op")
	b.ReportMetric(float64(all.quantile(0.999).Nanoseconds()), "p99.9-ns")
	b.ReportMetric(float64(all.max), "max-ns")
	b.ReportMetric(float64(sigs)/float64(b.N), "sigs")
	b.ReportMetric(float64(sigs)/float64(toks), "sigs/refresh")
	b.ReportMetric(float64(sigsAtOnce), "sigs-at-once")
}
