package apitest

import (
	"crypto"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// CheckTokenHostsOnly makes a source and fails t unless it names exactly
// hosts as the hosts its tokens are for (ascjwt.HostScoped's TokenHosts)
// and, through the transport that transport makes of it around a base
// transport, sends a bearer token to exactly the URLs of urls marked true
// ([CheckBearerOnlyTo]).
func (p Sources[T]) CheckTokenHostsOnly(t *testing.T, hosts []string, transport func(src Source[T], base http.RoundTripper) http.RoundTripper, urls map[string]bool) {
	t.Helper()
	src := p.new(t, Settings{Key: NewKey(t), Now: fakeclock.New(Start).Now})
	scoped, ok := src.(interface{ TokenHosts() []string })
	if !ok {
		t.Fatalf("a %s source (%T) names no hosts", p.Package, src)
	}
	if got := scoped.TokenHosts(); !reflect.DeepEqual(got, hosts) {
		t.Fatalf("TokenHosts() = %v, want %v", got, hosts)
	}
	CheckBearerOnlyTo(t, func(base http.RoundTripper) http.RoundTripper { return transport(src, base) }, urls)
}

// CheckPastedKeyDescribed makes a key and, with config, a Config of it
// whose TeamID holds the key's PEM (a key pasted into the wrong field). It
// fails t unless the Config and a pointer to it print no key material
// ([CheckPrintsNoKey]) and its String shows [KeyID] and each of shown and
// describes the pasted key.
func CheckPastedKeyDescribed[C fmt.Stringer](t *testing.T, config func(key crypto.Signer, teamID string) C, shown ...string) {
	t.Helper()
	key := NewKey(t)
	keyPEM := PEM(t, key)
	cfg := config(key, keyPEM)
	CheckPrintsNoKey(t, key, keyPEM, cfg, &cfg)
	s := cfg.String()
	for _, want := range append([]string{KeyID, "looks like a private key"}, shown...) {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %s: want the key ID and %q shown and the pasted key described", s, shown)
			return
		}
	}
}

// CheckSharedBehaviour runs the checks every developer-token source passes,
// each as a subtest named after the behaviour: one signature for
// concurrent first calls, the refresh schedule, and the hooks.
func (p Sources[T]) CheckSharedBehaviour(t *testing.T) {
	for _, c := range []struct {
		name  string
		check func(*testing.T)
	}{
		{"ConcurrentFirstCallsSignOnce", p.CheckConcurrentFirstCallsSignOnce},
		{"TokenReplacedAtThreeQuartersAndNeverUsedInLastMinute", p.CheckRefreshSchedule},
		{"HooksToldOfTokensAndFailures", p.CheckHooksToldOfTokensAndFailures},
	} {
		t.Run(c.name, c.check)
	}
}
