package ascjwt_test

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
)

// The happy path: load the .p8 file from App Store Connect, make a token
// source, and wrap http.DefaultClient. Here a fake API stands in for
// https://api.appstoreconnect.apple.com, so the example runs offline.
func Example() {
	srv := asctest.NewUnstartedServer()
	srv.Start() // plain HTTP, which http.DefaultClient can reach
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	keyFile := filepath.Join(dir, "AuthKey_"+srv.Key().ID+".p8")
	os.WriteFile(keyFile, srv.Key().PEM(), 0o600)
	keyID, issuerID, apiURL := srv.Key().ID, srv.IssuerID(), srv.URL

	key, err := ascjwt.LoadPrivateKey(keyFile)
	if err != nil {
		log.Fatal(err)
	}
	src, err := ascjwt.NewTokenSource(ascjwt.Config{KeyID: keyID, IssuerID: issuerID, PrivateKey: key})
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(http.DefaultClient, src)
	resp, err := client.Get(apiURL + "/v1/apps")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}
