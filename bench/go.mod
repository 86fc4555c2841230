module github.com/ascjwt/ascjwt/bench

go 1.26.0

require (
	github.com/ascjwt/ascjwt v0.1.0
	github.com/go-jose/go-jose/v4 v4.1.9
	github.com/golang-jwt/jwt/v5 v5.3.1
	golang.org/x/oauth2 v0.38.0
)

require golang.org/x/sync v0.25.0 // indirect

