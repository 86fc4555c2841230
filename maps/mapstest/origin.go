package mapstest

import (
	"fmt"

	"github.com/ascjwt/ascjwt/internal/origin"
)

// originAllows reports whether a token's origin claim allows a page whose
// Origin header is page ("" for none, which no claim allows), or says that
// the claim is not of the forms of "Creating and using tokens with Maps
// Server API".
//
// The reading is internal/origin's, the one maps signs by, so that a token
// maps hands a page is one this fake takes from that page, and a claim maps
// refuses to sign is one this fake refuses: an origin entry
// (https://www.example.com) equals the Origin header exactly, as "Debugging
// an Invalid token" says; a domain (example.com) or a domain pattern
// (*.example.com), which Apple's page writes "without a URL scheme", names
// hosts only, and so covers an https or http page on any port. A host:port
// entry is neither a domain nor an origin (write http://localhost:8080),
// and an Origin header in upper case or with its scheme's default port is
// one no browser sends.
func originAllows(claim, page string) (bool, error) {
	if err := origin.CheckMapKit(claim); err != nil {
		return false, fmt.Errorf("origin is not a domain, a domain pattern (*.example.com), an origin (https://www.example.com) or a comma-separated list of them: %w", err)
	}
	return origin.MatchMapKit(claim, page), nil
}
