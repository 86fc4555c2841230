// Package ascjwt signs the ES256 JSON Web Tokens that Apple's App Store
// Connect API (and the App Store Server API, and the Enterprise Program API)
// require, and attaches them to your HTTP requests.
//
// The happy path is two lines:
//
//	src, err := ascjwt.NewTokenSource(ascjwt.Config{KeyID: "2X9R4HXF34", IssuerID: issuerID, PrivateKey: key})
//	client := ascjwt.NewClient(http.DefaultClient, src)
//
// where key comes from LoadPrivateKey("AuthKey_2X9R4HXF34.p8"). Every request
// through client then carries "Authorization: Bearer <token>".
//
// # Tokens
//
// Tokens follow Apple's rules: header alg ES256, kid and typ JWT; payload
// iss (or sub "user" for an individual key), iat, exp, aud, and scope and bid
// when set. iat is backdated by a minute so that a server clock behind ours
// does not see a token from the future, and exp is iat + Config.Lifetime, so
// that a default token is never more than 19 minutes ahead of the local
// clock. NewTokenSource refuses lifetimes Apple would refuse.
//
// # Reuse and refresh
//
// A TokenSource from NewTokenSource signs one token and hands it out for
// three quarters of its life, with no lock and no allocation. Then the next
// caller starts one refresh in the background while every caller keeps the
// current token; only a token down to its last minute makes callers wait.
// However many goroutines ask at once, one signature is made, and a caller
// that waits gives up when its context ends without failing the refresh for
// the others.
//
// # Secrets
//
// Token and Config print redacted with every fmt verb, and no error of this
// package contains a token or key bytes.
package ascjwt
