// Package asctest provides a fake App Store Connect API for tests, in the
// spirit of net/http/httptest: a server on loopback that checks every token
// the way Apple does and answers like the real API.
//
//	srv := asctest.NewServer() // TLS; a fresh P-256 key pair made in memory
//	defer srv.Close()
//	src, err := ascjwt.NewTokenSource(srv.Config())
//	client := ascjwt.NewClient(srv.Client(), src)
//	resp, err := client.Get(srv.URL + "/v1/apps")
//
// A request whose token breaks a rule gets Apple's 401 NOT_AUTHORIZED, with a
// detail naming the rule (see [Verify] for the list). Every App Store
// Connect answer to a valid token carries X-Rate-Limit, counting the requests
// accepted for the key over the last hour, a rolling hour on the server's
// clock; past [Server.SetRateLimit], 429
// RATE_LIMIT_EXCEEDED, and past an optional per-second
// [Server.SetBurstLimit], the same with a Retry-After in seconds. Requests
// that pass reach a canned catalog, the asset upload flow, the App Store
// Server API's transaction history, or routes added with Handle, which are
// tried first.
//
// The catalog is five apps and fifty builds of each, in the JSON:API shape
// of the real API: GET /v1/apps and /v1/apps/{id}; PATCH /v1/apps/{id}
// ("Modify an App"), whose change later requests see; GET /v1/builds, with
// include=app, and /v1/builds/{id}. Lists page with limit (up to 200) and
// links.next, and honour the filter[...] parameters of the attributes the
// resources have (filter[bundleId], filter[app], filter[version], ...),
// each a comma-separated list of values of which one must match; a filter
// they lack gets Apple's 400 PARAMETER_ERROR.INVALID rather than every
// resource.
//
// Uploads follow "Uploading Assets to App Store Connect": POST
// /v1/appScreenshots (fileName, fileSize) answers uploadOperations whose URLs
// are on [UploadHost], a host that is not loopback, which srv.Client()
// reaches; that origin refuses with 400 any request carrying an
// Authorization header, as Apple's does, and counts it
// (Stats.UploadsRefused). PATCH /v1/appScreenshots/{id} with uploaded true
// (and sourceFileChecksum, the file's MD5, if given) answers COMPLETE once
// every part has arrived, and 409 otherwise.
//
// App Store Server API paths (/inApps/...) are counted apart and answer in
// that API's form: 429 {"errorCode":4290000,...} with Retry-After in UNIX
// milliseconds, and a 401 that is a line of text, not JSON. Their tokens
// carry bid, your app's bundle ID, and may live 60 minutes; a token with
// bid is an In-App Purchase key's, which "You can't use ... for other Apple
// services", so App Store Connect's routes answer it with their 401, and
// one from an individual key (sub "user", no iss) is refused everywhere:
// the App Store Server API takes team keys ("Creating API keys to
// authorize API requests"). Get Transaction Info and Get Transaction
// History answer a transaction for the token's bundle ID and the path's ID,
// and Request a Test Notification delivers a TEST notification to
// [Server.SetNotificationURL], each signed as the App Store signs: the
// chain in x5c leads to [Server.Roots], which package appstore's verifier
// (and Apple's own library) takes in place of Apple's root.
//
// It accepts what Apple accepts, not only what package ascjwt makes, as
// the clients in use make their tokens: aud as a string or as an array
// (cidertool/asc-go), no iat (Apple's App Store Server Library for
// Python), no typ (fastlane, 2019 to 2022), and exp and iat as any JSON
// number of seconds, fractions included (Apple's Swift library, through
// vapor/jwt-kit; asc-go's microseconds), as RFC 7519 section 2 allows. It
// refuses what a lax JSON or base64 decoder would let through: names in
// the wrong case, a name given twice, crit and b64 false headers, a typ
// other than "JWT", nbf in the future, times that are no number or are in
// milliseconds, and any respelling of a token (strict base64url), so that a
// revoked token stays revoked. It reads tokens with the toolkit every fake
// of this module shares.
//
// Tests can add and revoke keys (team and individual), move the clock that
// the server and its configs share (the rate limits run on it too), and read
// counters: requests accepted, rejected and rate limited, distinct tokens
// seen, the last rejection's reason, upload parts received and refused.
//
// [Verify], the token check on its own, needs no server.
//
// To run it as a server of its own, for tests in other languages: move a
// [NewUnstartedServer] to a listener on the address wanted, Start or
// StartTLS it, hand clients [Server.CertificatePEM] and [Key.PEM], and log
// each request with [Server.SetRequestLog].
package asctest
