package conformance

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/apns/apnstest"
)

// @parse/node-apn, the APNs client of Node servers (Parse Server's), against
// apnstest: its tokens (jsonwebtoken, ES256) are taken and its pushes
// delivered over Node's HTTP/2, pointed at the fake with its address option
// and the fake's certificate as CA. The script is node/apns_push.js.

// nodeAPNResult is what apns_push.js prints.
type nodeAPNResult struct {
	Rounds []struct {
		Sent   []string
		Failed []struct {
			Device    string
			Status    int
			Reason    string
			Timestamp int64
			Error     string
		}
	}
}

// runNodeAPN runs node/apns_push.js against srv with opts (the fake's
// address, CA and key are filled in) and returns what it printed. It skips
// the test only when node is not installed.
func runNodeAPN(t *testing.T, srv *apnstest.Server, opts map[string]any) nodeAPNResult {
	t.Helper()
	dir := t.TempDir()
	k := srv.Key()
	host, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	opts["address"], opts["port"] = host, port
	opts["caFile"], opts["keyFile"] = writeCertPEM(t, dir, srv.Certificate()), writeFile(t, dir, "AuthKey_"+k.ID+".p8", k.PEM())
	opts["keyId"], opts["teamId"] = k.ID, k.TeamID
	if opts["topic"] == nil {
		opts["topic"] = "com.example.app"
	}
	var res nodeAPNResult
	nodeScript{Package: "@parse/node-apn", Args: []string{"apns_push.js"}, Input: opts}.run(t, &res)
	return res
}

// TestNodeAPNTokensAcceptedAndPushesDelivered: node-apn pushes three rounds
// to two devices and one the fake has unregistered: every push to the two
// is delivered with node-apn's one token, and the third fails as APNs
// fails it, 410 Unregistered with the time the device token went.
func TestNodeAPNTokensAcceptedAndPushesDelivered(t *testing.T) {
	srv := closeAtEnd(t, apnstest.NewServer())
	devices := []string{apnsDevice, strings.Repeat("0a", 32), strings.Repeat("fe", 32)}
	gone := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	srv.Unregister(devices[2], gone)
	res := runNodeAPN(t, srv, map[string]any{"devices": devices, "rounds": 3})
	if len(res.Rounds) != 3 {
		t.Fatalf("%d rounds, want 3", len(res.Rounds))
	}
	for i, r := range res.Rounds {
		slices.Sort(r.Sent)
		if want := slices.Sorted(slices.Values(devices[:2])); !slices.Equal(r.Sent, want) {
			t.Errorf("round %d: sent to %v, want %v (%s)", i, r.Sent, want, srv.Stats().LastDetail)
		}
		if len(r.Failed) != 1 || r.Failed[0].Device != devices[2] || r.Failed[0].Status != 410 ||
			r.Failed[0].Reason != apns.ReasonUnregistered || r.Failed[0].Timestamp != gone.UnixMilli() {
			t.Errorf("round %d: failed %+v, want the unregistered device with 410 Unregistered at %d", i, r.Failed, gone.UnixMilli())
		}
	}
	st := srv.Stats()
	if st.Accepted != 6 || st.Tokens != 1 || st.Refused[apns.ReasonInvalidProviderToken]+st.Refused[apns.ReasonExpiredProviderToken]+st.Refused[apns.ReasonMissingProviderToken] != 0 {
		t.Errorf("stats %+v; want 6 pushes delivered with one node-apn token, none refused", st)
	}
}

// TestNodeAPNVoIPPayloadsUpTo5KiB: Apple's "Sending notification requests
// to APNs" allows a VoIP push 5,120 bytes and other pushes 4,096: node-apn's
// VoIP push of 5,120 bytes is delivered, one of 5,121 fails with 413
// PayloadTooLarge, and so does a background push of 4,097.
func TestNodeAPNVoIPPayloadsUpTo5KiB(t *testing.T) {
	srv := closeAtEnd(t, apnstest.NewServer())
	for _, tc := range []struct {
		pushType, topic string
		size            int
		status          int
	}{
		{"voip", "com.example.app.voip", 5120, 200},
		{"voip", "com.example.app.voip", 5121, 413},
		{"background", "com.example.app", 4096, 200},
		{"background", "com.example.app", 4097, 413},
	} {
		res := runNodeAPN(t, srv, map[string]any{"devices": []string{apnsDevice}, "pushType": tc.pushType, "topic": tc.topic, "payloadBytes": tc.size})
		r := res.Rounds[0]
		switch {
		case tc.status == 200 && len(r.Sent) != 1:
			t.Errorf("%s of %d bytes: failed %+v, want it delivered", tc.pushType, tc.size, r.Failed)
		case tc.status != 200 && (len(r.Failed) != 1 || r.Failed[0].Status != tc.status || r.Failed[0].Reason != apns.ReasonPayloadTooLarge):
			t.Errorf("%s of %d bytes: sent %v failed %+v, want 413 PayloadTooLarge", tc.pushType, tc.size, r.Sent, r.Failed)
		}
	}
}
