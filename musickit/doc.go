// Package musickit makes developer tokens for the Apple Music API, the
// tokens every request to [BaseURL] carries, and hands them out through an
// [ascjwt.TokenSource], so that [ascjwt.Transport] and [ascjwt.NewClient]
// attach them:
//
//	src, err := musickit.NewTokenSource(musickit.Config{KeyID: keyID, TeamID: teamID, PrivateKey: key})
//	client := ascjwt.NewClient(nil, src) // client.Get(musickit.BaseURL + "/v1/catalog/us/songs/203709340")
//
// The rules come from Apple's page "Generating Developer Tokens" (Apple
// Music API): the header holds alg ES256 and kid, the key's 10-character ID
// (and no typ: Apple's decoded token shows none); the payload holds iss, the
// 10-character Team ID, iat, exp, which must not be more than 15,777,000
// seconds (six months, [MaxLifetime]) away, and optionally origin, the web
// origins a browser may use the token from. Apple accepts only ES256, and
// its response to a token it refuses is 401 ("HTTP Status Codes").
//
// [NewTokenSource] refuses what Apple would refuse before any token is
// made. Its tokens are backdated a minute for clock skew, live
// [DefaultLifetime] unless Config.Lifetime says otherwise, are replaced in
// the background at three quarters of their life and never used in their
// last minute. A token that is valid for six months gains a server little:
// it saves one signature an hour and, if it leaks, works until it expires
// or the key is revoked.
//
// Package musickittest is a fake Apple Music API on loopback for tests.
package musickit
