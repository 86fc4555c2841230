package weatherkittest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/faketest"
	"github.com/ascjwt/ascjwt/weatherkit"
)

const weatherPath = "/api/v1/weather/en/51.5/-0.12?dataSets=currentWeather"

// serviceMembers are the members a WeatherKit token adds to the ones every
// developer token has: the header's id, Team ID and Service ID joined by a
// period, and the claim sub, the Service ID.
func serviceMembers(k Key, serviceID string) (header, claims string) {
	return fmt.Sprintf(`,"id":"%s.%s"`, k.TeamID, serviceID), fmt.Sprintf(`,"sub":%q`, serviceID)
}

func TestServerRefusesEachBrokenRule(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	tok := faketest.AccountToken(srv.Account)
	k, sub := tok.Key, DefaultServiceID
	tok.Header, tok.Claims = serviceMembers(k, sub)
	now, head, good := tok.Now, tok.Head("ES256", k.ID), tok.Payload(tok.Now, tok.Now+3600)
	// withID is the Authorization of a token of payload whose header's id
	// is id.
	withID := func(id, payload string) http.Header {
		return faketest.Bearer(tok.Sign(fmt.Sprintf(`{"alg":"ES256","kid":%q,"id":%q}`, k.ID, id), payload))
	}
	other := fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":"com.example.other"}`, k.TeamID, now, now+60)
	refused := append(tok.BrokenRules(), []faketest.Refusal{
		{Name: "no id", Header: faketest.Bearer(tok.Sign(fmt.Sprintf(`{"alg":"ES256","kid":%q}`, k.ID), good)), Rule: "no id"},
		{Name: "id of service alone", Header: withID(sub, good), Rule: "joined by a period"},
		{Name: "id of another service", Header: withID(k.TeamID+".com.example.other", good), Rule: "joined by a period"},
		{Name: "no sub", Header: faketest.Bearer(tok.Sign(head, fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d}`, k.TeamID, now, now+60))), Rule: "sub"},
		{Name: "sub not registered", Header: withID(k.TeamID+".com.example.other", other), Rule: "not a Service ID registered"},
		{Name: "aud claim", Header: faketest.Bearer(tok.Sign(head, tok.Object(fmt.Sprintf(`"iss":%q,"iat":%d,"exp":%d,"aud":"weatherkit"`, k.TeamID, now, now+60)))), Rule: `"aud"`},
		{Name: "nbf claim", Header: faketest.Bearer(tok.Sign(head, tok.Object(fmt.Sprintf(`"iss":%q,"iat":%d,"exp":%d,"nbf":%d`, k.TeamID, now, now+60, now)))), Rule: `"nbf"`},
		{Name: "sub twice", Header: faketest.Bearer(tok.Sign(head, tok.Object(fmt.Sprintf(`"iss":%q,"iat":%d,"exp":%d,"sub":%q`, k.TeamID, now, now+60, sub)))), Rule: "twice"},
	}...)
	faketest.ExpectRules(t, srv.Client(), srv.URL+weatherPath, srv.Stats, refused, nil)

	srv.AddServiceID("com.example.other")
	passing := tok.Passing()
	passing["added Service ID"] = withID(k.TeamID+".com.example.other", other)
	passing["a year long"] = faketest.Bearer(tok.Sign(head, tok.Payload(now, now+366*86400))) // Apple sets no limit
	faketest.ExpectRules(t, srv.Client(), srv.URL+weatherPath, srv.Stats, nil, passing)
}

func TestServerServesWeatherToSourceTokens(t *testing.T) {
	srv, client := faketest.Serve(t, NewServer, weatherkit.NewTokenSource, ascjwt.NewClient)
	resp := faketest.Get(t, client, srv.URL+"/api/v1/weather/en-GB/51.5/-0.12?dataSets=currentWeather,forecastDaily", nil)
	var w struct {
		CurrentWeather *struct {
			Name          string
			ConditionCode string
			Temperature   float64
			Metadata      struct{ Latitude, Longitude float64 }
		}
		ForecastDaily *struct {
			Days []struct{ ForecastStart string }
		}
	}
	err := json.NewDecoder(resp.Body).Decode(&w)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %v", resp.Status, err)
	}
	if w.CurrentWeather == nil || w.CurrentWeather.Name != "CurrentWeather" || w.CurrentWeather.Metadata.Latitude != 51.5 || w.CurrentWeather.Metadata.Longitude != -0.12 {
		t.Errorf("currentWeather = %+v", w.CurrentWeather)
	}
	if w.ForecastDaily == nil || len(w.ForecastDaily.Days) == 0 {
		t.Errorf("forecastDaily = %+v", w.ForecastDaily)
	}
	for path, want := range map[string]int{
		"/api/v1/weather/en/91/0?dataSets=currentWeather":             400,
		"/api/v1/weather/en/0/181?dataSets=currentWeather":            400,
		"/api/v1/weather/en/x/0?dataSets=currentWeather":              400,
		"/api/v1/weather/en/0/0?dataSets=somethingElse":               400,
		"/api/v1/weather/e/0/0?dataSets=currentWeather":               400,
		"/api/v1/availability/37.323/-122.032":                        200,
		"/api/v1/availability/37.323/-222.032":                        400,
		"/api/v1/weather/en/0/0":                                      200,
		"/api/v1/weather/zh-Hant/-33.86/151.2?dataSets=forecastDaily": 200,
	} {
		if code := faketest.Status(t, client, srv.URL+path, nil); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
	if st := srv.Stats(); st.Rejected != 0 || st.Tokens != 1 {
		t.Fatalf("stats %+v: want every request accepted with one token", st)
	}
}

func TestServerClockExpiresTokensAndSourceFollows(t *testing.T) {
	srv, client := faketest.Serve(t, NewServer, weatherkit.NewTokenSource, ascjwt.NewClient)
	for range 2 {
		if code := faketest.Status(t, client, srv.URL+weatherPath, nil); code != 200 {
			t.Fatalf("%d (%s)", code, srv.Stats().LastRejection)
		}
		srv.Advance(2 * time.Hour) // past the first token's exp
	}
	if st := srv.Stats(); st.Accepted != 2 || st.Rejected != 0 || st.Tokens != 2 {
		t.Fatalf("stats %+v: want a new token after the clock passed exp, and no refusal", st)
	}
}

func TestRevokedKeyRetriedOnceThenRefused(t *testing.T) {
	srv, client := faketest.Serve(t, NewServer, weatherkit.NewTokenSource, ascjwt.NewClient)
	faketest.RevokedKeyRetriedOnceThenRefused(t, client, srv.URL+weatherPath, func() { srv.Revoke(srv.Key().ID) }, srv.Stats)
}
