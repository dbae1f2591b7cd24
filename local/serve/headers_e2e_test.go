package serve_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestRawHeaderNames writes a request by hand, with header names no Go client would send as
// they are, and checks that the REST event keeps them as the client spelled them
// (localstack/localstack tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json,
// test_lambda_aws_proxy_integration, recorded on AWS: "tEsT-HEADeR" arrives as sent, while
// "authorization" arrives as "Authorization", localstack PR #10500). The fixture's REST API is
// EDGE: X-Forwarded-For carries the client's address, then the edge's (apigw-request.json:
// "54.240.196.186, 54.182.214.83"; here the gateway's listener).
func TestRawHeaderNames(t *testing.T) {
	host := strings.TrimPrefix(base, "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	path := "/" + restID + "/prod/items/42"
	for i := range 2 { // twice on one connection: keep-alive
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nx-api-key: k%d\r\nX-Custom-CASE: v\r\nauthorization: a\r\nConnection: keep-alive\r\n\r\n", path, host, i)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var ev events.APIGatewayProxyRequest
		decodeEcho(t, response{status: resp.StatusCode, header: resp.Header, body: body}, &ev)
		_, canonical := ev.Headers["X-Api-Key"]
		_, connection := ev.Headers["Connection"]
		for _, f := range []struct {
			name      string
			got, want any
		}{
			{"x-api-key", ev.Headers["x-api-key"], fmt.Sprint("k", i)},
			{"X-Custom-CASE", ev.MultiValueHeaders["X-Custom-CASE"], []string{"v"}},
			{"Authorization", ev.Headers["Authorization"], "a"},
			{"no canonical X-Api-Key", canonical, false},
			{"no Connection (dropped)", connection, false},
			{"X-Forwarded-For (EDGE)", ev.Headers["X-Forwarded-For"], "127.0.0.1, 127.0.0.1"},
		} {
			if !reflect.DeepEqual(f.got, f.want) {
				t.Errorf("request %d: %s = %#v, want %#v", i, f.name, f.got, f.want)
			}
		}
	}
}
