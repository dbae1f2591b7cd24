package serve_test

import (
	"testing"
	"time"

	"github.com/portico-dev/portico/functions/notifications"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/serve"
)

// TestWebSocketOutlivesHTTPTimeouts holds a WebSocket connection quiet for longer than every
// timeout of the HTTP server (which the hijacked connection must not inherit): it is still served
// afterwards. Its own idle timeout (API Gateway's 10 minutes) is local/websocket's.
func TestWebSocketOutlivesHTTPTimeouts(t *testing.T) {
	short := 150 * time.Millisecond
	g := startAssembly(t, serve.Config{
		AssemblyDir: notificationsFixture,
		Limits:      gateway.Limits{Body: short, Write: short, Idle: short},
		WebSocket:   serve.WebSocketOptions{IdleTimeout: time.Minute},
	})
	c := g.dial(t, g.token(t, "alice"))
	var who notifications.Whoami
	roundTrip(t, c, `{"action":"whoami"}`, &who)
	time.Sleep(4 * short)
	var echo notifications.Echo
	roundTrip(t, c, `{"action":"echo","data":1}`, &echo)
	if echo.Action != "echo" || string(echo.Data) != "1" {
		t.Errorf("after %v quiet: echo = %+v (data %s)", 4*short, echo, echo.Data)
	}
}
