package appstore

import (
	"sync"
	"time"
)

// chainCache keeps verified chains by the header segment that carried
// them. The App Store's header holds only alg and x5c, so everything one
// certificate signs has the same header text, and a payload with a header
// seen before needs neither the header decoded nor the chain checked: one
// map lookup, then the payload's own checks.
type chainCache struct {
	mu sync.Mutex
	m  map[string]*verifiedChain
}

// get returns the chain verified for header, unless it has expired.
func (c *chainCache) get(header string, now time.Time) *verifiedChain {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.m[header]
	if ch == nil || !now.Before(ch.expires) {
		return nil
	}
	return ch
}

// put keeps ch for chainCacheTTL from now. A full cache first drops what
// has expired, then the entry that would expire first.
func (c *chainCache) put(header string, ch *verifiedChain, now time.Time) {
	ch.expires = now.Add(chainCacheTTL)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*verifiedChain)
	}
	if _, ok := c.m[header]; !ok && len(c.m) >= maxCachedChains {
		var oldest string
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			} else if oldest == "" || e.expires.Before(c.m[oldest].expires) {
				oldest = k
			}
		}
		if len(c.m) >= maxCachedChains {
			delete(c.m, oldest)
		}
	}
	c.m[header] = ch
}

// len reports how many chains are kept, for tests.
func (c *chainCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
