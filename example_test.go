package ascjwt_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
)

// Every example talks to asctest, a fake App Store Connect API that checks
// tokens the way Apple does, so that it runs offline. In your code the URL is
// ascjwt.AppStoreConnectURL and the key is the .p8 file you downloaded.

// The happy path: load the .p8 file from App Store Connect, make a token
// source, and wrap http.DefaultClient.
func Example() {
	srv := asctest.NewUnstartedServer()
	srv.Start() // plain HTTP, which http.DefaultClient can reach
	defer srv.Close()
	keyFile := writeKeyFile(srv.Key()) // AuthKey_<KEYID>.p8, as downloaded
	defer os.RemoveAll(filepath.Dir(keyFile))
	keyID, issuerID, apiURL := srv.Key().ID, srv.IssuerID(), srv.URL // ascjwt.AppStoreConnectURL

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

// A Transport inside an http.Client of your own, with its own timeouts and
// base transport.
func ExampleTransport() {
	srv, src := fakeAPI()
	defer srv.Close()

	// For Apple: http.DefaultTransport.(*http.Transport).Clone(). This one
	// also trusts the test server's certificate.
	base := srv.Client().Transport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 16
	base.ResponseHeaderTimeout = 30 * time.Second
	client := &http.Client{
		Timeout:   time.Minute,
		Transport: &ascjwt.Transport{Source: src, Base: base},
	}

	resp, err := client.Get(srv.URL + "/v1/apps/1000000001")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var app struct {
		Data struct {
			Attributes struct{ Name, BundleID string }
		}
	}
	json.NewDecoder(resp.Body).Decode(&app)
	fmt.Println(resp.Status, app.Data.Attributes.Name)
	// Output: 200 OK Example App 1
}

// CheckResponse turns an error response into an *APIError, whatever the API:
// its Error is one line for a log, and its fields are there to branch on.
func ExampleCheckResponse() {
	srv, src := fakeAPI()
	defer srv.Close()
	client := ascjwt.NewClient(srv.Client(), src)
	resp, err := client.Get(srv.URL + "/v1/nothingHere")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	err = ascjwt.CheckResponse(resp)
	fmt.Println(err)
	var apiErr *ascjwt.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
		fmt.Println("code:", apiErr.Errors[0].Code)
	}
	// Output:
	// ascjwt: the API answered 404 Not Found to GET /v1/nothingHere: NOT_FOUND: The specified resource does not exist: The path provided does not match a defined resource type: GET /v1/nothingHere
	// code: NOT_FOUND
}

// Stand-ins for the code oapi-codegen generates: its clients call an
// HttpRequestDoer, which *http.Client satisfies.
type HttpRequestDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

type oapiClient struct {
	Server string
	Client HttpRequestDoer
}

type ClientOption func(*oapiClient) error

func WithHTTPClient(doer HttpRequestDoer) ClientOption {
	return func(c *oapiClient) error { c.Client = doer; return nil }
}

func NewClientWithResponses(server string, opts ...ClientOption) (*oapiClient, error) {
	c := &oapiClient{Server: server, Client: http.DefaultClient}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *oapiClient) AppsGetCollection(ctx context.Context) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.Server+"/v1/apps", nil)
	if err != nil {
		return nil, err
	}
	return c.Client.Do(req)
}

// Stand-ins for the code openapi-generator generates: a Configuration whose
// HTTPClient field the API client uses.
type Configuration struct {
	HTTPClient *http.Client
	BaseURL    string
}

type APIClient struct{ cfg *Configuration }

func NewAPIClient(cfg *Configuration) *APIClient { return &APIClient{cfg: cfg} }

func (a *APIClient) AppsGetInstance(ctx context.Context, id string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", a.cfg.BaseURL+"/v1/apps/"+id, nil)
	if err != nil {
		return nil, err
	}
	return a.cfg.HTTPClient.Do(req)
}

// Generated API clients take the client NewClient returns: oapi-codegen's
// WithHTTPClient option, and openapi-generator's Configuration.HTTPClient.
func ExampleNewClient_generatedClients() {
	srv, src := fakeAPI()
	defer srv.Close()
	httpClient := ascjwt.NewClient(srv.Client(), src) // for Apple: NewClient(nil, src)
	ctx := context.Background()

	// oapi-codegen
	apps, err := NewClientWithResponses(srv.URL, WithHTTPClient(httpClient))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := apps.AppsGetCollection(ctx)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("oapi-codegen:", resp.Status)

	// openapi-generator
	api := NewAPIClient(&Configuration{HTTPClient: httpClient, BaseURL: srv.URL})
	resp, err = api.AppsGetInstance(ctx, "1000000002")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("openapi-generator:", resp.Status)

	fmt.Println("tokens signed for both:", srv.Stats().Tokens)
	// Output:
	// oapi-codegen: 200 OK
	// openapi-generator: 200 OK
	// tokens signed for both: 1
}

// An individual API key has no issuer ID: leave IssuerID empty, and the
// token carries sub "user" instead of iss.
func ExampleConfig_individualKey() {
	srv := asctest.NewServer()
	defer srv.Close()
	k := srv.AddIndividualKey()

	src, err := ascjwt.NewTokenSource(ascjwt.Config{KeyID: k.ID, PrivateKey: k.PrivateKey, Now: srv.Now})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := src.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	parsed, _ := asctest.Parse(tok.Value)
	fmt.Printf("sub %q, iss %q\n", parsed.Claims.Subject, parsed.Claims.Issuer)

	resp, err := ascjwt.NewClient(srv.Client(), src).Get(srv.URL + "/v1/apps")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// sub "user", iss ""
	// 200 OK
}

// A scoped token allows only the requests its scope lists; Apple matches the
// query as a set and ignores limit, cursor and sort.
func ExampleConfig_scope() {
	srv := asctest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	cfg.Scope = []string{"GET /v1/apps?filter[platform]=IOS"}
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)

	for _, path := range []string{"/v1/apps?limit=2&filter[platform]=IOS", "/v1/apps/1000000001"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(path, resp.Status)
	}
	// Output:
	// /v1/apps?limit=2&filter[platform]=IOS 200 OK
	// /v1/apps/1000000001 401 Unauthorized
}

// The App Store Server API takes the same tokens with your app's bundle ID in
// bid, and lets them live up to 60 minutes.
func ExampleConfig_appStoreServerAPI() {
	srv := asctest.NewServer()
	defer srv.Close()
	srv.Handle("GET /inApps/v1/history/{transactionId}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"bundleId":"com.example.app","signedTransactions":[]}`)
	}))
	cfg := srv.Config()
	cfg.BundleID = "com.example.app"
	cfg.Lifetime = time.Hour
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	serverAPI := srv.URL // ascjwt.AppStoreServerURL, or ascjwt.AppStoreServerSandboxURL
	resp, err := ascjwt.NewClient(srv.Client(), src).Get(serverAPI + "/inApps/v1/history/2000000123456789")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	cfg.Lifetime = 61 * time.Minute
	_, err = ascjwt.NewTokenSource(cfg)
	fmt.Println(err)
	// Output:
	// 200 OK
	// ascjwt: Config.Lifetime 1h1m0s is over Apple's limit of 60 minutes for App Store Server API tokens (with a bundle ID); Apple would refuse these tokens
}

// kmsKey stands in for a key held in a KMS or HSM: the private key never
// enters the process, and each signature is a call to the service. Any
// crypto.Signer with a P-256 public key works; implementing ContextSigner too
// lets the call carry the request's context values.
type kmsKey struct {
	public *ecdsa.PublicKey
	remote crypto.Signer // the service's side, in a real client an RPC
	calls  int
}

func (k *kmsKey) Public() crypto.PublicKey { return k.public }

func (k *kmsKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.SignContext(context.Background(), rand, digest, opts)
}

// SignContext returns an ASN.1 DER ECDSA signature, as KMS services do;
// ascjwt converts it to the R||S form a JWS needs.
func (k *kmsKey) SignContext(ctx context.Context, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.calls++
	return k.remote.Sign(rand, digest, opts)
}

// A key held outside the process, in a KMS or HSM, signs through any
// crypto.Signer; ascjwt calls it once per token, not once per request.
func ExampleContextSigner() {
	srv := asctest.NewServer()
	defer srv.Close()
	key := &kmsKey{public: &srv.Key().PrivateKey.PublicKey, remote: srv.Key().PrivateKey}

	cfg := srv.Config()
	cfg.PrivateKey = key
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	for range 10 {
		resp, err := client.Get(srv.URL + "/v1/apps")
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	}
	fmt.Println("requests:", srv.Stats().Accepted, "signatures by the KMS:", key.calls)
	// Output: requests: 10 signatures by the KMS: 1
}

// writeKeyFile writes k where a download from App Store Connect would be.
func writeKeyFile(k asctest.Key) string {
	dir, err := os.MkdirTemp("", "keys")
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "AuthKey_"+k.ID+".p8")
	if err := os.WriteFile(path, k.PEM(), 0o600); err != nil {
		log.Fatal(err)
	}
	return path
}

// fakeAPI starts asctest's fake App Store Connect API and makes a token
// source for its key, as Example does with your key for Apple; the caller
// closes the server.
func fakeAPI() (*asctest.Server, ascjwt.TokenSource) {
	srv := asctest.NewServer()
	src, err := ascjwt.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	return srv, src
}
