// Package axm makes access tokens for the Apple School Manager and Apple
// Business Manager API (AxM): it signs an ES256 client assertion with the
// API account's key, exchanges it at Apple's token endpoint for an access
// token, and hands that token out until shortly before it expires.
//
//	src, err := axm.NewTokenSource(axm.Config{KeyID: keyID, ClientID: "BUSINESSAPI.…", PrivateKey: key})
//	client := ascjwt.NewClient(nil, src) // requests to api-business.apple.com now carry a token
//
// The flow is Apple's, as its page "Implementing OAuth for the Apple School
// Manager and Apple Business API" (formerly "Implementing OAuth for the Apple
// School and Business Manager API") describes it: an OAuth 2.0
// client-credentials grant authenticated with a JWT client assertion (RFC
// 7523). The assertion's header holds alg ES256 and kid, the key ID; its
// claims iss and sub hold the client ID, aud Apple's audience, iat, exp (at
// most 180 days later) and jti. It is posted to the token endpoint with the
// scope business.api or school.api, and the answer holds access_token and
// expires_in (one hour) and no refresh token. The access token is then the
// bearer for api-business.apple.com or api-school.apple.com.
//
// Public write-ups disagree on two values, and Apple's page is the word on
// both: the token is asked of [TokenURL], and the assertion's aud is
// [Audience], which is not the same URL. Both stay settable in [Config], in
// case Apple moves them.
//
// One exchange serves any number of callers: the first calls wait for it
// together, and later ones are handed the cached token. When three quarters
// of its life have passed the next caller starts one exchange in the
// background while every caller keeps the current token; callers wait only
// for a token that is about to expire. An exchange that fails leaves a
// still-usable token in place and is tried again by the next caller. A 401
// from the API makes [ascjwt.Transport] drop the token, so that the next
// request waits for a new exchange. An exchange runs apart from any one
// caller's context, so that a caller that gives up does not fail the token
// the others wait for, and is bounded by a timeout, so that an endpoint that
// hangs cannot hold them all.
//
// Package axmtest is a fake token endpoint and API for your tests.
package axm
