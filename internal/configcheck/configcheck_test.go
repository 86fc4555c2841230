package configcheck

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/jws"
)

const pemKey = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----"

func TestCheckIDNamesEachMistakeWithoutQuotingIt(t *testing.T) {
	const want = "your 10-character Team ID"
	for _, tc := range []struct {
		value string
		says  []string
	}{
		{"DEF123GHIJ", nil},
		{"", []string{"pkg: Config.TeamID is empty; set it to " + want}},
		{pemKey, []string{"holds what looks like a private key", "Config.PrivateKey"}},
		{"DEF123GHIJ\n", []string{"holds white space around it; remove it"}},
		{"DEF123GHI", []string{"is 9 bytes long, not the 10 characters", "(Page)", want}},
		{"57246542-96fe-1a63-e053-0824d011072a", []string{"is 36 bytes long", "issuer ID", want}},
		{"def123ghij", []string{"holds a lower-case letter", "other than A-Z and 0-9", "upper-case letters and digits (Page)"}},
		{"DEF 23GHIJ", []string{"holds white space,"}},
		{"DEF-23GHIJ", []string{"holds a character other than A-Z and 0-9"}},
	} {
		err := CheckID("pkg", "TeamID", tc.value, want, "Page")
		if (err == nil) != (tc.says == nil) {
			t.Errorf("%q: %v", tc.value, err)
			continue
		}
		if err == nil {
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "pkg: Config.TeamID ") {
			t.Errorf("%q: %q does not start with the package and field", tc.value, msg)
		}
		for _, s := range tc.says {
			if !strings.Contains(msg, s) {
				t.Errorf("%q: %q does not say %q", tc.value, msg, s)
			}
		}
		if v := strings.TrimSpace(tc.value); len(v) > 3 && strings.Contains(msg, v[:4]) || strings.Contains(msg, "MIG") {
			t.Errorf("%q: %q quotes the value", tc.value, msg)
		}
	}
	if err := CheckID("pkg", "KeyID", "DEF123GHI", want, ""); err == nil || strings.Contains(err.Error(), "()") {
		t.Errorf("no source: %v", err)
	}
}

func TestCheckLifetimeKeepsWithinItsLimits(t *testing.T) {
	l := Lifetimes{Default: time.Hour, Min: 5 * time.Minute, Max: 24 * time.Hour, Backdate: time.Minute, OverMax: "the test's limit"}
	for _, tc := range []struct {
		in, out time.Duration
		says    string
	}{
		{0, time.Hour, ""},
		{5 * time.Minute, 5 * time.Minute, ""},
		{24 * time.Hour, 24 * time.Hour, ""},
		{-time.Second, 0, "is negative; leave it zero for the default 1h0m0s"},
		{5*time.Minute - time.Second, 0, "too short: iat is set 1m0s back"},
		{24*time.Hour + time.Second, 0, "is over the test's limit"},
	} {
		got, err := CheckLifetime("pkg", tc.in, l)
		switch {
		case tc.says == "" && (err != nil || got != tc.out):
			t.Errorf("%s: %s, %v; want %s", tc.in, got, err, tc.out)
		case tc.says != "" && (err == nil || !strings.HasPrefix(err.Error(), "pkg: Config.Lifetime ") || !strings.Contains(err.Error(), tc.says)):
			t.Errorf("%s: %v, want an error saying %q", tc.in, err, tc.says)
		}
	}
}

func TestShowQuotesAcceptedValuesAndDescribesOthers(t *testing.T) {
	for in, want := range map[string]string{
		"ABC123DEFG": `"ABC123DEFG"`,
		"":           `""`,
		"abc":        "<3 bytes>",
		pemKey:       "<what looks like a private key",
	} {
		if got := ShowID(in); !strings.HasPrefix(got, want) {
			t.Errorf("ShowID(%.10q) = %s, want %s", in, got, want)
		}
	}
}

func TestSignerRefusesKeysThatCannotSignES256(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]*ecdsa.PrivateKey{"nil": nil, "P-384": p384} {
		var k crypto.Signer
		if key != nil {
			k = key
		}
		if _, err := Signer("pkg", k, "ABC123DEFG", jws.Header{}); err == nil || !strings.HasPrefix(err.Error(), "pkg: Config.PrivateKey: ") {
			t.Errorf("%s key: %v", name, err)
		}
	}
	good, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Signer("pkg", good, "ABC123DEFG", jws.Header{}); err != nil || s == nil || !s.Local() {
		t.Errorf("P-256 key: %v, %v", s, err)
	}
	fixed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if got := Clock(func() time.Time { return fixed })(); !got.Equal(fixed) {
		t.Errorf("Clock kept the given clock? %s", got)
	}
	if d := time.Since(Clock(nil)()); d < 0 || d > time.Minute {
		t.Errorf("Clock(nil) is %s from time.Now", d)
	}
}

func TestCheckIDsNamesTheKeyIDFirst(t *testing.T) {
	for _, tc := range []struct{ keyID, teamID, want string }{
		{"", "", "pkg: Config.KeyID is empty; set it to the key's ID"},
		{"ABC123DEFG", "", "pkg: Config.TeamID is empty; set it to the team's ID"},
		{"ABC123DEFG", "DEF123GHI", "pkg: Config.TeamID is 9 bytes long, not the 10 characters Apple's IDs have (Page)"},
		{"ABC123DEFG", "DEF123GHIJ", ""},
	} {
		err := CheckIDs("pkg", "Page", tc.keyID, "the key's ID", tc.teamID, "the team's ID")
		if got := fmt.Sprint(err); (tc.want == "" && err != nil) || (tc.want != "" && !strings.HasPrefix(got, tc.want)) {
			t.Errorf("CheckIDs(%q, %q) = %v, want %q", tc.keyID, tc.teamID, err, tc.want)
		}
	}
}
