package signinwithapple

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// IDToken is a verified identity token: who signed in, as Apple's
// "Authenticating users with Sign in with Apple" describes its claims.
// Subject is the user's stable ID for your team; store it, not the email.
type IDToken struct {
	// Subject ("sub") is the user's unique, stable ID, the same for all
	// apps of your team. Email ("email") is the user's address or a
	// private relay one, when the user shared it; Nonce ("nonce") is the
	// value of the authorization request; TransferSubject
	// ("transfer_sub") is the user's ID in the team an app was
	// transferred from, during a transfer.
	Subject, Email, Nonce, TransferSubject string
	// Audience ("aud") is the client ID the token is for, one of
	// VerifierConfig.ClientIDs.
	Audience string
	// EmailVerified ("email_verified"), IsPrivateEmail
	// ("is_private_email", a private relay address) and NonceSupported
	// ("nonce_supported") read Apple's booleans and its strings "true"
	// and "false" alike; absent is false.
	EmailVerified, IsPrivateEmail, NonceSupported bool
	// RealUserStatus ("real_user_status") is 0 (unsupported), 1 (unknown)
	// or 2 (likely real); 0 when absent.
	RealUserStatus int
	// IssuedAt ("iat"), Expiry ("exp") and AuthTime ("auth_time", zero
	// when absent) are the token's times.
	IssuedAt, Expiry, AuthTime time.Time
	// Raw is the payload as Apple signed it, for claims not named here.
	Raw json.RawMessage
}

// decodeIDToken reads an identity token's claims, already checked for iss,
// aud, exp and iat, each by the type Apple gives it.
func decodeIDToken(claims object, raw []byte, aud string) (*IDToken, error) {
	tok := &IDToken{Audience: aud, Raw: json.RawMessage(raw)}
	var err error
	sub, _ := claims.string("sub")
	if sub == "" {
		return nil, invalid(`it has no "sub" (the user's ID) as a non-empty string`)
	}
	tok.Subject = sub
	if err := readMembers(claims.optionalString, []member[string]{{"email", &tok.Email}, {"nonce", &tok.Nonce}, {"transfer_sub", &tok.TransferSubject}}); err != nil {
		return nil, invalid("its " + err.Error())
	}
	if err := readMembers(claims.flag, []member[bool]{{"email_verified", &tok.EmailVerified}, {"is_private_email", &tok.IsPrivateEmail}, {"nonce_supported", &tok.NonceSupported}}); err != nil {
		return nil, invalid("its " + err.Error())
	}
	if rs, ok := claims["real_user_status"]; ok {
		n, err := strconv.Atoi(string(rs))
		if err != nil || n < 0 {
			return nil, invalid(`its "real_user_status" is not a whole number from 0 up`)
		}
		tok.RealUserStatus = n
	}
	tok.IssuedAt, _ = claims.requiredTime("iat") // checked by checkClaims
	tok.Expiry, _ = claims.requiredTime("exp")
	if tok.AuthTime, _, err = claims.time("auth_time"); err != nil {
		return nil, invalid("its " + err.Error())
	}
	return tok, nil
}

// String describes the token without its nonce, which a log must not
// carry: who it is for and when it expires.
func (t IDToken) String() string {
	return fmt.Sprintf("signinwithapple.IDToken{sub:%q aud:%q email:%q email_verified:%t is_private_email:%t real_user_status:%d nonce:%s expires:%s}",
		t.Subject, t.Audience, t.Email, t.EmailVerified, t.IsPrivateEmail, t.RealUserStatus, t.nonceShown(), t.Expiry.UTC().Format(time.RFC3339))
}

// nonceShown stands for the nonce in String and MarshalJSON.
func (t IDToken) nonceShown() string {
	if t.Nonce == "" {
		return "none"
	}
	return "redacted"
}

// Format makes every fmt verb print String, so that no format of an
// [IDToken] shows its nonce or its Raw payload.
func (t IDToken) Format(f fmt.State, verb rune) { redact.Format(f, verb, t.String()) }

// LogValue shows the token to log/slog as String does.
func (t IDToken) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON encodes the claims that String shows, under Apple's names
// and with its times in the token's form (NumericDate, whole seconds since
// 1970: Apple's tokens have no fractions), with the nonce redacted and
// without Raw: an IDToken logged as JSON, or sent back to a browser,
// carries no nonce. auth_time is left out when the token had none. Read Raw
// for the payload as Apple signed it.
func (t IDToken) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Subject         string `json:"sub"`
		Audience        string `json:"aud"`
		Email           string `json:"email,omitempty"`
		EmailVerified   bool   `json:"email_verified"`
		IsPrivateEmail  bool   `json:"is_private_email"`
		RealUserStatus  int    `json:"real_user_status"`
		TransferSubject string `json:"transfer_sub,omitempty"`
		Nonce           string `json:"nonce"`
		NonceSupported  bool   `json:"nonce_supported"`
		IssuedAt        int64  `json:"iat"`
		Expiry          int64  `json:"exp"`
		AuthTime        *int64 `json:"auth_time,omitempty"`
	}{t.Subject, t.Audience, t.Email, t.EmailVerified, t.IsPrivateEmail, t.RealUserStatus, t.TransferSubject, t.nonceShown(), t.NonceSupported,
		numericDate(t.IssuedAt), numericDate(t.Expiry), optionalDate(t.AuthTime)})
}

// numericDate is t as a JWT claim holds it, whole seconds since 1970, and
// 0 for the zero time (a claim the token did not have).
func numericDate(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// optionalDate is numericDate for a claim that may be absent: nil for the
// zero time, so that a token without it encodes without it.
func optionalDate(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.Unix()
	return &n
}
