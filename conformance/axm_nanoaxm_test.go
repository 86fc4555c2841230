package conformance

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/axm/axmtest"
	"github.com/ascjwt/ascjwt/internal/apitest"
	nanoaxm "github.com/micromdm/nanoaxm/client"
	"github.com/micromdm/nanoaxm/storage"
)

// toFake is a nanoaxm Doer that sends what nanoaxm addresses to Apple's
// token endpoint to the fake instead, path and body untouched.
type toFake struct {
	base   *url.URL
	client *http.Client
}

func (d toFake) Do(r *http.Request) (*http.Response, error) {
	r.URL.Scheme, r.URL.Host, r.Host = d.base.Scheme, d.base.Host, ""
	return d.client.Do(r)
}

// nanoaxmAssertion is the client assertion nanoaxm signs for Apple's
// audience with the fake's key, good for as long as nanoaxm makes it.
func nanoaxmAssertion(t *testing.T, srv *axmtest.Server, jti string) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(srv.PrivateKey())
	if err != nil {
		t.Fatal(err)
	}
	ac := storage.AuthCredentials{ClientID: srv.ClientID(), KeyID: srv.KeyID(),
		PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})}
	now := srv.Now()
	assertion, err := nanoaxm.NewClientAssertion(ac, nanoaxm.Audience, jti, now, now.Add(nanoaxm.ClientAssertionDaysExpiry*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return assertion
}

// TestNanoAXMExchangesWithAxmtest has micromdm/nanoaxm sign its own client
// assertion and exchange it at axmtest's v2 token endpoint, the access
// token then passing the API; and our axm source, through ascjwt's client,
// reaching the same API with one exchange.
func TestNanoAXMExchangesWithAxmtest(t *testing.T) {
	srv := closeAtEnd(t, axmtest.NewServer())
	assertion := nanoaxmAssertion(t, srv, "jti-conformance-1")
	base, _ := url.Parse(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tok, err := nanoaxm.DoGetToken(ctx, toFake{base, srv.Client()}, srv.ClientID(), assertion)
	if err != nil {
		t.Fatalf("nanoaxm's exchange at axmtest: %v (%s)", err, srv.Stats().LastRefusal)
	}
	if tok.AccessToken == "" {
		t.Fatal("nanoaxm got no access token")
	}
	withToken := oauth2.NewClient(context.WithValue(ctx, oauth2.HTTPClient, srv.Client()), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken}))
	if code := apitest.StatusOf(t, withToken, srv.URL+"/v1/orgDevices"); code != http.StatusOK {
		t.Errorf("nanoaxm's access token: status %d (%s); want 200", code, srv.Stats().LastRejection)
	}

	src := apitest.Must(t, axm.NewTokenSource, srv.Config())
	client := ascjwt.NewClient(srv.Client(), src)
	for range 2 {
		if code := apitest.StatusOf(t, client, srv.URL+"/v1/orgDevices"); code != http.StatusOK {
			t.Errorf("our axm source: status %d (%s); want 200", code, srv.Stats().LastRejection)
		}
	}
	if st := srv.Stats(); st.Exchanges != 2 || st.Accepted != 3 {
		t.Errorf("exchanges %d, accepted %d; want 2 (nanoaxm's and ours, one for two calls) and 3", st.Exchanges, st.Accepted)
	}
}

// TestOAuth2ClientCredentialsExchangesAnAssertionAtAxmtest has
// golang.org/x/oauth2/clientcredentials, the client credentials grant as Go
// programs usually make it, exchange a client assertion (nanoaxm's, signed
// for Apple's audience) at axmtest: RFC 7523's client_assertion and its type
// as endpoint parameters, no client secret, the parameters in the form body
// as Apple's "Implementing OAuth for the Apple School and Business Manager
// API" shows them. The access token it gets passes the API, and one token
// serves two calls.
func TestOAuth2ClientCredentialsExchangesAnAssertionAtAxmtest(t *testing.T) {
	srv := closeAtEnd(t, axmtest.NewServer())
	assertion := nanoaxmAssertion(t, srv, "jti-conformance-cc")
	cc := clientcredentials.Config{
		ClientID: srv.ClientID(),
		TokenURL: srv.URL + axmtest.TokenPath,
		Scopes:   []string{axm.ScopeBusiness},
		EndpointParams: url.Values{
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion},
		},
		AuthStyle: oauth2.AuthStyleInParams,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := cc.Client(context.WithValue(ctx, oauth2.HTTPClient, srv.Client()))
	for range 2 {
		if code := apitest.StatusOf(t, client, srv.URL+"/v1/orgDevices"); code != http.StatusOK {
			t.Errorf("clientcredentials' access token: status %d (%s); want 200", code, srv.Stats().LastRejection)
		}
	}
	if st := srv.Stats(); st.Exchanges != 1 || st.Accepted != 2 {
		t.Errorf("exchanges %d, accepted %d; want 1 (x/oauth2 reuses its token) and 2", st.Exchanges, st.Accepted)
	}
}
