package musickit_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/musickit"
	"github.com/ascjwt/ascjwt/musickit/musickittest"
)

// A catalog request through ascjwt.NewClient. The example talks to
// musickittest, a fake Apple Music API that checks tokens as Apple does, so
// that it runs offline; in your code the URL is musickit.BaseURL and the
// Config holds your key ID, Team ID and the key from your .p8 file.
func Example() {
	srv := musickittest.NewServer()
	defer srv.Close()
	cfg := srv.Config() // musickit.Config{KeyID: keyID, TeamID: teamID, PrivateKey: key}

	src, err := musickit.NewTokenSource(cfg)
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)
	resp, err := client.Get(srv.URL + "/v1/catalog/us/songs/203709340")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var songs struct {
		Data []struct {
			ID         string
			Attributes struct{ Name string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&songs); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, songs.Data[0].ID, songs.Data[0].Attributes.Name)
	// Output: 200 OK 203709340 Song 203709340
}

// A token for web pages, limited to the origins that may use it, as Apple
// recommends for MusicKit on the Web.
func ExampleConfig_origins() {
	srv := musickittest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	cfg.Origins = []string{"https://music.example.com"}
	_, err := musickit.NewTokenSource(cfg)
	fmt.Println(err)

	cfg.Origins = []string{"https://music.example.com/player"}
	_, err = musickit.NewTokenSource(cfg)
	fmt.Println(err)
	// Output:
	// <nil>
	// musickit: Config.Origins[0] (32 bytes) has a path, query or fragment (a trailing slash counts); write each origin as a browser sends it, e.g. https://www.example.net or http://localhost:3000
}
