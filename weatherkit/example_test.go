package weatherkit_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/weatherkit"
	"github.com/ascjwt/ascjwt/weatherkit/weatherkittest"
)

// Current weather through ascjwt.NewClient. The example talks to
// weatherkittest, a fake WeatherKit REST API that checks tokens as Apple
// does, so that it runs offline; in your code the URL is weatherkit.BaseURL
// and the Config holds your key ID, Team ID, Service ID and the key from
// your .p8 file.
func Example() {
	srv := weatherkittest.NewServer()
	defer srv.Close()
	cfg := srv.Config() // weatherkit.Config{KeyID: keyID, TeamID: teamID, ServiceID: "com.example.weatherkit-client", PrivateKey: key}

	src, err := weatherkit.NewTokenSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	resp, err := client.Get(srv.URL + "/api/v1/weather/en/51.5/-0.12?dataSets=currentWeather")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var weather struct {
		CurrentWeather struct{ ConditionCode string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&weather); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, weather.CurrentWeather.ConditionCode)
	// Output: 200 OK Clear
}
