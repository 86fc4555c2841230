package axm_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/axm/axmtest"
)

// The happy path against the fake: a token source from the account's
// config, a client that carries its access tokens, and a request to the
// API. Against Apple, the config is axm.Config{KeyID, ClientID, PrivateKey}
// and the URL axm.BusinessURL + "/v1/orgDevices".
func Example() {
	srv := axmtest.NewServer()
	defer srv.Close()

	src, err := axm.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)

	for range 3 {
		resp, err := client.Get(srv.URL + "/v1/orgDevices")
		if err != nil {
			log.Fatal(err)
		}
		var page struct {
			Data []struct {
				Attributes struct {
					SerialNumber string `json:"serialNumber"`
				} `json:"attributes"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(resp.StatusCode, len(page.Data), "devices, first", page.Data[0].Attributes.SerialNumber)
	}
	fmt.Println("exchanges:", srv.Stats().Exchanges)
	// Output:
	// 200 2 devices, first XABC123X0ABC123X0
	// 200 2 devices, first XABC123X0ABC123X0
	// 200 2 devices, first XABC123X0ABC123X0
	// exchanges: 1
}
