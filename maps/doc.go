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
// wait. However many goroutines ask at once, one exchange runs. The exchange
// is not cancelled when the caller that started it gives up (others may be
// waiting for it), but it is bounded: an endpoint that does not answer
// within [ExchangeTimeout] fails that exchange, and the next caller tries
// again. A failed exchange keeps a still-usable access token.
//
// A 401 from the Maps API makes [ascjwt.Transport] drop the access token
// (once however many requests were refused with it) and retry with a new
// one. A 401 from the token endpoint means Apple refused the JWT: the JWT is
// dropped too, and the error names the likely causes (the key ID, the team
// ID, a key without the Maps service), never the JWT.
//
// # MapKit JS
//
// [NewJSTokenSource] makes the tokens a web page hands MapKit JS through
// its authorizationCallback, following "Creating and Using Tokens with
// MapKit JS": the same header, claims iss, iat and exp, and the optional
// origin claim that restricts the token to one website. Apple matches the
// origin claim exactly against the Origin header the browser sends
// ("Debugging an Invalid token": it "must match exactly, include the
// protocol"), which is always scheme://host or scheme://host:port, lower
// case, with no path, no trailing slash and the port left out when it is the
// scheme's default. An origin that cannot be such a header is refused up
// front, and so is a wildcard: Apple's pages document none.
package maps
