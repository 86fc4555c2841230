package conformance

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
)

// TestAppleVerifierAcceptsWhatServeSigns runs the ascjwt binary's serve,
// asks its App Store Server routes for a transaction and a test
// notification with the binary's api, and gives them to Apple's Node
// SignedDataVerifier with the root serve wrote (ASC_ROOT_CA_FILE): it
// accepts both, and refuses a notification from another CA.
func TestAppleVerifierAcceptsWhatServeSigns(t *testing.T) {
	requireNode(t, appleLibrary)
	dir := t.TempDir()
	bin := buildASCJWT(t, dir)
	receiver := newNotificationEndpoint(t)
	vars := serveASC(t, bin, filepath.Join(dir, "fake"), "--notify-url", receiver.URL)
	env := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	ctx, cancel := context.WithTimeout(t.Context(), nodeTimeout)
	defer cancel()
	api := func(args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, append([]string{"api", "--bundle-id", "com.example.app"}, args...)...)
		cmd.Env = env
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("ascjwt api %s: %v", strings.Join(args, " "), err)
		}
		return b
	}
	var info struct{ SignedTransactionInfo string }
	if err := json.Unmarshal(api("/inApps/v1/transactions/2000000123"), &info); err != nil {
		t.Fatal(err)
	}
	api("-X", "POST", "/inApps/v1/notifications/test")
	var body struct{ SignedPayload string }
	receiver.decodeLast(t, &body)
	if body.SignedPayload == "" {
		t.Fatal("no test notification delivered")
	}

	rootPEM, err := os.ReadFile(vars["ASC_ROOT_CA_FILE"])
	if err != nil {
		t.Fatalf("ASC_ROOT_CA_FILE: %v", err)
	}
	block, _ := pem.Decode(rootPEM)
	if block == nil {
		t.Fatal("ASC_ROOT_CA_FILE holds no PEM certificate")
	}
	forged := signed(t)(appstoretest.NewCA().SignNotification(appstore.Notification{NotificationType: appstore.NotificationTest, SignedDate: time.Now(),
		Data: &appstore.NotificationData{BundleID: "com.example.app", Environment: appstore.Sandbox}}))
	cases := []verifyCase{
		{Name: "transaction", Method: "transaction", Signed: info.SignedTransactionInfo, Environment: "Sandbox", BundleID: "com.example.app"},
		{Name: "test notification", Method: "notification", Signed: body.SignedPayload, Environment: "Sandbox", BundleID: "com.example.app"},
		{Name: "another CA", Method: "notification", Signed: forged, Environment: "Sandbox", BundleID: "com.example.app"},
	}
	apple := runAppleVerifier(t, [][]byte{block.Bytes}, cases)
	for i, want := range []string{"OK", "OK", "VERIFICATION_FAILURE"} {
		if apple[i].Effective != want {
			t.Errorf("%s: Apple's verifier says %s (%s); want %s", apple[i].Name, apple[i].Effective, apple[i].Cause, want)
		}
	}
}
