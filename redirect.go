package ascjwt

import (
	"net/http"

	"github.com/ascjwt/ascjwt/internal/origin"
)

// maxHops bounds the walk back along a redirect chain; http.Client stops at
// 10 redirects, so a longer chain is not one it made.
const maxHops = 64

// leavesOrigin reports whether req is a redirect to an origin other than
// that of the request that began its chain. A chain that cannot be walked to
// its start counts as leaving: when in doubt, the token stays home.
func leavesOrigin(req *http.Request) bool {
	if req.Response == nil {
		return false // not a redirect
	}
	first := req
	for hops := 0; first.Response != nil; hops++ {
		if first.Response.Request == nil || hops == maxHops {
			return true
		}
		first = first.Response.Request
	}
	return !origin.Same(first.URL, req.URL)
}
