package websocket

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
)

func TestConnect(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name          string
		auth          string
		query         string
		wantStatus    int
		wantConnectFn bool // the $connect handler ran
	}{
		{name: "no token", query: "", wantStatus: http.StatusUnauthorized},
		{name: "wrong token", auth: "Bearer forged", wantStatus: http.StatusForbidden},
		{name: "authorizer error", auth: "Bearer broken", wantStatus: http.StatusInternalServerError},
		{name: "handler refuses", auth: "Bearer good", query: "?deny=1", wantStatus: http.StatusForbidden, wantConnectFn: true},
		{name: "handler fails", auth: "Bearer good", query: "?boom=1", wantStatus: http.StatusBadGateway, wantConnectFn: true},
		{name: "accepted", auth: "Bearer good", query: "?room=lobby&room=main", wantStatus: http.StatusSwitchingProtocols, wantConnectFn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, callsBefore := h.inv.lastEvent("ConnectFn")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			hdr := http.Header{}
			if tt.auth != "" {
				hdr.Set("Authorization", tt.auth)
			}
			c, resp, err := websocket.Dial(ctx, h.wsURL+tt.query, &websocket.DialOptions{HTTPHeader: hdr})
			if resp == nil {
				t.Fatalf("dial: no response: %v", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (err %v)", resp.StatusCode, tt.wantStatus, err)
			}
			ev, calls := h.inv.lastEvent("ConnectFn")
			if ran := calls > callsBefore; ran != tt.wantConnectFn {
				t.Fatalf("$connect handler ran = %v, want %v", ran, tt.wantConnectFn)
			}
			if tt.wantStatus != http.StatusSwitchingProtocols {
				if err == nil {
					t.Fatal("dial succeeded, want refusal")
				}
				return
			}
			defer c.CloseNow()
			rc := ev.RequestContext
			if rc.RouteKey != RouteConnect || rc.EventType != "CONNECT" || rc.APIID != testAPIID || rc.Stage != testStage ||
				rc.ConnectionID == "" || rc.ConnectedAt == 0 || rc.Identity.SourceIP != "127.0.0.1" || rc.DomainName == "" {
				t.Errorf("$connect request context = %+v", rc)
			}
			if got := ev.MultiValueQueryStringParameters["room"]; len(got) != 2 || ev.QueryStringParameters["room"] != "main" {
				t.Errorf("query = %v / %v, want both rooms and main as the single value", ev.QueryStringParameters, got)
			}
			if ev.Headers["Authorization"] != "Bearer good" || ev.StageVariables["table"] != "chat-local" {
				t.Errorf("headers %v, stage variables %v", ev.Headers, ev.StageVariables)
			}
			if auth, _ := rc.Authorizer.(map[string]any); auth["principalId"] != "user-1" {
				t.Errorf("authorizer context = %v", rc.Authorizer)
			}
		})
	}
	t.Run("log line per connection attempt", func(t *testing.T) {
		wants := []string{`"msg":"websocket connect refused"`, `"status":401`, `"msg":"websocket connected"`, `"route":"$connect"`}
		logs := h.logs.waitFor(wants...)
		for _, want := range wants {
			if !strings.Contains(logs, want) {
				t.Errorf("logs lack %s:\n%s", want, logs)
			}
		}
	})
	t.Run("plain GET is not upgraded", func(t *testing.T) {
		resp, err := http.Get("http" + strings.TrimPrefix(h.wsURL, "ws"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUpgradeRequired {
			t.Errorf("status = %d, want 426", resp.StatusCode)
		}
	})
	t.Run("subprotocol chosen by $connect", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{
			HTTPHeader: http.Header{"Authorization": {"Bearer good"}}, Subprotocols: []string{"chat.v1"},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if c.Subprotocol() != "chat.v1" {
			t.Errorf("subprotocol = %q, want chat.v1", c.Subprotocol())
		}
	})
}

func TestMessages(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial(t, "")
	id := connectionID(t, c)
	tests := []struct {
		name      string
		msg       string
		wantRoute string
		check     func(t *testing.T, reply string)
	}{
		{name: "echo through @connections", msg: `{"action":"echo","data":"hello"}`, wantRoute: "echo", check: func(t *testing.T, reply string) {
			if reply != "hello" {
				t.Errorf("reply = %q, want hello", reply)
			}
		}},
		{name: "whoami sees authorizer context", msg: `{"action":"whoami"}`, wantRoute: "whoami", check: func(t *testing.T, reply string) {
			var who struct {
				ConnectionID string
				Authorizer   map[string]any
			}
			if err := json.Unmarshal([]byte(reply), &who); err != nil || who.ConnectionID != id || who.Authorizer["scope"] != "chat" {
				t.Errorf("whoami = %s (%v)", reply, err)
			}
		}},
		{name: "unknown action falls back to $default", msg: `{"action":"dance"}`, wantRoute: RouteDefault, check: wantDefault(`{"action":"dance"}`)},
		{name: "non-JSON goes to $default", msg: `hello there`, wantRoute: RouteDefault, check: wantDefault(`hello there`)},
		{name: "action not a string", msg: `{"action":{"x":1}}`, wantRoute: RouteDefault, check: wantDefault(`{"action":{"x":1}}`)},
		{name: "reserved route key is not selectable", msg: `{"action":"$disconnect"}`, wantRoute: RouteDefault, check: wantDefault(`{"action":"$disconnect"}`)},
		{name: "failing handler gives an error frame", msg: `{"action":"fail"}`, wantRoute: "fail", check: wantErrorFrame("Internal server error", id)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, roundTrip(t, c, tt.msg))
			fn := defaultRoutes()[tt.wantRoute].Function
			ev, _ := h.inv.lastEvent(fn)
			rc := ev.RequestContext
			if rc.RouteKey != tt.wantRoute || rc.EventType != "MESSAGE" || rc.MessageID == nil || rc.ConnectionID != id ||
				ev.Body != tt.msg || ev.StageVariables["table"] != "chat-local" || rc.Identity.SourceIP != "127.0.0.1" {
				t.Errorf("%s event = %+v", fn, ev)
			}
		})
	}
	t.Run("log line per message", func(t *testing.T) {
		want := `"msg":"websocket message","connectionId":"` + id + `","route":"echo"`
		if logs := h.logs.waitFor(want, `"latency":`); !strings.Contains(logs, want) || !strings.Contains(logs, `"latency":`) {
			t.Errorf("no message log line for echo in:\n%s", logs)
		}
	})
}

// TestUnroutedMessages: a message no route may get closes the connection with the code the
// cloud or RFC 6455 gives, no route runs, and $disconnect gets the code.
func TestUnroutedMessages(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name string
		typ  websocket.MessageType
		data string
		code websocket.StatusCode
	}{
		// AWS docs, "Binary media types for WebSocket APIs in API Gateway": "If a client app
		// sends a binary frame, API Gateway rejects it and disconnects the client with code 1003."
		{"binary frame", websocket.MessageBinary, `{"action":"whoami"}`, websocket.StatusUnsupportedData},
		// RFC 6455 section 8.1: a text message that is not UTF-8 fails the connection (1007).
		{"text frame with invalid UTF-8", websocket.MessageText, "{\"action\":\"whoami\",\"name\":\"caf\xe9\"}", websocket.StatusInvalidFramePayloadData},
		{"invalid UTF-8, not JSON", websocket.MessageText, "\xff\xfe", websocket.StatusInvalidFramePayloadData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.dial(t, "")
			id := connectionID(t, c)
			_, whoamis := h.inv.lastEvent("WhoamiFn")
			_, defaults := h.inv.lastEvent("DefaultFn")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.Write(ctx, tt.typ, []byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			if _, b, err := c.Read(ctx); websocket.CloseStatus(err) != tt.code {
				t.Fatalf("read %q, %v; want close %d", b, err, tt.code)
			}
			if ev := h.waitDisconnect(t, id); ev.RequestContext.DisconnectStatusCode != int64(tt.code) {
				t.Errorf("$disconnect code = %d, want %d", ev.RequestContext.DisconnectStatusCode, tt.code)
			}
			_, whoamisAfter := h.inv.lastEvent("WhoamiFn")
			_, defaultsAfter := h.inv.lastEvent("DefaultFn")
			if whoamisAfter != whoamis || defaultsAfter != defaults {
				t.Errorf("a route ran: whoami %d -> %d, $default %d -> %d", whoamis, whoamisAfter, defaults, defaultsAfter)
			}
		})
	}
}

func wantDefault(body string) func(*testing.T, string) {
	return func(t *testing.T, reply string) {
		var got struct{ Route, Body string }
		if err := json.Unmarshal([]byte(reply), &got); err != nil || got.Route != RouteDefault || got.Body != body {
			t.Errorf("reply = %s, want $default with body %s", reply, body)
		}
	}
}

func wantErrorFrame(message, connID string) func(*testing.T, string) {
	return func(t *testing.T, reply string) {
		var got map[string]string
		if err := json.Unmarshal([]byte(reply), &got); err != nil || got["message"] != message || got["connectionId"] != connID || got["requestId"] == "" {
			t.Errorf("reply = %s, want error frame %q for %s", reply, message, connID)
		}
	}
}

func TestNoDefaultRoute(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { delete(cfg.Routes, RouteDefault) })
	c := h.dial(t, "")
	id := connectionID(t, c)
	for _, msg := range []string{`{"action":"dance"}`, `not json`} {
		wantErrorFrame("Forbidden", id)(t, roundTrip(t, c, msg))
	}
}

func TestDisconnect(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	t.Run("client close", func(t *testing.T) {
		c := h.dial(t, "")
		id := connectionID(t, c)
		if err := c.Close(4000, "bye"); err != nil {
			t.Fatal(err)
		}
		ev := h.waitDisconnect(t, id)
		rc := ev.RequestContext
		if rc.ConnectionID != id || rc.EventType != "DISCONNECT" || rc.RouteKey != RouteDisconnect ||
			rc.DisconnectStatusCode != 4000 || rc.DisconnectReason == nil || *rc.DisconnectReason != "bye" {
			t.Errorf("$disconnect event = %+v", rc)
		}
		_, err := h.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte("late")})
		if !isAPIError[*types.GoneException](err, http.StatusGone) {
			t.Errorf("PostToConnection after close = %v, want 410 GoneException", err)
		}
	})
	t.Run("server DELETE", func(t *testing.T) {
		c := h.dial(t, "")
		id := connectionID(t, c)
		out, err := h.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &id})
		if err != nil || httpStatus(out.ResultMetadata) != http.StatusNoContent {
			t.Fatalf("DeleteConnection = %v, want 204", err)
		}
		for op, call := range managementCalls(h.mgmt, id) {
			if err := call(ctx); !isAPIError[*types.GoneException](err, http.StatusGone) {
				t.Errorf("%s after DeleteConnection = %v, want 410 GoneException", op, err)
			}
		}
		readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, _, err := c.Read(readCtx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Errorf("client read after DELETE = %v, want close 1000", err)
		}
		if ev := h.waitDisconnect(t, id); ev.RequestContext.DisconnectStatusCode != 1000 {
			t.Errorf("$disconnect event = %+v", ev.RequestContext)
		}
	})
}

func TestManagementAPI(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial(t, "")
	id := connectionID(t, c)
	ctx := context.Background()

	info, err := h.mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: &id})
	if err != nil || httpStatus(info.ResultMetadata) != http.StatusOK {
		t.Fatalf("GetConnection = %v, want 200", err)
	}
	if reqID, _ := awsmiddleware.GetRequestIDMetadata(info.ResultMetadata); reqID == "" {
		t.Error("GetConnection result has no request ID (X-Amzn-RequestId)")
	}
	// The SDK parsed the times (ISO 8601) and the identity from the response.
	if info.ConnectedAt == nil || info.LastActiveAt == nil || time.Since(*info.ConnectedAt) > time.Minute || info.LastActiveAt.Before(*info.ConnectedAt) {
		t.Errorf("times %v %v", info.ConnectedAt, info.LastActiveAt)
	}
	if info.Identity == nil || aws.ToString(info.Identity.SourceIp) != "127.0.0.1" || aws.ToString(info.Identity.UserAgent) == "" {
		t.Errorf("identity = %+v", info.Identity)
	}

	otherStage := strings.TrimSuffix(h.callback, testStage) + "dev"
	tests := []struct {
		name       string
		call       func(context.Context) error
		isWant     func(err error, status int) bool
		wantStatus int
	}{
		{name: "unknown connection", call: managementCalls(h.mgmt, "L0SM9cOFvHcCIhw=")["PostToConnection"], isWant: isAPIError[*types.GoneException], wantStatus: http.StatusGone},
		{name: "other stage", call: func(ctx context.Context) error {
			_, err := h.mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: &id}, atCallback(otherStage))
			return err
		}, isWant: isAPIError[*types.ForbiddenException], wantStatus: http.StatusForbidden},
		{name: "message over 128 KB", call: func(ctx context.Context) error {
			_, err := h.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: make([]byte, 128<<10+1)})
			return err
		}, isWant: isAPIError[*types.PayloadTooLargeException], wantStatus: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(ctx); !tt.isWant(err, tt.wantStatus) {
				t.Errorf("= %v, want %d", err, tt.wantStatus)
			}
		})
	}
	t.Run("PUT", func(t *testing.T) { // a method the SDK never sends
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, h.callback+"/@connections/"+id, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("X-Amzn-ErrorType") != "MethodNotAllowedException" {
			t.Errorf("= %d %s, want 405 MethodNotAllowedException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	})
	t.Run("frame type follows the data", func(t *testing.T) {
		for _, tt := range []struct {
			data []byte
			want websocket.MessageType
		}{
			{[]byte("h\u00e9llo"), websocket.MessageText},
			// Not UTF-8, which RFC 6455 section 5.6 forbids in a text frame: the bytes go
			// out unchanged in a binary frame (the cloud's frame type is not documented).
			{[]byte("h\xe9llo\xff"), websocket.MessageBinary},
		} {
			if _, err := h.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: tt.data}); err != nil {
				t.Fatalf("PostToConnection %q = %v, want 200", tt.data, err)
			}
			readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			typ, b, err := c.Read(readCtx)
			cancel()
			if err != nil || typ != tt.want || string(b) != string(tt.data) {
				t.Errorf("posted %q, client read %v %q (%v), want %v", tt.data, typ, b, err, tt.want)
			}
		}
	})
	t.Run("a full 128 KB message is delivered", func(t *testing.T) {
		msg := strings.Repeat("a", 128<<10)
		out, err := h.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte(msg)})
		if err != nil || httpStatus(out.ResultMetadata) != http.StatusOK {
			t.Fatalf("PostToConnection = %v, want 200", err)
		}
		readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, b, err := c.Read(readCtx); err != nil || string(b) != msg {
			t.Errorf("read %d bytes (%v), want %d", len(b), err, len(msg))
		}
	})
}

// managementCalls are the three @connections operations on connection id, by SDK name.
func managementCalls(mgmt *apigatewaymanagementapi.Client, id string) map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"GetConnection": func(ctx context.Context) error {
			_, err := mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: &id})
			return err
		},
		"PostToConnection": func(ctx context.Context) error {
			_, err := mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte("x")})
			return err
		},
		"DeleteConnection": func(ctx context.Context) error {
			_, err := mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &id})
			return err
		},
	}
}

func TestLimits(t *testing.T) {
	h := newHarness(t, nil)
	const kb = 1 << 10
	tests := []struct {
		name      string
		frames    []int // frame sizes of one message
		wantClose bool  // else the message reaches $default
	}{
		{name: "one 32 KB frame", frames: []int{32 * kb}},
		{name: "frame over 32 KB", frames: []int{32*kb + 1}, wantClose: true},
		{name: "continuation frame over 32 KB", frames: []int{16 * kb, 40 * kb}, wantClose: true},
		{name: "128 KB in 32 KB frames", frames: []int{32 * kb, 32 * kb, 32 * kb, 32 * kb}},
		{name: "message over 128 KB", frames: []int{32 * kb, 32 * kb, 32 * kb, 32 * kb, 1}, wantClose: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.dial(t, "")
			id := connectionID(t, c)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			w, err := c.Writer(ctx, websocket.MessageText)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, n := range tt.frames {
				total += n
				if _, err := w.Write([]byte(strings.Repeat("z", n))); err != nil && !tt.wantClose {
					t.Fatal(err)
				}
			}
			_ = w.Close()
			_, reply, err := c.Read(ctx)
			if tt.wantClose {
				if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
					t.Fatalf("read = %v, want close 1009", err)
				}
				if ev := h.waitDisconnect(t, id); ev.RequestContext.DisconnectStatusCode != 1009 {
					t.Errorf("$disconnect code = %d, want 1009", ev.RequestContext.DisconnectStatusCode)
				}
				return
			}
			var got struct{ Body string }
			if err != nil || json.Unmarshal(reply, &got) != nil || len(got.Body) != total {
				t.Errorf("reply of %d bytes (%v), want $default echo of %d", len(reply), err, total)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	lim := Limits{}.withDefaults() // the cloud's: 10 minutes idle, 2 hours in all
	// open connects on a fake clock; the client reads in the background so that the close a
	// timer starts on the test goroutine completes.
	open := func(t *testing.T) (*harness, fakeClock, *liveConn, string) {
		clock := newFakeClock()
		h := newHarness(t, func(cfg *Config) { cfg.Clock = clock })
		c := h.dial(t, "")
		id := connectionID(t, c) // activity at the clock's start
		return h, clock, readInBackground(c), id
	}
	goneAway := func(t *testing.T, h *harness, l *liveConn, id string) {
		t.Helper()
		if err := l.closed(t); websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Fatalf("read = %v, want close 1001 Going away", err)
		}
		if ev := h.waitDisconnect(t, id); ev.RequestContext.DisconnectStatusCode != 1001 {
			t.Errorf("$disconnect code = %d, want 1001", ev.RequestContext.DisconnectStatusCode)
		}
	}

	t.Run("idle", func(t *testing.T) {
		h, clock, l, id := open(t)
		clock.Advance(time.Second)
		l.roundTrip(t, `{"action":"whoami"}`) // the idle time counts from the last activity
		clock.Advance(lim.IdleTimeout - time.Nanosecond)
		l.roundTrip(t, `{"action":"whoami"}`) // open until the limit; activity again
		clock.Advance(lim.IdleTimeout)
		goneAway(t, h, l, id)
	})
	t.Run("maximum duration despite activity", func(t *testing.T) {
		h, clock, l, id := open(t)
		step := lim.IdleTimeout / 2
		for range int(lim.MaxDuration/step) - 1 {
			clock.Advance(step)
			l.roundTrip(t, `{"action":"whoami"}`)
		}
		clock.Advance(step - time.Nanosecond)
		l.roundTrip(t, `{"action":"whoami"}`) // open until the limit
		clock.Advance(time.Nanosecond)
		goneAway(t, h, l, id)
	})
	t.Run("data either way keeps an idle-limited connection open", func(t *testing.T) {
		h, clock, l, id := open(t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for i := range 6 { // 6 x half the idle limit: three limits in all
			clock.Advance(lim.IdleTimeout / 2)
			if i%2 == 0 { // client to server only
				if err := l.c.Write(ctx, websocket.MessageText, []byte(`{"action":"quiet"}`)); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				select {
				case <-h.inv.quiet:
				case <-ctx.Done():
					t.Fatalf("step %d: the quiet route did not run", i)
				}
				continue
			}
			// server to client only, through @connections
			if _, err := h.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("ping")}); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			select {
			case <-l.msgs:
			case err := <-l.end:
				t.Fatalf("step %d: %v", i, err)
			}
		}
	})
}
