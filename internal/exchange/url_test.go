package exchange

import (
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestCheckTokenURLTakesHTTPSAndLoopbackOnly: what maps and axm refuse in
// Config.TokenURL, described and never quoted.
func TestCheckTokenURLTakesHTTPSAndLoopbackOnly(t *testing.T) {
	apitest.CheckText(t, CheckTokenURL, []string{
		"https://maps-api.apple.com/v1/token", "https://account.apple.com/auth/oauth2/token", "https://h:8443/token?x=1",
		"http://127.0.0.1:8080/token", "http://[::1]/token", "http://localhost:9999/v1/token",
	}, map[string]string{
		"http://account.apple.com/auth/oauth2/token":                                   "plain http to a host that is not loopback; use https",
		"http://127.evil.example/v1/token":                                             "plain http to a host that is not loopback",
		"/auth/oauth2/token":                                                           "has no host: it is not an absolute http or https URL",
		"mailto:someone@example.com":                                                   "has no host",
		"ftp://account.apple.com/token":                                                "not an absolute http or https URL",
		"https://u:hunter2hunter2@account.apple.com/token":                             "holds a user name or password",
		"https://account.apple.com/token#x":                                            "has a fragment",
		"https://account.apple.com/token#":                                             "has a fragment",
		"https://a%zz.example/token":                                                   "is not a URL",
		"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----": "not a URL",
		"https://account.apple.com/" + strings.Repeat("a", MaxURLLen):                  "longer than a URL",
	})
	if err := CheckTokenURL("https://u:hunter2hunter2@account.apple.com/token"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a password in the URL: %v, want it refused without quoting it", err)
	}
}
