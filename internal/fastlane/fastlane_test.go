package fastlane

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

func testKeyPEM(t testing.TB) string {
	t.Helper()
	return apitest.PEM(t, apitest.NewKey(t))
}

// secretsOf lists the base64 lines of a PEM key: no message may hold one.
func secretsOf(pemText string) []string {
	var out []string
	for _, line := range strings.Split(pemText, "\n") {
		if len(line) > 16 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	return out
}

func assertNoSecrets(t testing.TB, msg string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Fatalf("message holds key material: %q", msg)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestParseErrors(t *testing.T) {
	key := testKeyPEM(t)
	secrets := secretsOf(key)
	for _, tc := range []struct {
		name, json, want string
	}{
		{"empty", ``, "empty"},
		{"not JSON", `key_id = "X"`, "not valid JSON: syntax error at line 1, column 1"},
		{"syntax error inside the key", `{"key_id": "X",` + "\n" + `"key": "` + strings.ReplaceAll(key, "\n", `\q`) + `"}`, "syntax error at line 2"},
		{"truncated", `{"key_id": "X", "key": "` + key[:20], "ends too early"},
		{"array", `[{"key_id": "X"}]`, "is an array; want an object"},
		{"string", `"` + strings.ReplaceAll(key, "\n", `\n`) + `"`, "is a string; want an object"},
		{"null", `null`, "null"},
		{"trailing data", `{"key_id": "X"} {"key_id": "Y"}`, "more after the JSON object"},
		{"key_id a number", `{"key_id": 123, "key": "k"}`, "key_id is a number; want a string"},
		{"key an object", `{"key_id": "X", "key": {"pem": "x"}}`, "key is an object; want a string"},
		{"issuer_id an array", `{"key_id": "X", "issuer_id": ["a"]}`, "issuer_id is an array; want a string"},
		{"in_house a string", `{"key_id": "X", "in_house": "false"}`, "in_house is a string; want a boolean"},
		{"is_key_content_base64 a number", `{"key_id": "X", "is_key_content_base64": 1}`, "is_key_content_base64 is a number; want a boolean"},
		{"duration too long", `{"key_id": "X", "duration": 5000}`, "from 1 to 1200"},
		{"duration fractional", `{"key_id": "X", "duration": 600.5}`, "whole number of seconds"},
		{"duration negative", `{"key_id": "X", "duration": -1}`, "from 1 to 1200"},
		{"duration a word", `{"key_id": "X", "duration": "long"}`, "not a number of seconds"},
		{"duration a boolean", `{"key_id": "X", "duration": true}`, "duration is a boolean"},
		{"another kind of JSON", `{"type": "service_account", "private_key": ` + jsonString(key) + `}`, "none of key_id, issuer_id, key and filepath"},
		{"too large", `{"key_id": "X", "pad": "` + strings.Repeat("a", MaxSize) + `"}`, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want it to say %q", err, tc.want)
			}
			assertNoSecrets(t, err.Error(), secrets)
		})
	}
}

func FuzzParse(f *testing.F) {
	key := testKeyPEM(f)
	b64 := base64.StdEncoding.EncodeToString([]byte(key))
	for _, seed := range []string{
		`{"key_id": "D383SF739", "issuer_id": "6053b7fe-68a8-4acb-89be-165aa6465141", "key": ` + jsonString(key) + `, "duration": 1200, "in_house": false}`,
		`{"key_id": "X", "key": "` + b64 + `", "is_key_content_base64": true, "duration": "600"}`,
		`{"key_id": "X", "filepath": "AuthKey_X.p8", "in_house": null}`,
		`{"key_id": 1}`, `{"duration": 1e400}`, `{"duration": "-0"}`, `[]`, `null`, `"MIGTAgEAMBMGByqGSM49"`,
		`{"key": "MIGTAgEAMBMGByqGSM49\q"}`, `{"key_id": "X"} x`, "\xef\xbb\xbf{}", ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := Parse(data)
		if err != nil {
			if k != (Key{}) {
				t.Fatal("a value and an error both returned")
			}
			// "MIGTAgEAMBMGByqGSM49" starts the base64 of every P-256 .p8:
			// no message of ours holds it unless it echoes the input.
			if strings.Contains(err.Error(), "MIGTAgEAMBMGByqGSM49") {
				t.Fatalf("the error echoes the input: %v", err)
			}
			return
		}
		if k.Duration < 0 || k.Duration > maxSeconds*time.Second || k.Duration%time.Second != 0 {
			t.Fatalf("duration %s accepted", k.Duration)
		}
		if k.KeyID == "" && k.IssuerID == "" && k.Key == "" && k.FilePath == "" {
			t.Fatal("accepted a file with none of the fields")
		}
		// What was accepted reads back the same when written out again.
		out := map[string]any{"key_id": k.KeyID, "issuer_id": k.IssuerID, "key": k.Key, "filepath": k.FilePath, "is_key_content_base64": k.KeyIsBase64}
		if k.Duration != 0 {
			out["duration"] = int64(k.Duration / time.Second)
		}
		if k.HasInHouse {
			out["in_house"] = k.InHouse
		}
		again, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := Parse(again)
		if err != nil || k2 != k {
			t.Fatalf("round trip: %+v, %v; want %+v", k2, err, k)
		}
	})
}
