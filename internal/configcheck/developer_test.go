package configcheck

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

func TestDeveloperKeyNamesTheFirstMistakeInOneOrder(t *testing.T) {
	key := apitest.NewKey(t)
	limits := Lifetimes{Default: DefaultLifetime, Min: MinLifetime, Max: SixMonths, Backdate: time.Minute, OverMax: "the limit"}
	good := DeveloperKey{Package: "pkg", KeyIDWant: "the key's ID", KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", PrivateKey: key, Lifetimes: limits}
	for _, tc := range []struct {
		spoil func(*DeveloperKey)
		want  string
	}{
		{func(k *DeveloperKey) { k.KeyID, k.TeamID, k.PrivateKey, k.Lifetime = "", "", nil, -1 }, "pkg: Config.KeyID is empty; set it to the key's ID"},
		{func(k *DeveloperKey) { k.TeamID, k.PrivateKey, k.Lifetime = "", nil, -1 }, "pkg: Config.TeamID is empty; set it to " + TeamIDWant},
		{func(k *DeveloperKey) { k.PrivateKey, k.Lifetime = nil, -1 }, "pkg: Config.PrivateKey: "},
		{func(k *DeveloperKey) { k.Lifetime = -1 }, "pkg: Config.Lifetime -1ns is negative"},
		{func(k *DeveloperKey) { k.Also = func() error { return errors.New("pkg: Config.ServiceID is empty") } }, "pkg: Config.ServiceID is empty"},
	} {
		k := good
		tc.spoil(&k)
		if _, err := k.Spec(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("error %v, want one starting %q", err, tc.want)
		}
	}
	spec, err := good.Spec()
	if err != nil || spec.Signer == nil || spec.Lifetime != DefaultLifetime {
		t.Errorf("a good key: %v, %v, %v; want a signer and the default lifetime", spec.Signer, spec.Lifetime, err)
	}
}

func TestCheckReverseDNSNamesThePackageAndField(t *testing.T) {
	for _, v := range []string{"com.example.app", "it.iachieved.MyWeather-2"} {
		if err := CheckReverseDNS("pkg", "ServiceID", v, "a Services ID"); err != nil {
			t.Errorf("%q refused: %v", v, err)
		}
	}
	for v, want := range map[string]string{
		"":                        "is empty; set it to a Services ID",
		pemKey:                    "holds what looks like a private key",
		" com.example.app":        "holds white space around it",
		"weather":                 "is not a reverse-DNS identifier of dot-separated parts",
		"com..example":            "is not a reverse-DNS identifier",
		"com.example_app":         "holds a character other than letters, digits, '-' and '.'",
		strings.Repeat("a.", 127): "longer than a reverse-DNS identifier can be",
	} {
		err := CheckReverseDNS("pkg", "ServiceID", v, "a Services ID")
		if err == nil || !strings.HasPrefix(err.Error(), "pkg: Config.ServiceID ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%.20q: %v, want an error about %q", v, err, want)
		}
	}
}
