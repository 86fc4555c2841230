package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
)

var verifySignedAt = time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)

func verifyTransaction() *appstore.Transaction {
	return &appstore.Transaction{TransactionID: "2000000987654321", BundleID: "com.example.app", ProductID: "com.example.app.monthly",
		Environment: appstore.Sandbox, SignedDate: verifySignedAt, PurchaseDate: verifySignedAt}
}

func verifyNotification() appstore.Notification {
	return appstore.Notification{NotificationType: appstore.NotificationDidRenew, SignedDate: verifySignedAt,
		Data: &appstore.NotificationData{BundleID: "com.example.app", AppAppleID: 1234567890, Environment: appstore.Sandbox,
			Transaction: verifyTransaction(),
			RenewalInfo: &appstore.RenewalInfo{AutoRenewProductID: "com.example.app.monthly", AutoRenewStatus: appstore.AutoRenewOn, Environment: appstore.Sandbox, SignedDate: verifySignedAt}}}
}

// writeRoot writes ca's root into the binary's working directory, as PEM
// or DER, and returns its name there.
func (b *bin) writeRoot(ca *appstoretest.CA, der bool) string {
	b.t.Helper()
	name, data := "root-ca.pem", ca.RootPEM()
	if der {
		name, data = "root-ca.cer", ca.Roots()[0].Raw
	}
	if err := os.WriteFile(filepath.Join(b.dir, name), data, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return name
}

func signWith(t *testing.T, ca *appstoretest.CA, claims any) string {
	t.Helper()
	var s string
	var err error
	if n, ok := claims.(appstore.Notification); ok {
		s, err = ca.SignNotification(n)
	} else {
		s, err = ca.Sign(claims)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyPrintsANotificationWithWhatItCarriesDecoded(t *testing.T) {
	ca := appstoretest.NewCA()
	b := newBin(t)
	root := b.writeRoot(ca, false)
	r := b.run("verify", "--root", root, "--bundle-id", "com.example.app", "--environment", "Sandbox", signWith(t, ca, verifyNotification()))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var out struct {
		NotificationType string
		Data             struct {
			SignedTransactionInfo struct{ TransactionID string }
			SignedRenewalInfo     struct{ AutoRenewStatus int }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if out.NotificationType != "DID_RENEW" || out.Data.SignedTransactionInfo.TransactionID != "2000000987654321" || out.Data.SignedRenewalInfo.AutoRenewStatus != 1 {
		t.Errorf("stdout does not hold the notification with its transaction and renewal info decoded:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "\n  \"data\": {") {
		t.Errorf("stdout is not indented:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "verified: a DID_RENEW notification, signed 2025-10-01T12:00:00.000Z") || strings.Contains(r.stderr, "notice") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestVerifyReadsTheAppStoresBodyFromStdin(t *testing.T) {
	ca := appstoretest.NewCA()
	b := newBin(t)
	b.env = append(b.env, "ASC_ROOT_CA_FILE="+filepath.Join(b.dir, b.writeRoot(ca, true)))
	body, _ := json.Marshal(map[string]string{"signedPayload": signWith(t, ca, verifyNotification())})
	b.stdin = string(body) + "\n"
	r := b.run("verify")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"no --bundle-id: the app check was skipped", "no --environment: checking for the notification's own, Sandbox"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
}

func TestVerifyTellsEachKind(t *testing.T) {
	ca := appstoretest.NewCA()
	b := newBin(t)
	root := b.writeRoot(ca, false)
	for want, claims := range map[string]any{
		"a transaction of com.example.app.monthly": verifyTransaction(),
		"a renewal info for com.example.app.monthly": appstore.RenewalInfo{AutoRenewProductID: "com.example.app.monthly", AutoRenewStatus: appstore.AutoRenewOff,
			Environment: appstore.Sandbox, SignedDate: verifySignedAt},
		"an app transaction for com.example.app": appstore.AppTransaction{BundleID: "com.example.app", AppAppleID: 1234567890,
			ReceiptType: appstore.Production, ReceiptCreationDate: verifySignedAt},
		"a realtime request for com.example.app.monthly": appstore.RealtimeRequest{OriginalTransactionID: "1", AppAppleID: 1234567890,
			ProductID: "com.example.app.monthly", UserLocale: "en-US", RequestIdentifier: "r", Environment: appstore.Sandbox, SignedDate: verifySignedAt},
	} {
		r := b.run("verify", "--root", root, "--bundle-id", "com.example.app", "--app-apple-id", "1234567890", signWith(t, ca, claims))
		if r.code != 0 || !strings.Contains(r.stderr, "verified: "+want) {
			t.Errorf("%s: exit %d\n%s", want, r.code, r.stderr)
		}
	}
}

func TestVerifyRefusalNamesTheRuleAndApplesStatus(t *testing.T) {
	ca := appstoretest.NewCA()
	b := newBin(t)
	root := b.writeRoot(ca, false)
	tx := verifyTransaction()
	for name, c := range map[string]struct {
		args   []string
		status string
		rule   string
	}{
		"Apple's root":     {[]string{signWith(t, ca, tx)}, "INVALID_CHAIN", "does not lead to one of the verifier's roots"},
		"another CA":       {[]string{"--root", root, signWith(t, appstoretest.NewCA(), tx)}, "INVALID_CHAIN", "does not lead"},
		"another app":      {[]string{"--root", root, "--bundle-id", "com.example.other", signWith(t, ca, tx)}, "INVALID_APP_IDENTIFIER", "bundleId"},
		"production":       {[]string{"--root", root, "--environment", "Production", "--app-apple-id", "1", signWith(t, ca, tx)}, "INVALID_ENVIRONMENT", "is for Sandbox"},
		"chain of two":     {[]string{"--root", root, signWith(t, ca.ChainOfTwo(), tx)}, "INVALID_CHAIN_LENGTH", "holds 2 certificates"},
		"leaf without OID": {[]string{"--root", root, signWith(t, ca.LeafWithoutOID(), tx)}, "VERIFICATION_FAILURE", "receipt signing extension"},
		"expired leaf":     {[]string{"--root", root, signWith(t, ca.ExpiredLeaf(), tx)}, "INVALID_CERTIFICATE", "expired"},
		"not a JWS":        {[]string{"--root", root, "--environment", "Sandbox", "not.a.jws"}, "INVALID_JWT_FORMAT", "not base64url"},
	} {
		t.Run(name, func(t *testing.T) {
			r := b.run(append([]string{"verify"}, c.args...)...)
			if r.code != 1 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q; want 1 and nothing", r.code, r.stdout)
			}
			if !strings.Contains(r.stderr, "ascjwt verify: refused, "+c.status+": ") || !strings.Contains(r.stderr, c.rule) {
				t.Errorf("stderr does not name %s and %q:\n%s", c.status, c.rule, r.stderr)
			}
		})
	}
}

func TestVerifyOnlineAsksOCSP(t *testing.T) {
	ca := appstoretest.NewCA()
	defer ca.OCSPServer().Close()
	b := newBin(t)
	root := b.writeRoot(ca, false)
	signed := signWith(t, ca, verifyTransaction())
	if r := b.run("verify", "--root", root, "--online", signed); r.code != 0 || ca.OCSPRequests() != 2 {
		t.Fatalf("exit %d after %d OCSP requests\n%s", r.code, ca.OCSPRequests(), r.stderr)
	}
	ca.Revoke(appstoretest.Leaf)
	r := b.run("verify", "--root", root, "--online", signed)
	if r.code != 1 || !strings.Contains(r.stderr, "INVALID_CERTIFICATE: the transaction's leaf certificate is revoked") {
		t.Errorf("revoked: exit %d\n%s", r.code, r.stderr)
	}
}

func TestVerifyXcodeNeedsItsEnvironmentNamed(t *testing.T) {
	b := newBin(t)
	tx := verifyTransaction()
	tx.Environment = appstore.Xcode
	p, _ := json.Marshal(tx)
	unsigned := "e30." + base64.RawURLEncoding.EncodeToString(p) + "."
	r := b.run("verify", unsigned)
	if r.code != 1 || !strings.Contains(r.stderr, "pass --environment Xcode") {
		t.Errorf("no --environment: exit %d\n%s", r.code, r.stderr)
	}
	r = b.run("verify", "--environment", "Xcode", "--bundle-id", "com.example.app", unsigned)
	if r.code != 0 || !strings.Contains(r.stderr, "checks no signature and no certificate") {
		t.Errorf("--environment Xcode: exit %d\n%s", r.code, r.stderr)
	}
}

func TestVerifyUsageMistakesExit2(t *testing.T) {
	ca := appstoretest.NewCA()
	b := newBin(t)
	signed := signWith(t, ca, verifyTransaction())
	if err := os.WriteFile(filepath.Join(b.dir, "key.pem"), []byte("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"two arguments":      {[]string{signed, signed}, "want one signed payload"},
		"no input":           {nil, "no signed payload"},
		"missing root file":  {[]string{"--root", "nope.pem", signed}, "--root \"nope.pem\": cannot read it"},
		"a key as the root":  {[]string{"--root", "key.pem", signed}, "looks like a private key"},
		"unknown env":        {[]string{"--environment", "Staging", signed}, "not one of Apple's environments"},
		"app ID not numeric": {[]string{"--app-apple-id", "abc", signed}, "for flag -app-apple-id"},
	} {
		t.Run(name, func(t *testing.T) {
			r := b.run(append([]string{"verify"}, c.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d; want 2 and %q\n%s", r.code, c.want, r.stderr)
			}
			if strings.Contains(r.stderr, "MIGHAgEA") {
				t.Error("stderr quotes the file")
			}
		})
	}
	if r := b.run("verify", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--root file") || !strings.Contains(r.stdout, "INVALID_CHAIN_LENGTH") {
		t.Errorf("--help: exit %d\n%s", r.code, r.stdout)
	}
}

// TestServeSignsWhatVerifyAccepts runs ascjwt serve as a user would, with
// --notify-url, and checks with nothing but the environment it wrote that
// ascjwt verify accepts its test notification and its transactions, and
// refuses a notification from another CA.
func TestServeSignsWhatVerifyAccepts(t *testing.T) {
	var mu sync.Mutex
	var delivered []byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		delivered, _ = io.ReadAll(r.Body)
	}))
	defer receiver.Close()

	b := newBin(t)
	s := startServe(t, b, "serve", "--notify-url", receiver.URL+"/appstore")
	env := parseEnv(t, s.stdout)
	if root := env["ASC_ROOT_CA_FILE"]; root == "" || !strings.HasSuffix(root, "root-ca.pem") {
		t.Fatalf("serve's environment names no ASC_ROOT_CA_FILE:\n%s", s.stdout)
	}
	b.env = envList(env)

	if r := b.run("api", "--bundle-id", "com.example.app", "-X", "POST", "/inApps/v1/notifications/test"); r.code != 0 || !strings.Contains(r.stdout, "testNotificationToken") {
		t.Fatalf("Request a Test Notification: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	b.stdin = string(delivered)
	mu.Unlock()
	if r := b.run("verify", "--bundle-id", "com.example.app", "--environment", "Sandbox"); r.code != 0 || !strings.Contains(r.stdout, `"notificationType": "TEST"`) {
		t.Fatalf("verify the delivered TEST notification: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r := b.run("api", "--bundle-id", "com.example.app", "/inApps/v1/transactions/2000000123")
	var info struct{ SignedTransactionInfo string }
	if err := json.Unmarshal([]byte(r.stdout), &info); r.code != 0 || err != nil {
		t.Fatalf("Get Transaction Info: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	b.stdin = ""
	if r := b.run("verify", "--bundle-id", "com.example.app", "--environment", "Sandbox", info.SignedTransactionInfo); r.code != 0 || !strings.Contains(r.stdout, `"transactionId": "2000000123"`) {
		t.Fatalf("verify the transaction: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	other := signWith(t, appstoretest.NewCA(), appstore.Notification{NotificationType: appstore.NotificationTest, SignedDate: verifySignedAt,
		Data: &appstore.NotificationData{BundleID: "com.example.app", Environment: appstore.Sandbox}})
	if r := b.run("verify", "--bundle-id", "com.example.app", other); r.code != 1 || !strings.Contains(r.stderr, "INVALID_CHAIN") {
		t.Errorf("another CA's notification: exit %d\n%s", r.code, r.stderr)
	}
	if code := s.stop(os.Interrupt); code != 0 {
		t.Errorf("serve exited %d", code)
	}
}

func TestServeRefusesANotifyURLThatIsNotHTTP(t *testing.T) {
	b := newBin(t)
	for _, bad := range []string{"ftp://example.com/x", "example.com/appstore", "http://"} {
		if r := b.run("serve", "--notify-url", bad); r.code != 2 || !strings.Contains(r.stderr, "want the http or https URL") {
			t.Errorf("--notify-url %s: exit %d\n%s", bad, r.code, r.stderr)
		}
	}
}
