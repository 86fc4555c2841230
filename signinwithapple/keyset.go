package signinwithapple

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascjwt/ascjwt/internal/respbody"
	"golang.org/x/sync/singleflight"
)

// Timing of the key set.
const (
	// defaultKeysMaxAge is how long a key set whose response names no
	// max-age is kept.
	defaultKeysMaxAge = 24 * time.Hour
	// maxKeysMaxAge bounds a max-age read, so that no value overflows.
	maxKeysMaxAge = 365 * 24 * time.Hour
	// refetchInterval is the least time between two fetches, by the
	// Verifier's clock: a flood of tokens naming unknown kids (anyone can
	// forge one) must not become a flood of requests to Apple, and an
	// endpoint that fails is not asked again at once.
	refetchInterval = time.Minute
	// fetchTimeout bounds one fetch, whatever the HTTPClient's own timeout:
	// a hanging keys endpoint must not hold the callers waiting on it.
	fetchTimeout = 10 * time.Second
)

// keySet is Apple's key set as one Verifier sees it: fetched when first
// needed, shared by all callers (one fetch at a time, singleflight),
// replaced when its max-age has passed or a token names a kid it does not
// hold, never more often than once a [refetchInterval], and kept as it was
// when a fetch fails.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time

	group singleflight.Group

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey // nil until a fetch succeeds
	expires   time.Time                 // when keys should be fetched again
	attempted bool                      // a fetch has started
	lastStart time.Time                 // when the last fetch started
	fetching  bool                      // a fetch is under way
	lastErr   error                     // why the last fetch failed, nil if it did not
}

// lookup returns the key named kid. It fetches the set when it has none,
// when the set has expired, or when kid is not in it, unless a fetch
// started less than a [refetchInterval] ago; a fetch under way is joined,
// not repeated. A caller whose kid is in the set held never waits for a
// refresh another caller started, and one whose ctx ends while its own
// refresh is under way gets the key held: an expired set is still Apple's
// keys of a day ago. Any other caller whose ctx ends stops waiting with
// ctx's error. The fetch goes on for the others, within [fetchTimeout].
func (k *keySet) lookup(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	now := k.now()
	k.mu.Lock()
	pub, known := k.keys[kid]
	fresh, fetching, allowed := now.Before(k.expires), k.fetching, k.fetchAllowed(now)
	k.mu.Unlock()
	switch {
	case known && (fresh || fetching || !allowed):
		return pub, nil
	case fetching || allowed:
		ch := k.group.DoChan("keys", func() (any, error) { k.fetch(); return nil, nil })
		select {
		case <-ch:
		case <-ctx.Done():
			if known {
				return pub, nil
			}
			return nil, fmt.Errorf("signinwithapple: waiting for Apple's key set: %w", context.Cause(ctx))
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if pub, ok := k.keys[kid]; ok {
		return pub, nil
	}
	switch {
	case k.keys == nil && k.lastErr != nil:
		return nil, fmt.Errorf("signinwithapple: no key set from Apple to verify with (fetched again at most once a minute): %w", k.lastErr)
	case k.lastErr != nil:
		return nil, fmt.Errorf("signinwithapple: the token's kid is not in Apple's key set, which could not be fetched again to look for it: %w", k.lastErr)
	}
	return nil, invalid(fmt.Sprintf("the header's kid %s names no key in Apple's key set (fetched %s ago; fetched again for an unknown kid at most once a minute)",
		describeName(kid), now.Sub(k.lastStart).Round(time.Second)))
}

// fetchAllowed reports whether a fetch may start at now. Call it with mu
// held.
func (k *keySet) fetchAllowed(now time.Time) bool {
	return !k.attempted || now.Sub(k.lastStart) >= refetchInterval
}

// fetch replaces the set with Apple's, unless another fetch started less
// than a [refetchInterval] ago, which a caller that looked before it began
// can find; on failure it keeps the set it had.
func (k *keySet) fetch() {
	start := k.now()
	k.mu.Lock()
	if !k.fetchAllowed(start) {
		k.mu.Unlock()
		return
	}
	k.attempted, k.lastStart, k.fetching = true, start, true
	k.mu.Unlock()

	keys, maxAge, err := k.get()

	k.mu.Lock()
	defer k.mu.Unlock()
	k.fetching = false
	k.lastErr = err
	if err == nil {
		k.keys, k.expires = keys, start.Add(maxAge)
	}
}

// get fetches and reads the key set, under a context of its own: a caller
// that gives up must not fail the fetch for the others waiting on it.
func (k *keySet) get() (map[string]*rsa.PublicKey, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch Apple's key set: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch Apple's key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("fetch Apple's key set: GET %s answered %s", k.url, respbody.Status(resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("fetch Apple's key set: read the response: %w", err)
	}
	keys, err := parseKeySet(body)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch Apple's key set: the key set %w", err)
	}
	return keys, maxAge(resp.Header), nil
}

// maxAge is how long a response may be kept, by its Cache-Control
// (RFC 9111 section 5.2.2): max-age less the Age a cache in between has
// added, nothing for no-store or no-cache, a day when it says nothing.
func maxAge(h http.Header) time.Duration {
	age := time.Duration(0)
	if a, err := strconv.ParseUint(strings.TrimSpace(h.Get("Age")), 10, 32); err == nil {
		age = time.Duration(a) * time.Second
	}
	found := false
	d := defaultKeysMaxAge
	for _, line := range h.Values("Cache-Control") {
		for _, directive := range strings.Split(line, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store", "no-cache":
				return 0
			case "max-age":
				value = strings.Trim(strings.TrimSpace(value), `"`)
				if value == "" || strings.Trim(value, "0123456789") != "" {
					continue // not a number: as if absent
				}
				secs, err := strconv.ParseUint(value, 10, 64)
				if err != nil || secs > uint64(maxKeysMaxAge/time.Second) {
					secs = uint64(maxKeysMaxAge / time.Second)
				}
				if !found || time.Duration(secs)*time.Second < d {
					d = time.Duration(secs) * time.Second
				}
				found = true
			}
		}
	}
	if !found {
		return defaultKeysMaxAge
	}
	return max(d-age, 0)
}

// errNoRedirect stops a redirect from the keys endpoint: Apple's does not
// redirect, and a key set from wherever a response points is not Apple's.
var errNoRedirect = errors.New("the keys endpoint redirected; Apple's does not, and its key set is read from VerifierConfig.KeysURL only")
