package apnstest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// answer writes APNs' response: always an apns-id (the request's, or a new
// one), and for a refusal the JSON body with its reason.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, status int, bad *refusal) {
	id := r.Header.Get("apns-id")
	if !isUUID(id) {
		id = newUUID()
	}
	w.Header().Set("apns-id", id)
	if bad == nil {
		w.WriteHeader(status)
		return
	}
	s.mu.Lock()
	s.stats.Refused[bad.reason]++
	s.stats.LastReason, s.stats.LastDetail = bad.reason, bad.detail
	if tokenReasons[bad.reason] {
		s.stats.Rejected++
		s.stats.LastRejection = bad.detail
	}
	s.mu.Unlock()
	body, _ := json.Marshal(bad.body())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// tokenReasons are the reasons that refuse the request's token, which
// Stats.Rejected counts.
var tokenReasons = map[string]bool{
	ReasonMissingProviderToken: true, ReasonInvalidProviderToken: true, ReasonExpiredProviderToken: true,
}

// newUUID returns a random (version 4) UUID in upper case, as APNs writes
// its apns-id.
func newUUID() string { return strings.ToUpper(fakeserver.NewUUID()) }

// isUUID reports whether s is a UUID in its 8-4-4-4-12 hexadecimal form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
