// Package apns makes the provider authentication tokens of the Apple Push
// Notification service (APNs), and of DeviceCheck, which takes the same
// token, as an [ascjwt.TokenSource] for [ascjwt.Transport] and
// [ascjwt.NewClient]:
//
//	src, err := apns.NewTokenSource(apns.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", PrivateKey: key})
//	client := ascjwt.NewClient(nil, src) // HTTP/2 to APNs, every request with a token
//	resp, err := client.Do(req)           // req: POST apns.ProductionURL + "/3/device/" + deviceToken
//
// # The token
//
// As Apple's "Establishing a token-based connection to APNs" shows it: a
// header of "alg" (ES256) and "kid" (the 10-character key ID) and nothing
// else, no "typ"; claims "iss" (the 10-character team ID) and "iat" (the
// signing time, in seconds) and nothing else: no "exp", "aud" or "sub". The
// key is the .p8 key made for APNs in the developer account
// ([ascjwt.LoadPrivateKey] reads it).
//
// # How long a token is used
//
// Apple refuses a token whose iat is more than an hour old (403
// ExpiredProviderToken), and a connection whose token is replaced by one
// made less than 20 minutes after it (429 TooManyProviderTokenUpdates), as its
// "Establishing a token-based connection to APNs" and "Handling notification
// responses from APNs" say. So a token from [NewTokenSource] is handed out
// for 40 minutes; then the next caller starts one replacement in the
// background while every caller keeps the current token, and at 50 minutes
// callers wait for its successor: a token is never used past 50 minutes,
// leaving 10 for a clock that is behind Apple's. No token is ever made
// within [MinTokenInterval] (20 minutes) of the last one, whatever callers
// or invalidations ask.
//
// iat is the local clock's time, not backdated as the App Store Connect
// tokens' is: those carry an exp that Apple checks against its clock both
// ways, while Apple documents one limit on an APNs token's iat (at most an
// hour old), and backdating would spend that hour for nothing. A
// clock far ahead of Apple's would make an iat in Apple's future, which
// Apple does not document; keep the clock synchronised.
//
// Apple's page asks for a new token no more than once every 20 minutes and
// no less than once an hour, and says APNs reports an error when tokens are
// made more often: the rule is on when tokens are made, and APNs applies it
// to each connection's token. So a token made 40 minutes after the last one
// is taken on any connection, even one opened a minute before (package
// apnstest applies the same rule).
//
// # Errors
//
// [CheckResponse] turns a push APNs did not take into an [*Error] holding
// Apple's reason (the Reason constants, every one of the table in "Handling
// notification responses from APNs"), the apns-id and, for 410, when the
// device token stopped being valid:
//
//	if err := apns.CheckResponse(resp); err != nil {
//		var e *apns.Error
//		if errors.As(err, &e) && e.Reason == apns.ReasonUnregistered {
//			forget(deviceToken) // since e.Timestamp
//		}
//		return err
//	}
//
// # 429s
//
// The source is an [ascjwt.RetryPolicy] that waits out no 429: APNs'
// TooManyRequests (too many pushes to one device) and
// TooManyProviderTokenUpdates are not cured by a wait of seconds, and each
// push sent again could show the user the notification once more. The
// Transport hands the 429 back to the caller at once; Apple allows sending a
// TooManyRequests push again after a delay, which is the caller's to choose.
//
// # Refused tokens
//
// The source is an [ascjwt.RefusalJudge]: a 403 whose JSON body gives the
// reason ExpiredProviderToken or InvalidProviderToken, a 403 whose reason
// cannot be read without waiting on the server (a body of unknown length,
// or one not there within a tenth of a second), and a 401 (what DeviceCheck
// answers to a token it refuses, as its client libraries report: Apple's
// page lists no status codes; APNs sends no 401) make the Transport drop the
// token and send the request once more with a new one. The 20-minute rule
// holds over that too: within 20 minutes of the last token none is made,
// and the refusal goes back to the caller untried.
//
// # Payloads
//
// Apple's "Sending notification requests to APNs" allows a payload of
// [MaxVoIPPayloadSize] (5,120 bytes) for a VoIP push (apns-push-type voip)
// and [MaxPayloadSize] (4,096 bytes) for every other.
//
// # Hosts
//
// The Transport's default host rule sends these tokens to the hosts of
// [ProductionURL] and [SandboxURL] on port 443 or 2197, to those of
// [DeviceCheckURL] and [DeviceCheckDevelopmentURL] on port 443, and to
// loopback, where test servers (package apnstest) listen; to no other host.
// DeviceCheck's "Accessing and modifying per-device data" says its requests
// carry a token made the same way as APNs'; one key may serve both where it
// is enabled for both in the developer account.
package apns
