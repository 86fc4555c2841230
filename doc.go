// Package ascjwt signs the ES256 JSON Web Tokens that Apple's App Store
// Connect API requires (and the App Store Server API and the Enterprise
// Program API, which take the same tokens), and attaches them to your HTTP
// requests.
//
// The happy path is two lines, with the key from [LoadPrivateKey]:
//
//	src, err := ascjwt.NewTokenSource(ascjwt.Config{KeyID: "2X9R4HXF34", IssuerID: issuerID, PrivateKey: key})
//	client := ascjwt.NewClient(http.DefaultClient, src)
//
// Every request through client then carries "Authorization: Bearer <token>".
// [NewClient] wraps any [http.Client], so the same client serves generated
// API clients (oapi-codegen's HttpRequestDoer, openapi-generator's
// Configuration.HTTPClient); [Transport] is the [http.RoundTripper] to build
// your own. Package credentials finds the key where fastlane,
// Codemagic and CI secrets keep it. Package asctest is a fake App Store
// Connect API for your tests, and cmd/ascjwt a command for the shell.
//
// The other APIs that take a key from the same developer account have a
// package each, whose sources serve the same [Transport]: apns (and
// DeviceCheck), musickit, weatherkit, signinwithapple, maps and axm (Apple
// Business and School Manager), each with a fake for tests; module
// github.com/ascjwt/ascjwt/xoauth2 joins these sources and
// golang.org/x/oauth2 both ways.
//
// # Tokens
//
// Tokens follow Apple's rules: header alg ES256, kid and typ JWT; claims iss
// (or sub "user" for an individual key, when [Config].IssuerID is empty),
// iat, exp and aud, with scope and bid when set. [NewTokenSource] checks the
// whole [Config] at once and refuses what Apple would refuse later: a key
// that is not P-256, a malformed scope, a lifetime over Apple's limit (20
// minutes; 60 with a bundle ID; 180 days for a scope of GET requests on the
// resources Apple lists). iat is backdated by a minute and exp is iat +
// Lifetime, so that a server whose clock is up to a minute behind or ahead
// of ours accepts the token: a default token is never more than 19 minutes
// ahead of the local clock.
//
// # Lifecycle
//
// A token is fresh for three quarters of its life: every caller gets it from
// an atomic load, with no lock and no allocation. Once it is stale, the next
// caller starts one refresh in the background and every caller keeps the
// current token meanwhile. A token is never handed out in its last minute:
// then callers wait for its successor. A caller that waits gives up when its
// context ends, while the refresh goes on for the others; a refresh runs on
// a context detached from the caller's cancellation (see [ContextSigner]),
// and a signature by a key outside the process that takes over 30 seconds
// fails rather than hold every caller. A failed refresh returns its cause to
// the callers that waited and keeps a token that is still usable; the next
// call tries again.
//
// # Concurrency
//
// A [TokenSource] from [NewTokenSource] and a [Transport] are safe for
// concurrent use. However many goroutines ask at once, at a cold start or
// after a token expired, one signature is made and all of them get its
// token. A signer that panics becomes an error, never a crash.
//
// # On the wire
//
// [Transport] never modifies the caller's request, and closes its body on
// every error path. A redirect to another origin (scheme, host or port) than
// the request that began the chain goes out without the token. A 401 to a
// request that can be sent again is retried once with a new token, the old
// one dropped only if it is still the current one, so that many refused
// requests cause one new signature. A token a server accepted before is
// dropped at once (it was revoked); one never accepted at most once a
// minute, so that requests refused for another reason (outside the token's
// scope, a revoked key) do not cost a signature each. A [TokenSource] of
// your own that wraps another keeps this retry by implementing
// [Invalidator]. Of the refused response, only a small body of declared
// length is read, and only for as long as reading what has already arrived
// takes; any other is closed unread, so that a server that stalls cannot
// hold the request.
//
// # Hosts, rate limits and errors
//
// The token goes only to the hosts of Apple's APIs that take it (the App
// Store Connect API's, the App Store Server API's under both of its names,
// and for an [AudienceEnterprise] source [EnterpriseURL]'s), over https,
// and to loopback (for test servers), or to exactly the hosts in
// [Transport].Hosts, plus [Transport].ExtraHosts; a request to any other
// host, such as an asset upload URL, goes out as the caller made it. Every
// App Store Connect API response reports the key's hourly budget in
// X-Rate-Limit ("Identifying Rate Limits" in Apple's documentation), which
// [ParseRateLimit] reads and [Transport.RateLimit] remembers; when it runs
// low the Transport spaces requests at the key's steady rate, and a
// replayable request that gets a 429 is sent again after the wait
// Retry-After asks for, or a jittered backoff, unless the source's
// [RetryPolicy] says no. Every wait of a request, pacing's and 429s', fits
// in [Transport].MaxRetryWait and its context's deadline; a request that
// cannot wait for its pacing slot is sent at once. [CheckResponse] turns an
// error response of either API into an [*APIError], and says when the
// Transport sent a refused request without its token, and why.
// [Hooks] report tokens minted, failed refreshes, retries, waits and rate
// limits, for logs and metrics.
//
// # What is never shown
//
// [Token] and [Config] print redacted with every fmt verb, through log/slog
// and under encoding/json, encoding/xml and encoding/gob: the key ID and
// expiry, never the token's value or key material. A Config field that was
// refused, or does not look like what it should hold (a private key pasted
// into KeyID), is described by its length, never shown.
// No error of this package contains a token or a byte of a key.
package ascjwt
