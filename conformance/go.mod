module github.com/ascjwt/ascjwt/conformance

go 1.26.0

require (
	github.com/ascjwt/ascjwt v0.1.0
	github.com/coreos/go-oidc/v3 v3.21.0
	github.com/micromdm/nanoaxm v0.2.0
	github.com/sideshow/apns2 v0.25.0
	go.uber.org/goleak v1.3.0
	golang.org/x/net v0.62.0
	golang.org/x/oauth2 v0.38.0
)

require (
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	github.com/golang-jwt/jwt/v4 v4.4.1 // indirect
	github.com/golang-jwt/jwt/v5 v5.2.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/micromdm/nanolib v0.5.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
