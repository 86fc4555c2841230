module github.com/ascjwt/ascjwt/conformance

go 1.26.0

require github.com/ascjwt/ascjwt v0.1.0
