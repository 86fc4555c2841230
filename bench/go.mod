module github.com/ascjwt/ascjwt/bench

go 1.26.0

require (
	github.com/ascjwt/ascjwt v0.1.0
	github.com/go-jose/go-jose/v4 v4.1.9
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/richzw/appstore v1.37.0
	golang.org/x/oauth2 v0.38.0
)

require (
	github.com/google/uuid v1.3.0 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
)

