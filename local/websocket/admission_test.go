package websocket

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/portico-dev/portico/local/access/check"
)

type admitFunc func(ctx context.Context, r *check.Request) error

func (f admitFunc) Admit(ctx context.Context, r *check.Request) error { return f(ctx, r) }

// testAdmission wants the key "k" on $connect, after the authorizer; it throttles the route
// "limited" and fails on "broken".
var testAdmission = admitFunc(func(_ context.Context, r *check.Request) error {
	switch {
	case r.RouteKey == RouteConnect && !authorized(r):
		return errors.New("admission ran before the authorizer")
	case r.RouteKey == RouteConnect && r.Headers.Get("X-Api-Key") != "k":
		return &Refusal{StatusCode: http.StatusForbidden, Message: "Forbidden"}
	case r.RouteKey == "limited":
		return &Refusal{StatusCode: http.StatusTooManyRequests, Message: "Too Many Requests"}
	case r.RouteKey == "broken":
		return errors.New("limiter broken")
	}
	return nil
})

func TestAdmission(t *testing.T) {
	h := newHarness(t, func(cfg *Config) {
		cfg.Admission = testAdmission
		cfg.Routes["limited"] = Route{Function: "EchoFn"}
		cfg.Routes["broken"] = Route{Function: "EchoFn"}
	})
	t.Run("connect", func(t *testing.T) {
		for _, tt := range []struct {
			name, key string
			want      int
		}{
			{"no key", "", http.StatusForbidden},
			{"wrong key", "x", http.StatusForbidden},
			{"key", "k", http.StatusSwitchingProtocols},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, before := h.inv.lastEvent("ConnectFn")
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				c, resp, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer good"}, "X-Api-Key": {tt.key}}})
				if resp == nil || resp.StatusCode != tt.want {
					t.Fatalf("dial: %v %v, want status %d", resp, err, tt.want)
				}
				if c != nil {
					c.CloseNow()
				}
				if _, after := h.inv.lastEvent("ConnectFn"); (after > before) != (tt.want == http.StatusSwitchingProtocols) {
					t.Errorf("$connect handler ran %d times, want it to run only when admitted", after-before)
				}
			})
		}
	})
	t.Run("messages", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer good"}, "X-Api-Key": {"k"}}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		id := connectionID(t, c)
		_, before := h.inv.lastEvent("EchoFn")
		wantErrorFrame("Too Many Requests", id)(t, roundTrip(t, c, `{"action":"limited"}`))
		wantErrorFrame("Internal server error", id)(t, roundTrip(t, c, `{"action":"broken"}`))
		if _, after := h.inv.lastEvent("EchoFn"); after != before {
			t.Errorf("refused messages ran their route %d times", after-before)
		}
		wants := []string{`"route":"limited"`, `"status":429`}
		if logs := h.logs.waitFor(wants...); !strings.Contains(logs, wants[0]) || !strings.Contains(logs, wants[1]) {
			t.Errorf("logs lack the throttled message %q:\n%s", wants, logs)
		}
	})
}
