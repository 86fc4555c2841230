package axm_test

import (
	"fmt"
	"log"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/axm/axmtest"
)

// The happy path against the fake. Against Apple, the config is
// axm.Config{KeyID, ClientID, PrivateKey}, and requests go to
// axm.BusinessURL (axm.SchoolURL for a SCHOOLAPI. client ID), the one host
// its access tokens are sent to. The client assertion is exchanged once: the
// access token then serves every request until shortly before it expires.
func Example() {
	srv := axmtest.NewServer()
	defer srv.Close()

	src, err := axm.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tokens go to", src.(ascjwt.HostScoped).TokenHosts())

	client := ascjwt.NewClient(srv.Client(), src)
	for range 3 {
		resp, err := client.Get(srv.URL + "/v1/orgDevices")
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	fmt.Println("exchanges:", srv.Stats().Exchanges)
	// Output:
	// tokens go to [api-business.apple.com]
	// 200
	// 200
	// 200
	// exchanges: 1
}
