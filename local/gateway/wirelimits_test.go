package gateway_test

import (
	"bufio"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/syncbuf"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
)

// These tests talk to the gateway over loopback through NewHTTPServer, with short limits.

// serveWire serves the fixture on 127.0.0.1 within lim and returns its address and request log.
func serveWire(t *testing.T, lim gateway.Limits) (string, *syncbuf.Buffer) {
	t.Helper()
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	log := &syncbuf.Buffer{}
	rec := &recorder{payload: `{"statusCode":200,"body":"served"}`}
	srv := gateway.NewHTTPServer(gateway.New(asm, rec.invoker(), gateway.Options{Log: log}), lim)
	return listen(t, srv), log
}

// listen serves srv on 127.0.0.1 until the test ends and returns its address.
func listen(t *testing.T, srv *gateway.HTTPServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// dial opens a connection whose every read and write must end within 5 s.
func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// roundTrip writes raw on c and reads one answer.
func roundTrip(t *testing.T, c net.Conn, rd *bufio.Reader, raw string) (*http.Response, string) {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, rd)
}

func readAnswer(t *testing.T, rd *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

const served = "GET /prod/items/1 HTTP/1.1\r\nHost: " + restID + ".execute-api.localhost\r\n\r\n"

// TestSlowBody sends a body a byte at a time: it is cut when Limits.Body has passed, with 408
// (API Gateway documents no answer to a slow upload: HTTP's 408 is Portico's choice), in the
// gateway's JSON shape and in its log.
func TestSlowBody(t *testing.T) {
	addr, log := serveWire(t, gateway.Limits{Body: 300 * time.Millisecond})
	c, rd := dial(t, addr)
	start := time.Now()
	head := "POST /prod/items/1 HTTP/1.1\r\nHost: " + restID + ".execute-api.localhost\r\nContent-Length: 100\r\n\r\n"
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	go func() { // a byte every 50 ms: the body would take 5 s
		for range 100 {
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	resp, body := readAnswer(t, rd)
	if took := time.Since(start); resp.StatusCode != 408 || took > 2*time.Second {
		t.Errorf("slow body: %d %s after %v, want 408 after about 300ms", resp.StatusCode, body, took)
	}
	if !strings.Contains(body, `"message":"Request Timeout"`) || resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Errorf("slow body: answer %v %s, want the gateway's JSON with a request id", resp.Header, body)
	}
	if !strings.Contains(log.String(), "POST /prod/items/1 408") {
		t.Errorf("slow body not in the log:\n%s", log.String())
	}
}

// TestIdleConnectionClosed checks that a keep-alive connection waiting for its next request is
// closed after Limits.Idle.
func TestIdleConnectionClosed(t *testing.T) {
	addr, _ := serveWire(t, gateway.Limits{Idle: 200 * time.Millisecond})
	c, rd := dial(t, addr)
	if resp, body := roundTrip(t, c, rd, served); resp.StatusCode != 200 {
		t.Fatalf("first request: %d %s", resp.StatusCode, body)
	}
	start := time.Now()
	_, err := rd.ReadByte()
	if took := time.Since(start); !errors.Is(err, io.EOF) || took < 150*time.Millisecond || took > 2*time.Second {
		t.Errorf("idle connection: read gave %v after %v, want EOF after about 200ms", err, took)
	}
}

// TestConnectionCap opens one connection more than Limits.Conns: it is answered 429 "Too Many
// Requests" (API Gateway's throttling answer; it caps no connections) and closed, while the
// connections within the cap keep being served.
func TestConnectionCap(t *testing.T) {
	addr, log := serveWire(t, gateway.Limits{Conns: 2})
	var held []net.Conn
	var readers []*bufio.Reader
	for range 2 {
		c, rd := dial(t, addr)
		if resp, body := roundTrip(t, c, rd, served); resp.StatusCode != 200 {
			t.Fatalf("within the cap: %d %s", resp.StatusCode, body)
		}
		held, readers = append(held, c), append(readers, rd)
	}
	c, rd := dial(t, addr)
	resp, body := roundTrip(t, c, rd, served)
	if resp.StatusCode != 429 || !strings.Contains(body, `"message":"Too Many Requests"`) || resp.Header.Get("X-Amzn-Requestid") == "" || !resp.Close {
		t.Errorf("over the cap: %d %v %s, want 429 Too Many Requests with a request id, closing", resp.StatusCode, resp.Header, body)
	}
	if _, err := rd.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("over the cap: the connection stays open (%v)", err)
	}
	for i, c := range held {
		if resp, body := roundTrip(t, c, readers[i], served); resp.StatusCode != 200 {
			t.Errorf("connection %d within the cap after the refusal: %d %s", i, resp.StatusCode, body)
		}
	}
	if !strings.Contains(log.String(), "GET /prod/items/1 429") {
		t.Errorf("the refusal is not in the log:\n%s", log.String())
	}
	// A closed connection frees its place.
	held[0].Close()
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, rd := dial(t, addr)
		resp, _ := roundTrip(t, c, rd, served)
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a place freed by a closed connection is not given to the next one: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRefusedBelowThePipeline sends heads Go's server refuses before any handler runs: each is
// answered in the gateway's shape (JSON "message", request ids) with the status Go's server
// gives, and logged. A head over the quota is answered as TestHeadLimit's.
func TestRefusedBelowThePipeline(t *testing.T) {
	addr, log := serveWire(t, gateway.Limits{})
	host := "Host: " + restID + ".execute-api.localhost\r\n"
	for _, c := range []struct {
		name, raw string
		status    int
		message   string
	}{
		{"bad escape in the path", "GET /prod/items/%zz HTTP/1.1\r\n" + host + "\r\n", 400, "Bad Request"},
		{"malformed Host", "GET /prod/items/1 HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "Bad Request: malformed Host header"},
		{"two Hosts", "GET /prod/items/1 HTTP/1.1\r\n" + host + host + "\r\n", 400, "Bad Request"},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "HTTP Version Not Supported: unsupported protocol version"},
		{"HTTP/2 request line", "GET /prod/items/1 HTTP/2.0\r\n" + host + "\r\n", 505, "HTTP Version Not Supported: unsupported protocol version"},
		{"head over 64 KiB", "GET /prod/items/1 HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("b", 80<<10) + "\r\n\r\n", 431, "HTTP header is larger than 10240 bytes."},
	} {
		conn, rd := dial(t, addr)
		resp, body := roundTrip(t, conn, rd, c.raw)
		if resp.StatusCode != c.status || message([]byte(body)) != c.message || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s: got %d %v %s, want %d {\"message\":%q} with a request id", c.name, resp.StatusCode, resp.Header, body, c.status, c.message)
		}
	}
	if !strings.Contains(log.String(), "GET /prod/items/%zz 400") {
		t.Errorf("the refusal of the bad path is not logged by its target:\n%s", log.String())
	}
	if n := strings.Count(log.String(), "\n"); n != 6 {
		t.Errorf("%d log lines, want one per refusal:\n%s", n, log.String())
	}
}

// TestAnswerLikeGoRefusal: an answer whose body, flushed on its own, looks like one of Go's own
// refusals (which the connection rewrites into the gateway's shape) reaches the client as is.
func TestAnswerLikeGoRefusal(t *testing.T) {
	const look = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
	srv := gateway.NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(look)))
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		io.WriteString(w, look)
		http.NewResponseController(w).Flush()
	}), gateway.Limits{})
	c, rd := dial(t, listen(t, srv))
	resp, body := roundTrip(t, c, rd, served)
	if resp.StatusCode != http.StatusOK || body != look {
		t.Errorf("answer %d %q, want 200 with the handler's body %q", resp.StatusCode, body, look)
	}
}

// TestHijackedAnswer: a handler that answers 101 and takes the connection over (a WebSocket
// upgrade) leaves the server nothing to flush: no panic in the server's log.
func TestHijackedAnswer(t *testing.T) {
	srv := gateway.NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusSwitchingProtocols)
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = c.Close()
	}), gateway.Limits{})
	var errs syncbuf.Buffer
	srv.ErrorLog = log.New(&errs, "", 0)
	c, rd := dial(t, listen(t, srv))
	if resp, _ := roundTrip(t, c, rd, served); resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	_, _ = rd.ReadByte() // the handler has closed the connection
	if strings.Contains(errs.String(), "panic") {
		t.Errorf("server log: %s", errs.String())
	}
}

// TestAnswersHaveContentLength: API Gateway answers a Lambda proxy response with its
// Content-Length (aws/aws-lambda-dotnet's ApiGatewayResponseTestCases.cs, asserted against
// deployed REST and HTTP APIs: "Assert.Equal(...Length, response.Content.Headers.ContentLength)"),
// for a body larger than Go's buffer too, and so does the gateway with its own errors.
func TestAnswersHaveContentLength(t *testing.T) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 5000)
	rec := &recorder{payload: `{"statusCode":200,"body":"` + body + `"}`}
	srv := gateway.NewHTTPServer(gateway.New(asm, rec.invoker(), gateway.Options{}), gateway.Limits{})
	c, rd := dial(t, listen(t, srv))
	for _, tt := range []struct {
		target string
		length int
	}{
		{"/prod/items/1", len(body)},
		{"/nostage/x", len(`{"message":"Missing Authentication Token"}` + "\n")},
	} {
		resp, got := roundTrip(t, c, rd, "GET "+tt.target+" HTTP/1.1\r\nHost: "+restID+".execute-api.localhost\r\n\r\n")
		if resp.ContentLength != int64(tt.length) || len(resp.TransferEncoding) != 0 || len(got) != tt.length {
			t.Errorf("%s: Content-Length %d, Transfer-Encoding %v, body %d bytes; want Content-Length %d, not chunked",
				tt.target, resp.ContentLength, resp.TransferEncoding, len(got), tt.length)
		}
	}
}
