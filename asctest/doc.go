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
// detail naming the rule (see [Verify] for the list); one over the hourly limit
// gets 429 RATE_LIMIT_EXCEEDED; every accepted answer carries X-Rate-Limit.
// Requests that pass reach /v1/apps (paged with links.next), /v1/apps/{id},
// or routes added with Handle.
//
// It accepts what Apple accepts, not only what package ascjwt makes: aud as a
// string or as an array (asc-go's form), and tokens without iat (Apple's App
// Store Server Library's form). It refuses what a lax JSON or base64 decoder
// would let through: names in the wrong case, a name given twice, crit and
// b64 false headers, nbf in the future, and any respelling of a token
// (strict base64url), so that a revoked token stays revoked.
//
// Tests can add and revoke keys (team and individual), move the clock that
// the server and its configs share, and read counters: requests accepted and
// rejected, distinct tokens seen, the last rejection's reason.
//
// [Verify], the token check on its own, needs no server.
//
// To run it as a server of its own, for tests in other languages: move a
// [NewUnstartedServer] to a listener on the address wanted, Start or
// StartTLS it, hand clients [Server.CertificatePEM] and [Key.PEM], and log
// each request with [Server.SetRequestLog].
package asctest
