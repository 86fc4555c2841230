package asctest_test

import (
	"fmt"
	"log"
	"sync"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
)

// A test of your own code: a fake App Store Connect API with a fresh key,
// a client built the way production code builds it, and the server's
// counters to assert that a hundred requests shared one token.
func Example() {
	srv := asctest.NewServer()
	defer srv.Close()

	src, err := ascjwt.NewTokenSource(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	client := ascjwt.NewClient(srv.Client(), src)

	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			resp, err := client.Get(srv.URL + "/v1/apps")
			if err != nil {
				log.Print(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()

	st := srv.Stats()
	fmt.Printf("accepted %d, rejected %d, distinct tokens %d\n", st.Accepted, st.Rejected, st.Tokens)
	// Output: accepted 100, rejected 0, distinct tokens 1
}
