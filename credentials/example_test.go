package credentials_test

import (
	"fmt"
	"log"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/credentials"
)

// Credentials from the environment variables users already have: here
// fastlane's. FromEnv reads the process environment; Load, as here, takes
// the lookup (and flags, and notices) as options.
func ExampleLoad() {
	srv := asctest.NewServer()
	defer srv.Close()
	env := map[string]string{ // as a fastlane lane or CI job sets them
		"APP_STORE_CONNECT_API_KEY_KEY_ID":    srv.Key().ID,
		"APP_STORE_CONNECT_API_KEY_ISSUER_ID": srv.IssuerID(),
		"APP_STORE_CONNECT_API_KEY_KEY":       string(srv.Key().PEM()),
	}
	cfg, err := credentials.Load(credentials.Options{
		LookupEnv: func(name string) (string, bool) { v, ok := env[name]; return v, ok },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("key ID from fastlane's variable:", cfg.KeyID == srv.Key().ID)

	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := ascjwt.NewClient(srv.Client(), src).Get(srv.URL + "/v1/apps")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// key ID from fastlane's variable: true
	// 200 OK
}
