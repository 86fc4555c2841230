// Package apnstest provides a fake Apple Push Notification service for
// tests, in the spirit of net/http/httptest: an HTTP/2 server on loopback
// that checks every provider token by APNs' rules, with its own
// verification code, and answers as APNs does.
//
//	srv := apnstest.NewServer() // HTTP/2 over TLS; a fresh P-256 key made in memory
//	defer srv.Close()
//	src, err := apns.NewTokenSource(srv.Config())
//	client := ascjwt.NewClient(srv.Client(), src)
//	req, err := http.NewRequest("POST", srv.URL+"/3/device/"+deviceToken, strings.NewReader(`{"aps":{"alert":"hi"}}`))
//	req.Header.Set("apns-topic", "com.example.app")
//	resp, err := client.Do(req)
//
// POST /3/device/{token} answers 200 with an apns-id header (the request's,
// or a new UUID), or a status with APNs' JSON body {"reason":"..."}:
//
//   - 403 MissingProviderToken: no "authorization: bearer <token>" header;
//   - 403 InvalidProviderToken: not a compact JWS of strict base64url JSON
//     objects (a name given twice refused); alg other than ES256; no kid,
//     or one the server does not know; typ other than absent or JWT; crit;
//     a signature that is not the key's 64-byte R||S; iss other than the
//     key's team ID; no iat, or one that is not whole seconds; an iat ahead
//     of the server's clock (Apple documents no leeway, so none is given);
//     a token revoked by [Server.RevokeTokens];
//   - 403 ExpiredProviderToken: iat more than an hour before the server's
//     clock;
//   - 429 TooManyProviderTokenUpdates: a connection whose token is
//     replaced by one made (iat) less than 20 minutes after it, as Apple's
//     "Establishing a token-based connection to APNs" words the rule (a
//     token no more than once every 20 minutes), whenever the connection
//     started to use the old one; so a step back to an older token, or
//     another key's token on the same connection, is refused too. A closed
//     connection is forgotten;
//   - 404 BadPath, 405 MethodNotAllowed, 400 BadDeviceToken (not hex),
//     MissingTopic (token authentication requires apns-topic),
//     BadMessageId (an apns-id that is not a UUID), PayloadEmpty, and 413
//     PayloadTooLarge (over 5,120 bytes for apns-push-type voip, 4,096 for
//     the others, as "Sending notification requests to APNs" allows);
//   - 410 Unregistered, with the timestamp given, for a device token given
//     to [Server.Unregister]; and whatever [Server.Fail] asks for (429
//     TooManyRequests, 503 ServiceUnavailable, ...), until [Server.Recover].
//
// Every refusal's body declares its length, and the reasons are package
// apns's constants, so that [apns.CheckResponse] reads them back.
//
// It reads the fakes' one vocabulary: its clock, which the configs it hands
// out share, moves with [Server.Advance] and [Server.SetClock];
// [Server.RevokeTokens] refuses the tokens seen so far and [Server.Revoke]
// a key's; [Server.Stats] counts requests Accepted, Rejected for their token
// (with LastRejection, the rule broken), distinct Tokens, and APNs' own:
// refusals by reason and token changes on connections.
package apnstest
