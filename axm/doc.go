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
// still-usable token in place. A failing endpoint is not asked on every
// call: a refusal (invalid_client, a revoked key) is retried once at once
// with a new assertion, then after 30 seconds, doubling up to 10 minutes;
// server_error, temporarily_unavailable and 5xx are retried at once three
// times, then after a second, doubling up to a minute; a 429 waits a minute
// or what its Retry-After says. Meanwhile a caller without a usable token
// gets the last failure ([OAuthError], whose Temporary tells the two kinds
// apart) at once.
//
// A 401 from the API makes [ascjwt.Transport] drop the token, so that the
// next request waits for a new exchange. When the new token is refused too,
// the 401s are about what the requests ask, not the token: no token is
// dropped again within a minute, so that allowed and forbidden requests
// mixed cost one exchange a minute, not one per refusal.
//
// An exchange runs under a context of its own: it carries none of the
// caller's values, so that an httptrace.ClientTrace (or a logger or tracer)
// in the request's context never sees the assertion; a caller that gives up
// does not fail the token the others wait for, and once every caller
// waiting for it has given up (a second after the last), the exchange
// ends; a timeout bounds it in any case, so that an endpoint that hangs
// cannot hold them all. The assertion is cut out, whole and by its parts, of
// anything the endpoint sends back.
//
// Package axmtest is a fake token endpoint and API for your tests.
package axm
