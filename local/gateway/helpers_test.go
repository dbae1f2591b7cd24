package gateway_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The fixture assembly (local/internal/testdata/assembly) has a REST API, an HTTP API and a
// WebSocket API.
const (
	fixture = "../internal/testdata/assembly"
	restID  = "9v9meb89t8"
	httpID  = "kwgtzma07x"
)

type response struct {
	status int
	header http.Header
	body   []byte
}

// call serves one request in process, as a client at 127.0.0.1 would send it.
func call(t testing.TB, h http.Handler, method, target string, header http.Header, body ...byte) response {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:50000"
	for k, v := range header {
		req.Header[k] = v
	}
	if host := header.Get("Host"); host != "" {
		req.Host = host
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}
