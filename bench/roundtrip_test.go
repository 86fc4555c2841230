package bench

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/ascjwt/ascjwt"
)

// plainTransport is the plain header-adding RoundTripper the per-request
// target is set against: a Clone of the request (which clones its header,
// every value copied), the header set on the clone. ascjwt.Transport is to
// cost at most 1.25 times as much, and less than oauth2.Transport.
type plainTransport struct {
	bearer string // "Bearer " + token, precomputed
	base   http.RoundTripper
}

func (t *plainTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", t.bearer)
	return t.base.RoundTrip(out)
}

// floorTransport is the least a header-adding transport that follows the
// http.RoundTripper contract can do: a shallow copy of the request (its URL
// shared), a clone of its header map (Header.Clone, which copies every
// value too), the header set.
type floorTransport struct {
	bearer string // "Bearer " + token, precomputed
	base   http.RoundTripper
}

func (t *floorTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := new(http.Request)
	*out = *req
	out.Header = req.Header.Clone()
	out.Header.Set("Authorization", t.bearer)
	return t.base.RoundTrip(out)
}

// BenchmarkRoundTrip is the cost a request pays for its token when the token
// is cached: ascjwt.Transport, oauth2.Transport over ReuseTokenSource (the
// same token, static), the plain transport and the floor. The base
// transport responds at once, so what is timed is the wrapper alone. In
// parallel, so that a lock or a shared write on the path shows as -cpu 2
// slower than -cpu 1. The response is a bare one, with no X-Rate-Limit;
// BenchmarkRoundTripAppleAnswer has Apple's.
func BenchmarkRoundTrip(b *testing.B) {
	benchRoundTrip(b, newCannedTransport())
}

// BenchmarkRoundTripAppleAnswer is BenchmarkRoundTrip with the headers of a
// real App Store Connect answer, X-Rate-Limit among them, which only ascjwt
// reads: the cost of keeping Transport.RateLimit and pacing up to date. The
// value is the same every time, and ascjwt parses it every time, as it does
// Apple's, whose remainder changes with each answer.
func BenchmarkRoundTripAppleAnswer(b *testing.B) {
	base := newCannedTransport()
	base.resp.Header = http.Header{
		"Server":                         {"daiquiri/5"},
		"Date":                           {"Fri, 27 Nov 2026 16:00:00 GMT"},
		"Content-Type":                   {"application/json"},
		"Content-Length":                 {"2048"},
		"Connection":                     {"keep-alive"},
		"Strict-Transport-Security":      {"max-age=31536000; includeSubDomains"},
		"X-Rate-Limit":                   {"user-hour-lim:3600;user-hour-rem:3412;"},
		"X-Request-Id":                   {"5JQ2KXOVWYRUKB3HIW4OLX3VJQ"},
		"X-Apple-Jingle-Correlation-Key": {"5JQ2KXOVWYRUKB3HIW4OLX3VJQ"},
		"Vary":                           {"Accept-Encoding"},
	}
	benchRoundTrip(b, base)
}

func benchRoundTrip(b *testing.B, base *cannedTransport) {
	src, tok := signedSource(b, benchConfig(benchKey, nil))
	bearer := "Bearer " + tok.Value

	impls := []struct {
		name string
		rt   func(base http.RoundTripper) http.RoundTripper
	}{
		{"ascjwt", func(base http.RoundTripper) http.RoundTripper {
			return &ascjwt.Transport{Source: src, Base: base}
		}},
		{"oauth2", func(base http.RoundTripper) http.RoundTripper {
			// The same token value, so that the header is the same size.
			static := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.Value, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
			return &oauth2.Transport{Source: oauth2.ReuseTokenSource(nil, static), Base: base}
		}},
		{"plain", func(base http.RoundTripper) http.RoundTripper {
			return &plainTransport{bearer: bearer, base: base}
		}},
		{"floor", func(base http.RoundTripper) http.RoundTripper {
			return &floorTransport{bearer: bearer, base: base}
		}},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			rt := impl.rt(base)
			req := newAPIRequest(b)

			// Warm up (the oauth2 source fetches its token here) and check
			// that the header arrives and the caller's request is untouched.
			base.check = func(out *http.Request) {
				if got := out.Header.Get("Authorization"); got != bearer {
					b.Fatalf("Authorization header is %.20q...; want the bearer token", got)
				}
				if out.Header.Get("Accept") != "application/json" || out.Header.Get("User-Agent") == "" {
					b.Fatalf("ordinary headers lost: %v", out.Header)
				}
			}
			if _, err := rt.RoundTrip(req); err != nil {
				b.Fatal(err)
			}
			base.check = nil
			if req.Header.Get("Authorization") != "" {
				b.Fatal("the caller's request was modified")
			}

			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := rt.RoundTrip(req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
