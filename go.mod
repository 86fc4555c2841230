module github.com/ascjwt/ascjwt

go 1.26.0

require (
	github.com/go-jose/go-jose/v4 v4.1.9
	github.com/golang-jwt/jwt/v5 v5.3.1
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.25.0
)

require golang.org/x/crypto v0.59.0 // indirect
