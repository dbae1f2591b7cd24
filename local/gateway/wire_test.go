package gateway

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// REST events keep each header name as the client spelled it (localstack/localstack
// tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json,
// test_lambda_aws_proxy_integration: "tEsT-HEADeR" sent and received as is). These tests write
// requests by hand on one connection and check the spellings the gateway reads back for each.

// spellingServer serves, on a Listener, each request's spellings as JSON (after reading its
// body, as the gateway does) and returns its address.
func spellingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		names := spellings(r)
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			t.Error(err)
		}
		_ = json.NewEncoder(w).Encode(names)
	}), Limits{})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// exchange writes raw (one or several requests) on a new connection, then reads one answer per
// request and returns the spellings each carried.
func exchange(t *testing.T, addr string, writes []string, answers int) []map[string]string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rd := bufio.NewReader(c)
	var got []map[string]string
	read := func() {
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&names); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, names)
	}
	for _, w := range writes {
		if _, err := io.WriteString(c, w); err != nil {
			t.Fatal(err)
		}
		if len(writes) > 1 { // keep-alive: one answer per write
			read()
		}
	}
	for len(got) < answers {
		read()
	}
	return got
}

func TestSpellings(t *testing.T) {
	addr := spellingServer(t)
	first := "GET /a HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nX-Custom-CASE: v\r\n\r\n"
	second := "POST /a HTTP/1.1\r\nHost: x\r\nCONTENT-type: text/plain\r\ncontent-length: 2\r\n\r\nhi"
	wantFirst := map[string]string{"Host": "Host", "X-Api-Key": "x-api-key", "X-Custom-Case": "X-Custom-CASE"}
	wantSecond := map[string]string{"Host": "Host", "Content-Type": "CONTENT-type", "Content-Length": "content-length"}
	big := strings.Repeat("z", 3*headWindow) // the body slides the first head out of the window
	tests := []struct {
		name    string
		writes  []string
		answers int
		want    []map[string]string
	}{
		{"keep-alive", []string{first, second}, 2, []map[string]string{wantFirst, wantSecond}},
		{"pipelined", []string{second + first}, 2, []map[string]string{wantSecond, wantFirst}},
		{"large body, then a pipelined request", []string{
			"PUT /a HTTP/1.1\r\nhost: x\r\nContent-LENGTH: 98304\r\n\r\n" + big + first}, 2,
			[]map[string]string{{"Host": "host", "Content-Length": "Content-LENGTH"}, wantFirst}},
		{"two spellings of one name: the first", []string{
			"GET /a HTTP/1.1\r\nHost: x\r\nx-dup: 1\r\nX-DUP: 2\r\n\r\n"}, 1,
			[]map[string]string{{"Host": "Host", "X-Dup": "x-dup"}}},
		{"a body holding a look-alike head is skipped", []string{
			"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\nx-other: 1\r\n\r\n" + first}, 2,
			[]map[string]string{{"Host": "Host", "Content-Length": "Content-Length"}, wantFirst}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exchange(t, addr, tt.writes, tt.answers); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("spellings\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// A request that did not come through a Listener has no recorded head: the event then keeps
// Go's canonical names.
func TestSpellingsWithoutListener(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://x/a", nil)
	if got := spellings(r); got != nil {
		t.Errorf("spellings = %v, want nil", got)
	}
}
