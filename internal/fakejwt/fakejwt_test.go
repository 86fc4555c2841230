package fakejwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var b64 = base64.RawURLEncoding

// keys returns fresh P-256 keys.
func keys(t testing.TB, n int) []*ecdsa.PrivateKey {
	t.Helper()
	out := make([]*ecdsa.PrivateKey, n)
	for i := range out {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = k
	}
	return out
}

// forge signs header.payload byte for byte with key, with golang-jwt's
// ES256 (R||S), an implementation independent of the one under test.
func forge(t testing.TB, header, payload string, key *ecdsa.PrivateKey) string {
	t.Helper()
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodES256.Sign(input, key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

const (
	testKID  = "ABC123DEFG"
	testTeam = "DEF123GHIJ"
)

func rulesFor(key *ecdsa.PrivateKey, header []string) Rules {
	return Rules{MaxLen: 4096, Header: header, Key: func(kid string) (*ecdsa.PublicKey, string, error) {
		if kid != testKID {
			return nil, "", errors.New("kid names no key of this server")
		}
		return &key.PublicKey, testTeam, nil
	}}
}

func TestVerifyAcceptsAHandMadeTokenAndTellsWhoSignedIt(t *testing.T) {
	key := keys(t, 1)[0]
	value := forge(t, `{"alg":"ES256","kid":"`+testKID+`","typ":"JWT"}`, `{"iss":"`+testTeam+`","iat":1,"exp":2}`, key)
	tok, err := Verify(value, rulesFor(key, []string{}))
	if err != nil {
		t.Fatal(err)
	}
	if tok.KeyID != testKID || tok.Issuer != testTeam || tok.Signature != value[strings.LastIndexByte(value, '.')+1:] {
		t.Fatalf("token = %+v", tok)
	}
}

func TestVerifyRefusesEachSharedRule(t *testing.T) {
	k := keys(t, 2)
	key, other := k[0], k[1]
	head := `{"alg":"ES256","kid":"` + testKID + `"}`
	good := `{"iss":"` + testTeam + `","iat":1,"exp":2}`
	valid := forge(t, head, good, key)
	parts := strings.Split(valid, ".")
	for _, tc := range []struct {
		name, value, rule string
		header            []string
	}{
		{"too long", strings.Repeat("a", 4097), "longer", nil},
		{"two parts", parts[0] + "." + parts[1], "2 parts", nil},
		{"padding", parts[0] + "=." + parts[1] + "." + parts[2], "header is not base64url", nil},
		{"line break", parts[0] + "." + parts[1][:4] + "\n" + parts[1][4:] + "." + parts[2], "payload is not base64url", nil},
		{"spare bits", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + "B", "signature is not base64url", nil},
		{"header not an object", forge(t, `[1]`, good, key), "header is not a JSON object", nil},
		{"header name twice", forge(t, `{"alg":"ES256","alg":"ES256","kid":"`+testKID+`"}`, good, key), `names "alg" twice`, nil},
		{"header with data after it", forge(t, head+`{}`, good, key), "data after", nil},
		{"name not listed", forge(t, `{"alg":"ES256","kid":"`+testKID+`","x5u":"u"}`, good, key), `"x5u"`, []string{"id"}},
		{"crit, with any name allowed", forge(t, `{"alg":"ES256","kid":"`+testKID+`","crit":["exp"]}`, good, key), `"crit"`, nil},
		{"long unprintable name described", forge(t, `{"alg":"ES256","kid":"`+testKID+`","`+strings.Repeat("\\u0001", 40)+`":1}`, good, key), "member name of 40 bytes", []string{}},
		{"alg none", forge(t, `{"alg":"none","kid":"`+testKID+`"}`, good, key), "alg is not ES256", nil},
		{"ALG in upper case", forge(t, `{"ALG":"ES256","kid":"`+testKID+`"}`, good, key), "alg is not ES256", nil},
		{"typ other than JWT", forge(t, `{"alg":"ES256","kid":"`+testKID+`","typ":"at+jwt"}`, good, key), "typ", nil},
		{"kid not a string", forge(t, `{"alg":"ES256","kid":1}`, good, key), "no kid", nil},
		{"unknown kid", forge(t, `{"alg":"ES256","kid":"ZZZZZZZZZZ"}`, good, key), "names no key", nil},
		{"signature of another key", forge(t, head, good, other), "does not verify", nil},
		{"signature cut short", parts[0] + "." + parts[1] + "." + parts[2][:40], "30 bytes", nil},
		{"payload changed", parts[0] + "." + b64.EncodeToString([]byte(`{"iss":"`+testTeam+`","iat":1,"exp":3}`)) + "." + parts[2], "does not verify", nil},
		{"payload name twice", forge(t, head, `{"iss":"X","iss":"`+testTeam+`"}`, key), `names "iss" twice`, nil},
		{"iss null", forge(t, head, `{"iss":null}`, key), "iss (the Team ID) is missing", nil},
		{"iss of another team", forge(t, head, `{"iss":"ZZZZZZZZZZ"}`, key), "not the Team ID", nil},
	} {
		_, err := Verify(tc.value, rulesFor(key, tc.header))
		if err == nil || !strings.Contains(err.Error(), tc.rule) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.rule)
			continue
		}
		if strings.Contains(err.Error(), parts[1]) || strings.Contains(err.Error(), parts[2]) || strings.Contains(err.Error(), testKID) {
			t.Errorf("%s: the error quotes the token: %v", tc.name, err)
		}
	}
}

func TestTimesChecksIatAndExpAtNow(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	for _, tc := range []struct {
		payload, rule string
	}{
		{`{"exp":1000100}`, "iat is missing"},
		{`{"iat":1000000.5,"exp":1000100}`, "iat is not an integer"},
		{`{"iat":1e6,"exp":1000100}`, "iat is not an integer"},
		{`{"iat":"1000000","exp":1000100}`, "iat is not an integer"},
		{`{"iat":1000000}`, "exp is missing"},
		{`{"iat":1000061,"exp":1000100}`, "in the future"},
		{`{"iat":999000,"exp":1000000}`, "expired"},
		{`{"iat":1000050,"exp":1000040}`, "not after iat"},
		{`{"iat":1000060,"exp":1000100}`, ""},
	} {
		obj, err := ReadObject([]byte(tc.payload))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = obj.Times(now, 60)
		if tc.rule == "" && err != nil || tc.rule != "" && (err == nil || !strings.Contains(err.Error(), tc.rule)) {
			t.Errorf("%s: %v, want %q", tc.payload, err, tc.rule)
		}
	}
}

// FuzzVerifyNeverLaxerThanGolangJWT: whatever the header and payload bytes,
// Verify does not panic, and a token it accepts golang-jwt accepts too as
// ES256 by the same key, with the same kid and iss: the strict reader is
// never laxer than an independent one.
func FuzzVerifyNeverLaxerThanGolangJWT(f *testing.F) {
	key := keys(f, 1)[0]
	f.Add(`{"alg":"ES256","kid":"ABC123DEFG"}`, `{"iss":"DEF123GHIJ","iat":1,"exp":2}`)
	f.Add(`{"alg":"ES256","kid":"ABC123DEFG","typ":"JWT","id":"x"}`, `{"iss":"DEF123GHIJ"}`)
	f.Add(`{"alg":"ES256","kid":"ABC123DEFG","kid":"ABC123DEFG"}`, `{"iss":"DEF123GHIJ"}`)
	f.Add(`{"alg":"ES256","Kid":"ABC123DEFG"}`, `{"iss":"DEF123GHIJ"}`)
	f.Fuzz(func(t *testing.T, header, payload string) {
		value := forge(t, header, payload, key)
		tok, err := Verify(value, rulesFor(key, []string{"id"}))
		if err != nil {
			return
		}
		parsed, err := jwt.Parse(value, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
			jwt.WithValidMethods([]string{"ES256"}), jwt.WithoutClaimsValidation())
		if err != nil {
			t.Fatalf("accepted what golang-jwt refuses (%v):\nheader %s\npayload %s", err, header, payload)
		}
		iss, _ := parsed.Claims.GetIssuer()
		if parsed.Header["kid"] != tok.KeyID || iss != tok.Issuer || tok.Issuer != testTeam {
			t.Fatalf("kid %v / iss %q read differently from golang-jwt's %v / %q", tok.KeyID, tok.Issuer, parsed.Header["kid"], iss)
		}
	})
}

// TestCheckTimesTakesAnyJSONNumberOfSeconds: RFC 7519 section 2 defines a
// NumericDate as a JSON number of seconds, fractions allowed. Apple's own
// Swift library (vapor/jwt-kit's default JSONEncoder writes Date as a
// Double) and cidertool/asc-go (exp with microseconds) send fractions, and
// App Store Connect takes them; AnyNumber does too. What no JSON number of
// seconds is, a string, null, a number past float64, milliseconds, stays
// refused in either form.
func TestCheckTimesTakesAnyJSONNumberOfSeconds(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	for _, tc := range []struct {
		payload  string
		rule     string // empty: accepted
		whole    string // WholeSeconds' verdict, when it differs
		iat, exp time.Time
	}{
		{payload: `{"iat":1000000.5,"exp":1000100.25}`, iat: time.Unix(1_000_000, 5e8), exp: time.Unix(1_000_100, 25e7), whole: "iat is not an integer"},
		{payload: `{"iat":1e6,"exp":1.0001e6}`, iat: time.Unix(1_000_000, 0), exp: time.Unix(1_000_100, 0), whole: "iat is not an integer"},
		{payload: `{"iat":999999.999999,"exp":1000600.123456}`, iat: time.Unix(999_999, 999_999_000), exp: time.Unix(1_000_600, 123_456_000), whole: "iat is not an integer"},
		{payload: `{"iat":1000000,"exp":1000100}`, iat: time.Unix(1_000_000, 0), exp: time.Unix(1_000_100, 0)},
		{payload: `{"iat":"1000000","exp":1000100}`, rule: "iat is not", whole: "iat is not an integer"},
		{payload: `{"iat":null,"exp":1000100}`, rule: "iat is not", whole: "iat is not an integer"},
		{payload: `{"iat":true,"exp":1000100}`, rule: "iat is not", whole: "iat is not an integer"},
		{payload: `{"iat":1000000,"exp":1e400}`, rule: "exp is not a number", whole: "exp is not an integer"},
		{payload: `{"iat":1000000,"exp":"NaN"}`, rule: "exp is not a number", whole: "exp is not an integer"},
		{payload: `{"iat":1700000000000,"exp":1700000600000}`, rule: "year 9999", whole: "year 9999"},
		{payload: `{"iat":1000000,"exp":1000000000100.5}`, rule: "year 9999", whole: "exp is not an integer"},
		{payload: `{"iat":999000.5,"exp":999999.75}`, rule: "expired", whole: "iat is not an integer"},
		{payload: `{"iat":1000060.5,"exp":1000100}`, rule: "in the future", whole: "iat is not an integer"},
	} {
		obj, err := ReadObject([]byte(tc.payload))
		if err != nil {
			t.Fatal(err)
		}
		iat, exp, err := obj.CheckTimes(now, time.Minute, AnyNumber)
		switch {
		case tc.rule == "" && err != nil:
			t.Errorf("%s: %v, want it accepted", tc.payload, err)
		case tc.rule == "" && (!iat.Equal(tc.iat) || !exp.Equal(tc.exp)):
			t.Errorf("%s: iat %v exp %v, want %v and %v", tc.payload, iat.UnixNano(), exp.UnixNano(), tc.iat.UnixNano(), tc.exp.UnixNano())
		case tc.rule != "" && (err == nil || !strings.Contains(err.Error(), tc.rule)):
			t.Errorf("%s: %v, want an error naming %q", tc.payload, err, tc.rule)
		}
		_, _, err = obj.CheckTimes(now, time.Minute, WholeSeconds)
		if tc.whole == "" && tc.rule == "" && err != nil || (tc.whole != "" || tc.rule != "") && (err == nil || !strings.Contains(err.Error(), cmpOr(tc.whole, tc.rule))) {
			t.Errorf("%s in whole seconds: %v, want %q", tc.payload, err, cmpOr(tc.whole, tc.rule))
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestReadObjectRefusesWhatAStrictVerifierRefuses: bytes that are not
// UTF-8 (RFC 8259 section 8.1; encoding/json would turn them into U+FFFD
// and go on) and junk after the object are refused, each with its kind.
func TestReadObjectRefusesWhatAStrictVerifierRefuses(t *testing.T) {
	for _, tc := range []struct {
		json string
		want Problem
	}{
		{`{"iss":"` + "\xff" + `"}`, NotUTF8},
		{`{"iss":"a"}x`, TrailingData},
		{`{"iss":"a"}{}`, TrailingData},
		{`{"iss":"a","iss":"b"}`, Duplicate},
		{`{"iss":"a","\u0069ss":"b"}`, Duplicate},
		{`[1]`, NotObject},
		{`{"iss":}`, Syntax},
		{`{"iss":"a"`, Truncated},
	} {
		_, err := ReadObject([]byte(tc.json))
		var oe *ObjectError
		if !errors.As(err, &oe) || oe.Problem != tc.want {
			t.Errorf("%q: %v, want problem %d", tc.json, err, tc.want)
		}
	}
	if obj, err := ReadObject([]byte(" {\"iss\":\"a\"} \n")); err != nil || len(obj) != 1 {
		t.Errorf("white space around the object: %v, %v", obj, err)
	}
}

// TestAudiencesTakesAStringOrAList: aud as RFC 7519 section 4.1.3 allows
// it, one string or an array of them (asc-go's form).
func TestAudiencesTakesAStringOrAList(t *testing.T) {
	for _, tc := range []struct {
		json string
		want []string
		err  bool
	}{
		{`{"aud":"appstoreconnect-v1"}`, []string{"appstoreconnect-v1"}, false},
		{`{"aud":["appstoreconnect-v1"]}`, []string{"appstoreconnect-v1"}, false},
		{`{"aud":["a","b"]}`, []string{"a", "b"}, false},
		{`{}`, nil, false},
		{`{"aud":[1]}`, nil, true},
		{`{"aud":1}`, nil, true},
		{`{"aud":null}`, nil, true},
	} {
		obj, err := ReadObject([]byte(tc.json))
		if err != nil {
			t.Fatal(err)
		}
		got, err := obj.Audiences("aud")
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, %v", tc.json, got, err)
		}
	}
}

// FuzzParseDateTakesJSONNumbersOnly: whatever the bytes, ParseDate does not
// panic; what it takes is a JSON number (encoding/json agrees) whose value
// it holds to the microsecond, and in whole seconds an integer.
func FuzzParseDateTakesJSONNumbersOnly(f *testing.F) {
	for _, seed := range []string{"1700000000", "1700000000.123456", "1.7e9", "-1", "1e400", `"1"`, "NaN", "0x10", "1_000", "9007199254740993", "null", "1.", ".5", "-0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, form := range []DateForm{AnyNumber, WholeSeconds} {
			at, err := ParseDate("exp", []byte(raw), form)
			if err != nil {
				continue
			}
			var n json.Number
			if json.Unmarshal([]byte(raw), &n) != nil || string(n) != raw {
				t.Fatalf("took %q, which is not a JSON number", raw)
			}
			f, _ := strconv.ParseFloat(raw, 64)
			if got := float64(at.Unix()) + float64(at.Nanosecond())/1e9; math.Abs(got-f) > 1e-6*math.Max(1, math.Abs(f)/1e9) {
				t.Fatalf("%q read as %v", raw, got)
			}
			if form == WholeSeconds && strings.ContainsAny(raw, ".eE") {
				t.Fatalf("%q taken as whole seconds", raw)
			}
		}
	})
}
