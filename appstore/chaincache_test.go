package appstore

import (
	"strconv"
	"testing"
	"time"
)

func TestChainCacheKeepsAtMost32(t *testing.T) {
	var c chainCache
	now := time.Now()
	for i := range 100 {
		c.put(strconv.Itoa(i), &verifiedChain{}, now.Add(time.Duration(i)*time.Second))
		if c.len() > maxCachedChains {
			t.Fatalf("%d chains kept; want at most %d", c.len(), maxCachedChains)
		}
	}
	// The newest are kept, the oldest dropped.
	at := now.Add(100 * time.Second)
	if c.get("99", at) == nil || c.get("0", at) != nil {
		t.Error("a full cache dropped the newest chain, or kept the oldest")
	}
	// Expired entries go first.
	if c.get("99", now.Add(99*time.Second+chainCacheTTL)) != nil {
		t.Error("a chain is kept past its 15 minutes")
	}
	c.put("new", &verifiedChain{}, now.Add(time.Hour))
	if c.len() != 1 {
		t.Errorf("%d chains after every other expired; want 1", c.len())
	}
}
