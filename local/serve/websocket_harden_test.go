package serve_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/portico-dev/portico/functions/notifications"
	"github.com/portico-dev/portico/local/serve"
)

// TestWebSocketHostileClients: what a client sends cannot run functions it should not, or
// forge the log.
func TestWebSocketHostileClients(t *testing.T) {
	g := startNotifications(t, serve.WebSocketOptions{})
	token := url.QueryEscape(g.token(t, "mallory"))

	// With a token the authorizer accepts, each of these would run the authorizer and the
	// $connect handler if the handshake were not checked first.
	t.Run("malformed handshake runs no function", func(t *testing.T) {
		for _, tt := range []struct {
			name, method string
			edit         func(http.Header)
			status       int
			logged       string // the refusal in the log line
		}{
			{"version 8", http.MethodGet, func(h http.Header) { h.Set("Sec-WebSocket-Version", "8") }, http.StatusBadRequest, `Bad Request: unsupported Sec-WebSocket-Version "8"`},
			{"POST", http.MethodPost, func(http.Header) {}, http.StatusBadRequest, `Bad Request: a WebSocket opening handshake is a GET request, got "POST"`},
			{"no key", http.MethodGet, func(h http.Header) { h.Del("Sec-WebSocket-Key") }, http.StatusBadRequest, "Bad Request: want one Sec-WebSocket-Key header"},
			{"no Connection: Upgrade", http.MethodGet, func(h http.Header) { h.Del("Connection") }, http.StatusUpgradeRequired, `Upgrade Required: this is a WebSocket API stage`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				req, err := http.NewRequest(tt.method, g.wsURL+"?token="+token, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.URL.Scheme = "http"
				req.Header = http.Header{
					"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
					"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"13"},
				}
				tt.edit(req.Header)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var body struct{ Message string }
				if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != tt.status || !strings.HasPrefix(body.Message, tt.logged) {
					t.Errorf("got %d %q (%v), want %d %q", resp.StatusCode, body.Message, err, tt.status, tt.logged)
				}
				// Refused by the gateway itself: no function on the line.
				g.waitLog(t, regexp.MustCompile(`(?m)^\$connect /\S+/prod `+regexp.QuoteMeta(resp.Status[:3])+` \S+ - \(websocket connect refused, `+regexp.QuoteMeta(tt.logged)))
			})
		}
		// Function processes start on their first invocation: none means nothing ran, not
		// the authorizer, not $connect, not $disconnect.
		if pids := g.run.Runtime.Processes(); len(pids) != 0 {
			t.Errorf("%d function processes started, want none:\n%s", len(pids), g.out)
		}
	})

	// A client controls close reasons and @connections paths (the connection ID in them).
	const forged = "\n200 GET /forged \x1b[2J"
	t.Run("close reason in the log", func(t *testing.T) {
		c := g.dial(t, g.token(t, "mallory"))
		var who notifications.Whoami
		roundTrip(t, c, `{"action":"whoami"}`, &who)
		if len(g.run.Runtime.Processes()) == 0 {
			t.Fatal("no function process after whoami: Processes cannot tell whether functions ran")
		}
		if err := c.Close(websocket.StatusNormalClosure, "bye"+forged); err != nil {
			t.Fatal(err)
		}
		g.waitLog(t, regexp.MustCompile(`(?m)^\$disconnect /\S+/prod 200 .*, close 1000 `+regexp.QuoteMeta(`bye\n200 GET /forged \x1b[2J`)+`\)$`))
	})
	t.Run("@connections path in the log", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.callbackURL+"/@connections/x"+url.PathEscape(forged), strings.NewReader("hi"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("unsigned POST to a connection ID with a newline: %d, want 403", resp.StatusCode)
		}
		g.waitLog(t, regexp.MustCompile(`(?m)^POST /\S+/prod/@connections/x\\n200 GET /forged \\x1b\[2J 403 \S+ - \(websocket @connections, connection x\\n200 GET /forged \\x1b\[2J, 403 Forbidden by IAM \(SigV4\): [^\n]*\)$`))
	})
	if regexp.MustCompile(`(?m)^200 GET /forged`).MatchString(g.out.String()) || strings.Contains(g.out.String(), "\x1b") {
		t.Errorf("a client forged a log line or wrote an escape sequence:\n%s", g.out)
	}
}
