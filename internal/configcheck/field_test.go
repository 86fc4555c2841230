package configcheck

import (
	"strings"
	"testing"
)

func TestCheckFieldNamesEachMistakeWithoutQuotingIt(t *testing.T) {
	const want = "the key ID"
	for _, tc := range []struct {
		value string
		says  string // "" for accepted
	}{
		{"2X9R4HXF34", ""},
		{"57246542-96fe-1a63-e053-0824d011072a", ""},
		{"", "pkg: SignerConfig.KeyID is empty; set it to the key ID"},
		{pemKey, "pkg: SignerConfig.KeyID holds what looks like a private key"},
		{strings.Repeat("Q", MaxIDLen+1), "pkg: SignerConfig.KeyID is 65 bytes, more than the 64 an ID can be; set it to the key ID"},
		{" 2X9R4HXF34", "pkg: SignerConfig.KeyID has white space around it; remove it"},
		{"2X9R4\x00HXF34", "pkg: SignerConfig.KeyID holds a control character; set it to the key ID"},
	} {
		err := CheckField("pkg", "SignerConfig", "KeyID", tc.value, MaxIDLen, want)
		switch {
		case tc.says == "" && err != nil:
			t.Errorf("%.12q: %v", tc.value, err)
		case tc.says != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.says)):
			t.Errorf("%.12q: %v, want it to start %q", tc.value, err, tc.says)
		case err != nil && (strings.Contains(err.Error(), "MIG") || strings.Contains(err.Error(), "QQQQ")):
			t.Errorf("%.12q: %q quotes the value", tc.value, err)
		}
	}
	if err := CheckField("pkg", "SignerConfig", "KeyID", pemKey, MaxIDLen, want); err == nil || !strings.Contains(err.Error(), "SignerConfig.PrivateKey") {
		t.Errorf("a key in an ID does not point at the key's field: %v", err)
	}
}

// TestShowFieldDescribesWhatCheckFieldRefuses: a Config prints an ID that
// CheckField would take as it is, and only a description of any other.
func TestShowFieldDescribesWhatCheckFieldRefuses(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"2X9R4HXF34", `"2X9R4HXF34"`},
		{"", `""`},
		{" 2X9R4HXF34", "<"},
		{pemKey, "<what looks like a private key"},
	} {
		if got := ShowField(tc.value, MaxIDLen); !strings.HasPrefix(got, tc.want) || strings.Contains(got, "MIG") {
			t.Errorf("ShowField(%.12q) = %s, want it to start %s", tc.value, got, tc.want)
		}
	}
}
