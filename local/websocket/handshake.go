package websocket

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// handshakeError is why an upgrade request is not a WebSocket opening handshake: the status
// and message to answer with, and the headers the answer must carry.
type handshakeError struct {
	status  int
	message string
	header  http.Header
}

// checkHandshake validates the opening handshake as RFC 6455 section 4.2.1 requires of a
// server, so that a malformed one is refused before the authorizer or any route runs (the
// checks coder/websocket's Accept makes, which would otherwise only run after $connect).
// What the cloud answers to a malformed handshake is not documented: a request that does not
// ask for a WebSocket upgrade at all gets 426 Upgrade Required with the Upgrade header RFC 9110
// section 15.5.22 requires; any other defect gets 400 Bad Request, which RFC 6455 section 4.2.1
// suggests, and an unsupported version also the Sec-WebSocket-Version header section 4.2.2
// requires.
func checkHandshake(r *http.Request) *handshakeError {
	upgrade, connection := r.Header.Get("Upgrade"), r.Header.Get("Connection")
	if !hasToken(r.Header, "Upgrade", "websocket") || !hasToken(r.Header, "Connection", "upgrade") {
		return &handshakeError{
			status: http.StatusUpgradeRequired,
			message: fmt.Sprintf("Upgrade Required: this is a WebSocket API stage; open a WebSocket (GET with Upgrade: websocket and Connection: Upgrade), got Upgrade %q and Connection %q",
				upgrade, connection),
			header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}},
		}
	}
	badRequest := func(format string, args ...any) *handshakeError {
		return &handshakeError{status: http.StatusBadRequest, message: "Bad Request: " + fmt.Sprintf(format, args...)}
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	switch {
	case r.Method != http.MethodGet:
		return badRequest("a WebSocket opening handshake is a GET request, got %q", r.Method)
	case !r.ProtoAtLeast(1, 1):
		return badRequest("a WebSocket opening handshake needs HTTP/1.1 or later, got %q", r.Proto)
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		bad := badRequest("unsupported Sec-WebSocket-Version %q: only 13 is supported", r.Header.Get("Sec-WebSocket-Version"))
		bad.header = http.Header{"Sec-Websocket-Version": {"13"}}
		return bad
	case len(keys) != 1:
		return badRequest("want one Sec-WebSocket-Key header (16 random bytes, base64-encoded), got %d", len(keys))
	case !validKey(keys[0]):
		return badRequest("invalid Sec-WebSocket-Key %q: it must be 16 random bytes, base64-encoded", keys[0])
	}
	return nil
}

// write answers the request with the error, in API Gateway's {"message": ...} shape.
func (e *handshakeError) write(w http.ResponseWriter) {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	writeMessage(w, e.status, e.message)
}

// hasToken reports whether the comma-separated values of header name hold token, in any case.
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// validKey reports whether key is 16 bytes in base64 (RFC 6455 section 4.1), leading and
// trailing spaces aside.
func validKey(key string) bool {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key))
	return err == nil && len(b) == 16
}
