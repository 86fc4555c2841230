package apns_test

import (
	"context"
	"crypto"
	"io"
	"net/http"
	"testing"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/apns/apnstest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

const device = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"

// testConfig is a valid Config with a new key, for tests without a fake.
func testConfig(t *testing.T) apns.Config {
	return apns.Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: apitest.NewKey(t)}
}

// fakeAPNs starts apnstest's fake APNs, closed when the test ends, and
// returns it with a source of its Config (as edit, when set, changes it)
// and a client that pushes through ascjwt.NewClient with that source.
func fakeAPNs(t *testing.T, edit func(srv *apnstest.Server, cfg *apns.Config)) (*apnstest.Server, ascjwt.TokenSource, *http.Client) {
	t.Helper()
	srv := apnstest.NewServer()
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	if edit != nil {
		edit(srv, &cfg)
	}
	src := apitest.Must(t, apns.NewTokenSource, cfg)
	return srv, src, ascjwt.NewClient(srv.Client(), src)
}

// push sends the examples' alert to deviceToken at url through client
// and returns the response, whose body the caller closes.
func push(ctx context.Context, t *testing.T, client *http.Client, url, deviceToken string) *http.Response {
	t.Helper()
	resp, err := pushAlert(ctx, client, url, deviceToken)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// send posts one notification through client and returns the status.
func send(t *testing.T, client *http.Client, url string) int {
	t.Helper()
	resp := push(context.Background(), t, client, url, device)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: a nil *ecdsa.PrivateKey (what
// LoadPrivateKey returns beside its error) or a signer whose Public() is a
// nil key is refused with the "no private key" error, not a panic.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "apns", "NewTokenSource", func(key crypto.Signer) error {
		_, err := apns.NewTokenSource(apns.Config{KeyID: "ABCDE12345", TeamID: "TEAM123456", PrivateKey: key})
		return err
	})
}
