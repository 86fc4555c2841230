// Package weatherkit makes developer tokens for the WeatherKit REST API,
// the tokens every request to [BaseURL] carries, and hands them out through
// an [ascjwt.TokenSource], so that [ascjwt.Transport] and [ascjwt.NewClient]
// attach them:
//
//	src, err := weatherkit.NewTokenSource(weatherkit.Config{KeyID: keyID, TeamID: teamID, ServiceID: "com.example.weatherkit-client", PrivateKey: key})
//	client := ascjwt.NewClient(nil, src) // client.Get(weatherkit.BaseURL + "/api/v1/weather/en/51.5/-0.12?dataSets=currentWeather")
//
// The rules come from Apple's page "Request authentication for WeatherKit
// REST API": the header holds alg ES256, kid, the key's ID, and id, the
// Team ID and the Service ID joined by a period (and no typ: Apple's
// decoded token shows none); the payload holds iss, the Team ID, iat, exp
// and sub, the Service ID, and nothing else. Apple's page sets no limit on
// exp; [MaxLifetime] is this package's.
//
// [NewTokenSource] refuses what Apple would refuse before any token is
// made. Its tokens are backdated a minute for clock skew, live
// [DefaultLifetime] unless Config.Lifetime says otherwise, are replaced in
// the background at three quarters of their life and never used in their
// last minute. A refused token (401) is replaced and the request retried
// once by [ascjwt.Transport].
//
// Package weatherkittest is a fake WeatherKit REST API on loopback for
// tests.
package weatherkit
