package gateway_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
)

// New serves a loaded assembly through any Invoker; Start wires the real runtime.
func ExampleNew() {
	asm, err := assembly.Load(fixture)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(gateway.New(asm, staticInvoker{`{"statusCode":200,"body":"hi"}`}, gateway.Options{}))
	defer srv.Close()
	for _, path := range []string{"/9v9meb89t8/prod/hello", "/9v9meb89t8/prod/secure", "/9v9meb89t8/nostage/hello"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s\n", resp.StatusCode, bytes.TrimSpace(body))
	}
	// Output:
	// 200 hi
	// 501 {"message":"not served by portico: GET /secure (IAM (SigV4): access control not yet emulated)"}
	// 403 {"message":"Missing Authentication Token"}
}
