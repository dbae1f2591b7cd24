package serve_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/portico-dev/portico/functions/notifications"
	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/serve"
)

// API keys of the keyed Notifications assembly: each in its own usage plan for the stage.
const (
	throttledKey = "throttled-key-0123456789" // plan: 1 $connect/s, burst 2
	quotaKey     = "quota-key-012345678901"   // plan: 1 $connect a day
	disabledKey  = "disabled-key-0123456789"  // in the throttled plan, but disabled
	unplannedKey = "unplanned-key-0123456789" // in no plan
)

// keyedNotifications is the Notifications stack with an API key required on $connect (as
// WebSocketApiProps.ApiKeySelection renders it), the usage plans of the keys above (as
// AddUsagePlan renders them: ApiStages with the v2 API and a Ref of its stage), and a route
// throttle on echo of one message per second.
func keyedNotifications(tb testing.TB) *notificationsGateway {
	tb.Helper()
	clock := &fakeClock{t: time.Now()}
	g := startAssembly(tb, serve.Config{AssemblyDir: keyedTemplate(tb), Now: clock.Now})
	g.clock = clock
	return g
}

// keyedTemplate writes the assembly of keyedNotifications and returns its folder.
func keyedTemplate(tb testing.TB) string {
	tb.Helper()
	return editNotifications(tb, func(res map[string]map[string]any) {
		props(res, notificationsConnect)["ApiKeyRequired"] = true
		props(res, notificationsAPI)["ApiKeySelectionExpression"] = "$request.header.x-api-key"
		props(res, notificationsStage)["RouteSettings"] = map[string]any{"echo": map[string]any{"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1}}
		stages := []any{map[string]any{"ApiId": map[string]any{"Ref": notificationsAPI}, "Stage": map[string]any{"Ref": notificationsStage}}}
		res["ThrottledPlan"] = resource("AWS::ApiGateway::UsagePlan", map[string]any{"UsagePlanName": "throttled", "ApiStages": stages,
			"Throttle": map[string]any{"RateLimit": 1, "BurstLimit": 2}})
		res["QuotaPlan"] = resource("AWS::ApiGateway::UsagePlan", map[string]any{"UsagePlanName": "quota", "ApiStages": stages,
			"Quota": map[string]any{"Limit": 1, "Period": "DAY"}})
		for id, k := range map[string]struct {
			value, plan string
			enabled     bool
		}{
			"ThrottledKey": {throttledKey, "ThrottledPlan", true},
			"QuotaKey":     {quotaKey, "QuotaPlan", true},
			"DisabledKey":  {disabledKey, "ThrottledPlan", false},
			"UnplannedKey": {unplannedKey, "", true},
		} {
			res[id] = resource("AWS::ApiGateway::ApiKey", map[string]any{"Value": k.value, "Enabled": k.enabled})
			if k.plan != "" {
				res[id+"Plan"] = resource("AWS::ApiGateway::UsagePlanKey", map[string]any{"KeyType": "API_KEY",
					"KeyId": map[string]any{"Ref": id}, "UsagePlanId": map[string]any{"Ref": k.plan}})
			}
		}
	})
}

func resource(typ string, properties map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": properties}
}

// dialKey connects with a token and, unless key is "", an x-api-key header. It returns the
// connection, or the refused upgrade's status and body.
func (g *notificationsGateway) dialKey(tb testing.TB, token, key string) (*websocket.Conn, int, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
	if key != "" {
		opts.HTTPHeader.Set("X-Api-Key", key)
	}
	c, resp, err := websocket.Dial(ctx, g.wsURL+"?token="+url.QueryEscape(token), opts)
	if err == nil {
		tb.Cleanup(func() { c.CloseNow() })
		return c, http.StatusSwitchingProtocols, ""
	}
	if resp == nil {
		tb.Fatalf("connect: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	return nil, resp.StatusCode, string(body)
}

func TestWebSocketAPIKeys(t *testing.T) {
	g := keyedNotifications(t)
	clock := g.clock
	tok := g.token(t, "kim")

	t.Run("route table", func(t *testing.T) {
		line := "$connect                             -> " + handlerFn + "  [auth: Lambda authorizer CognitoJwt, API key required]"
		if !strings.Contains(g.out.String(), line) {
			t.Errorf("start-up output lacks %q:\n%s", line, g.out)
		}
	})

	t.Run("refused keys", func(t *testing.T) {
		for _, tt := range []struct {
			name, key, reason string
		}{
			{"missing", "", "none in header x-api-key"},
			{"unknown", "not-a-key-of-this-assembly-000", "is not a known API key"},
			{"disabled", disabledKey, `key "DisabledKey" is disabled`},
			{"in no plan for the stage", unplannedKey, `key "UnplannedKey" is in no usage plan for this stage`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				c, status, body := g.dialKey(t, tok, tt.key)
				if c != nil || status != http.StatusForbidden || !strings.Contains(body, `"message":"Forbidden"`) {
					t.Fatalf("got connection %v, %d %s; want 403 Forbidden and no connection", c != nil, status, body)
				}
				g.waitLog(t, regexp.MustCompile(`(?m)^\$connect /\S+/prod 403 \S+ - \(websocket connect refused, connection \S+, 403 Forbidden by API key check: \$connect \S+/prod requires an API key: .*`+tt.reason+`\)$`))
			})
		}
	})

	t.Run("valid key connects", func(t *testing.T) {
		c, status, body := g.dialKey(t, tok, quotaKey)
		if c == nil {
			t.Fatalf("got %d %s, want a connection", status, body)
		}
		var who notifications.Whoami
		roundTrip(t, c, `{"action":"whoami"}`, &who)
		if who.Username != "kim" {
			t.Errorf("whoami = %+v, want the authorizer's user kim", who)
		}
		// The plan allows one $connect a day.
		if _, status, body := g.dialKey(t, tok, quotaKey); status != http.StatusTooManyRequests || !strings.Contains(body, `"message":"Limit Exceeded"`) {
			t.Errorf("second connect of the day: %d %s, want 429 Limit Exceeded", status, body)
		}
		clock.Advance(24 * time.Hour)
		if c, status, body := g.dialKey(t, tok, quotaKey); c == nil {
			t.Errorf("connect the next day: %d %s, want a connection", status, body)
		}
	})

	t.Run("plan throttle on $connect", func(t *testing.T) {
		clock.Advance(time.Minute) // full bucket
		for i := range 2 {
			if c, status, body := g.dialKey(t, tok, throttledKey); c == nil {
				t.Fatalf("connect %d of the burst of 2: %d %s", i+1, status, body)
			}
		}
		if _, status, body := g.dialKey(t, tok, throttledKey); status != http.StatusTooManyRequests || !strings.Contains(body, `"message":"Too Many Requests"`) {
			t.Fatalf("third connect: %d %s, want 429 Too Many Requests", status, body)
		}
		clock.Advance(time.Second) // one token back at 1/s
		if c, status, body := g.dialKey(t, tok, throttledKey); c == nil {
			t.Fatalf("connect after a second: %d %s, want a connection", status, body)
		}
	})

	t.Run("route throttle on messages", func(t *testing.T) {
		clock.Advance(time.Minute)
		c, status, body := g.dialKey(t, tok, throttledKey)
		if c == nil {
			t.Fatalf("connect: %d %s", status, body)
		}
		var echo notifications.Echo
		roundTrip(t, c, `{"action":"echo","data":1}`, &echo)
		if echo.Action != "echo" || string(echo.Data) != "1" {
			t.Fatalf("first echo = %+v, want the echo of data 1", echo)
		}
		var refused struct{ Message, ConnectionID, RequestID string }
		roundTrip(t, c, `{"action":"echo","data":2}`, &refused)
		if refused.Message != "Too Many Requests" || refused.ConnectionID == "" || refused.RequestID == "" {
			t.Fatalf("second echo within the second = %+v, want a Too Many Requests error frame", refused)
		}
		// Other routes have only the stage default (burst 100).
		var who notifications.Whoami
		roundTrip(t, c, `{"action":"whoami"}`, &who)
		if who.ConnectionID != refused.ConnectionID {
			t.Errorf("whoami = %+v, want connection %s", who, refused.ConnectionID)
		}
		clock.Advance(time.Second)
		roundTrip(t, c, `{"action":"echo","data":3}`, &echo)
		if string(echo.Data) != "3" {
			t.Errorf("echo after a second = %+v, want data 3", echo)
		}
		g.waitLog(t, regexp.MustCompile(`(?m)^echo /\S+/prod 429 \S+ - \(websocket message, connection \S+, message \S+, 429 Too Many Requests by stage \S+/prod: throttle for route echo \(rate 1/s, burst 1\) exceeded\)$`))
		// Routes that ran log their function, warm or cold, as HTTP requests do.
		g.waitLog(t, regexp.MustCompile(`(?m)^echo /\S+/prod 200 \S+ `+handlerFn+` (warm|cold) \(websocket message, connection `+regexp.QuoteMeta(refused.ConnectionID)+`, message \S+\)$`))
	})
}

// TestWebSocketConnectThrottle checks a stage's route throttle on $connect (RouteSettings keyed
// by route key), which applies without API keys.
func TestWebSocketConnectThrottle(t *testing.T) {
	dir := editNotifications(t, func(res map[string]map[string]any) {
		props(res, notificationsStage)["RouteSettings"] = map[string]any{"$connect": map[string]any{"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1}}
	})
	clock := &fakeClock{t: time.Now()}
	g := startAssembly(t, serve.Config{AssemblyDir: dir, Now: clock.Now})
	tok := g.token(t, "lee")
	if c, status, body := g.dialKey(t, tok, ""); c == nil {
		t.Fatalf("first connect: %d %s, want a connection", status, body)
	}
	if c, status, body := g.dialKey(t, tok, ""); c != nil || status != http.StatusTooManyRequests || !strings.Contains(body, `"message":"Too Many Requests"`) {
		t.Fatalf("second connect within the second: connected %v, %d %s; want 429 Too Many Requests", c != nil, status, body)
	}
	clock.Advance(time.Second)
	if c, status, body := g.dialKey(t, tok, ""); c == nil {
		t.Fatalf("connect after a second: %d %s, want a connection", status, body)
	}
}

// openAccess lets every REST and HTTP route through; it stands for a Config.Access.
type openAccess struct{}

func (openAccess) Guard(access.Target) (access.Guard, error) { return nil, nil }

// TestWebSocketKeysRefusedAtStart: when API keys cannot be checked, the API that requires them
// is refused by name instead of served open.
func TestWebSocketKeysRefusedAtStart(t *testing.T) {
	requireKey := func(res map[string]map[string]any) { props(res, notificationsConnect)["ApiKeyRequired"] = true }
	for _, tt := range []struct {
		name   string
		edit   func(res map[string]map[string]any)
		access gateway.AccessControl
		want   string
	}{
		{"access control replaced", requireKey, openAccess{},
			"API key required on $connect: API keys are checked only by the local access control, which Config.Access replaced"},
		{"usage plan that cannot be enforced", func(res map[string]map[string]any) {
			requireKey(res)
			res["Plan"] = resource("AWS::ApiGateway::UsagePlan", map[string]any{"UsagePlanName": "odd"})
			res["PlanKey"] = resource("AWS::ApiGateway::UsagePlanKey", map[string]any{"KeyType": "COGNITO", "KeyId": "x", "UsagePlanId": map[string]any{"Ref": "Plan"}})
		}, nil, `usage plans: usage plan odd: key type "COGNITO" is not emulated (only API_KEY)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := &syncBuffer{}
			run, err := serve.Start(context.Background(), serve.Config{AssemblyDir: editNotifications(t, tt.edit), CacheDir: cacheDir, Out: out, Access: tt.access})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			api := run.WebSocketAPIs[0]
			if api.Refused != tt.want {
				t.Errorf("Refused = %q, want %q", api.Refused, tt.want)
			}
			if line := "not served: WebSocket API Api (stack PorticoNotifications, id " + api.ID + "): " + tt.want; !strings.Contains(out.String(), line) {
				t.Errorf("start-up output lacks %q:\n%s", line, out)
			}
			c, resp, err := websocket.Dial(context.Background(), serve.WebSocketURL(run.URL, api.ID, "prod"), nil)
			if err == nil {
				c.CloseNow()
				t.Fatal("connected to a refused API")
			}
			if resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
				t.Fatalf("dial: %v, want an HTTP refusal", err)
			}
		})
	}
}
