module github.com/ascjwt/ascjwt

go 1.26.0

require (
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	golang.org/x/sync v0.25.0 // indirect
)
