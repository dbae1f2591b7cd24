package websocket

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/access/check"
)

// rawHandshake sends an upgrade request as written, over its own loopback connection, and
// returns the answer's status, headers and message. Raw bytes, because the point is what a
// WebSocket client library would never send.
func rawHandshake(t *testing.T, wsURL, method, proto string, header http.Header) (int, http.Header, string) {
	t.Helper()
	addr := strings.TrimPrefix(wsURL, "ws://")
	host, path, _ := strings.Cut(addr, "/")
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "%s /%s %s\r\nHost: %s\r\n", method, path, proto, host)
	_ = header.Write(w)
	_, _ = w.WriteString("\r\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Message string }
	if resp.StatusCode != http.StatusSwitchingProtocols {
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Errorf("body of the %d answer: %v", resp.StatusCode, err)
		}
	}
	return resp.StatusCode, resp.Header, body.Message
}

// validUpgrade is the handshake of RFC 6455 section 1.3 (its sample key), with the token the
// test authorizer accepts: everything up to $connect would run for it.
func validUpgrade() http.Header {
	return http.Header{
		"Upgrade":               {"websocket"},
		"Connection":            {"Upgrade"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
		"Sec-Websocket-Version": {"13"},
		"Authorization":         {"Bearer good"},
	}
}

// TestMalformedHandshake: an upgrade request that is not a valid opening handshake (RFC 6455
// section 4.2.1) is refused before the authorizer, $connect or $disconnect runs.
func TestMalformedHandshake(t *testing.T) {
	var authorized atomic.Int32
	h := newHarness(t, func(cfg *Config) {
		cfg.Authorizer = authorizerFunc(func(ctx context.Context, r *check.Request) (map[string]any, *check.Caller, error) {
			authorized.Add(1)
			return testAuthorizer(ctx, r)
		})
	})
	with := func(edit func(http.Header)) http.Header {
		hdr := validUpgrade()
		edit(hdr)
		return hdr
	}
	tests := []struct {
		name          string
		method, proto string
		header        http.Header
		status        int
		message       string
		wantHeader    [2]string // a header the answer carries
	}{
		{"version 8", "GET", "HTTP/1.1", with(func(h http.Header) { h.Set("Sec-WebSocket-Version", "8") }),
			http.StatusBadRequest, `Bad Request: unsupported Sec-WebSocket-Version "8": only 13 is supported`, [2]string{"Sec-WebSocket-Version", "13"}},
		{"no version", "GET", "HTTP/1.1", with(func(h http.Header) { h.Del("Sec-WebSocket-Version") }),
			http.StatusBadRequest, `Bad Request: unsupported Sec-WebSocket-Version "": only 13 is supported`, [2]string{"Sec-WebSocket-Version", "13"}},
		{"POST", "POST", "HTTP/1.1", with(func(h http.Header) { h.Set("Content-Length", "0") }),
			http.StatusBadRequest, `Bad Request: a WebSocket opening handshake is a GET request, got "POST"`, [2]string{}},
		{"HTTP/1.0", "GET", "HTTP/1.0", validUpgrade(),
			http.StatusBadRequest, `Bad Request: a WebSocket opening handshake needs HTTP/1.1 or later, got "HTTP/1.0"`, [2]string{}},
		{"no key", "GET", "HTTP/1.1", with(func(h http.Header) { h.Del("Sec-WebSocket-Key") }),
			http.StatusBadRequest, "Bad Request: want one Sec-WebSocket-Key header (16 random bytes, base64-encoded), got 0", [2]string{}},
		{"two keys", "GET", "HTTP/1.1", with(func(h http.Header) { h.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==") }),
			http.StatusBadRequest, "Bad Request: want one Sec-WebSocket-Key header (16 random bytes, base64-encoded), got 2", [2]string{}},
		{"key not base64", "GET", "HTTP/1.1", with(func(h http.Header) { h.Set("Sec-WebSocket-Key", "not base64!") }),
			http.StatusBadRequest, `Bad Request: invalid Sec-WebSocket-Key "not base64!": it must be 16 random bytes, base64-encoded`, [2]string{}},
		{"key of 8 bytes", "GET", "HTTP/1.1", with(func(h http.Header) { h.Set("Sec-WebSocket-Key", "AAAAAAAAAAA=") }),
			http.StatusBadRequest, `Bad Request: invalid Sec-WebSocket-Key "AAAAAAAAAAA=": it must be 16 random bytes, base64-encoded`, [2]string{}},
		{"no Upgrade", "GET", "HTTP/1.1", with(func(h http.Header) { h.Del("Upgrade") }),
			http.StatusUpgradeRequired, `got Upgrade "" and Connection "Upgrade"`, [2]string{"Upgrade", "websocket"}},
		{"Upgrade h2c", "GET", "HTTP/1.1", with(func(h http.Header) { h.Set("Upgrade", "h2c") }),
			http.StatusUpgradeRequired, `got Upgrade "h2c" and Connection "Upgrade"`, [2]string{"Upgrade", "websocket"}},
		{"Connection without upgrade", "GET", "HTTP/1.1", with(func(h http.Header) { h.Set("Connection", "keep-alive") }),
			http.StatusUpgradeRequired, `got Upgrade "websocket" and Connection "keep-alive"`, [2]string{"Upgrade", "websocket"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, header, message := rawHandshake(t, h.wsURL, tt.method, tt.proto, tt.header)
			if status != tt.status || !strings.Contains(message, tt.message) {
				t.Errorf("got %d %q, want %d with %q", status, message, tt.status, tt.message)
			}
			if k := tt.wantHeader[0]; k != "" && header.Get(k) != tt.wantHeader[1] {
				t.Errorf("%s: %q, want %q", k, header.Get(k), tt.wantHeader[1])
			}
		})
	}
	_, connects := h.inv.lastEvent("ConnectFn")
	_, disconnects := h.inv.lastEvent("DisconnectFn")
	if n := authorized.Load(); n != 0 || connects != 0 || disconnects != 0 {
		t.Fatalf("malformed handshakes ran the authorizer %d times, $connect %d, $disconnect %d; want none", n, connects, disconnects)
	}
	if logs := h.logs.waitFor(`"status":400`); !strings.Contains(logs, `"msg":"websocket connect refused","route":"$connect","sourceIp":"127.0.0.1","status":400`) {
		t.Errorf("no refusal line in the log:\n%s", logs)
	}
	t.Run("control: the valid handshake runs the authorizer and $connect", func(t *testing.T) {
		if status, _, _ := rawHandshake(t, h.wsURL, "GET", "HTTP/1.1", validUpgrade()); status != http.StatusSwitchingProtocols {
			t.Fatalf("status %d, want 101", status)
		}
		if _, connects := h.inv.lastEvent("ConnectFn"); authorized.Load() != 1 || connects != 1 {
			t.Errorf("authorizer ran %d times, $connect %d; want 1 each", authorized.Load(), connects)
		}
	})
}
