module github.com/ascjwt/ascjwt/conformance

go 1.26.0

require (
	github.com/ascjwt/ascjwt v0.1.0
	github.com/coreos/go-oidc/v3 v3.21.0
)

require (
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	golang.org/x/oauth2 v0.36.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
)
