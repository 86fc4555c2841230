// Package maps makes tokens for Apple Maps: access tokens for the Apple
// Maps Server API, exchanged for a signed JWT at Apple's token endpoint, and
// MapKit JS tokens for browsers.
//
//	src, err := maps.NewTokenSource(maps.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", PrivateKey: key})
//	client := ascjwt.NewClient(nil, src) // requests to maps-api.apple.com carry an access token
//
// # The Maps Server API
//
// Apple's pages "Creating and using tokens with Maps Server API" and
// "Generate a Maps token" (GET https://maps-api.apple.com/v1/token) give the
// flow. A JWT with header alg ES256, kid (the key's 10-character ID) and typ
// JWT, and claims iss (the 10-character team ID), iat, exp and scope
// "server_api", signed with the Maps key, is sent as the bearer to the token
// endpoint, which answers {"accessToken":"...","expiresInSeconds":1800}. The
// access token is the bearer of every other request.
//
// [NewTokenSource] returns a source of access tokens. The signed JWT is kept
// for most of its own life ([Config].Lifetime) and not signed again for each
// exchange. The access token is kept for three quarters of its life; then
// the next caller starts one exchange in the background and every caller
// keeps the current token meanwhile; only in its last minute do callers
// wait. However many goroutines ask at once, one exchange runs.
//
// An exchange runs under a context of its own: it carries none of the
// caller's values, so that an httptrace.ClientTrace (or a logger or tracer)
// in the request's context never sees the JWT, which mints access tokens
// for its whole life. It ends when the callers waiting for it have all
// given up (their deadlines passed or their contexts cancelled, a second
// after the last of them), and within [ExchangeTimeout] in any case; one
// caller giving up does not end an exchange others wait for. A failed
// exchange keeps a still-usable access token. A failing endpoint is not
// asked on every call: a refused JWT is retried once at once (with a new
// JWT), then after 30 seconds, doubling up to 10 minutes; a failure of
// Apple's (5xx) is retried at once three times, then after a second,
// doubling up to a minute; a 429 (the daily quota) waits a minute or what
// its Retry-After says. Meanwhile a caller without a usable token gets the
// last failure at once. [ExchangeError] tells the failures apart
// (Temporary).
//
// A 401 from the Maps API makes [ascjwt.Transport] drop the access token
// (once however many requests were refused with it) and retry with a new
// one. When the new token is refused too, the 401s are about the requests,
// not the token, and no token is dropped again within a minute: a mix of
// allowed and refused requests costs one exchange a minute, not one per
// refusal. A 401 from the token endpoint means Apple refused the JWT: the
// JWT is dropped too, and the error names the likely causes (the key ID,
// the team ID, a key without the Maps service), never the JWT, which is cut
// out, whole and by its parts, of anything the endpoint sends back.
//
// # MapKit JS
//
// [NewJSTokenSource] makes the tokens a web page hands MapKit JS through
// its authorizationCallback, following "Creating and Using Tokens with
// MapKit JS" and "Creating and using tokens with Maps Server API": the same
// header, claims iss, iat and exp, and the origin claim that restricts the
// token to websites, with the scope mapkit_js ([ScopeMapKitJS]), which
// Apple's page lists among the token scopes and requires an origin with. An
// origin claim is an origin as the browser's Origin header sends it, which
// Apple matches exactly ("Debugging an Invalid token": it "must match
// exactly, include the protocol"), so scheme://host or scheme://host:port,
// lower case, no path, no trailing slash, the default port left out; a bare
// domain (www.example.com); a domain pattern (*.example.com, the page's own
// example); or a comma-separated list of those. [JSTokenSource.TokenFor]
// picks the token whose claim covers a request's Origin header. A claim no
// page could match is refused up front.
package maps
