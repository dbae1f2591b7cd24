package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"

	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/functions/notifications"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/serve"
)

// notificationsFixture is the Notifications sample stack (infra/stacks/notifications.go) as
// `cdk synth` wrote it: functions/notifications on every route, authorizers/websocket on
// $connect verifying a Cognito ID token from the "token" query parameter.
const (
	notificationsFixture = "../internal/testdata/notifications"
	notificationsAPI     = "Api9AF3637B"
	notificationsStage   = "ApiStageD982002C"
	notificationsConnect = "ApiconnectRoute47E06B50"
	handlerFn            = "Handler27ECDDB2"
)

// notificationsGateway is `portico serve` of the Notifications fixture, with the local Cognito
// issuer of the stack's user pool that `portico token` mints with.
type notificationsGateway struct {
	run         *serve.Running
	wsURL       string // ws://.../{apiId}/prod
	callbackURL string // http://.../{apiId}/prod
	pool        *cognito.Pool
	clock       *fakeClock // the injected clock, when the test set one
	out         *syncBuffer
	closed      bool
}

func startNotifications(tb testing.TB, opts serve.WebSocketOptions) *notificationsGateway {
	tb.Helper()
	return startAssembly(tb, serve.Config{AssemblyDir: notificationsFixture, WebSocket: opts})
}

// startAssembly is startNotifications of cfg, an assembly holding the Notifications stack.
func startAssembly(tb testing.TB, cfg serve.Config) *notificationsGateway {
	tb.Helper()
	g := &notificationsGateway{out: &syncBuffer{}}
	cfg.CacheDir, cfg.Out = cacheDir, g.out
	var err error
	g.run, err = serve.Start(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if !g.closed {
			g.run.Close()
		}
	})
	// What `portico token --pool Users10139FB0` does: the pool's issuer with serve's key.
	keys, err := serve.KeyDir(cacheDir)
	if err != nil {
		tb.Fatal(err)
	}
	pools, err := cognito.Load(g.run.Assembly, keys)
	if err != nil {
		tb.Fatal(err)
	}
	if g.pool, err = pools.Find("Users10139FB0"); err != nil {
		tb.Fatal(err)
	}
	apis := g.run.WebSocketAPIs
	if len(apis) != 1 || apis[0].Refused != "" {
		tb.Fatalf("want the one WebSocket API served, got %+v\n%s", apis, g.out)
	}
	g.wsURL = serve.WebSocketURL(g.run.URL, apis[0].ID, "prod")
	g.callbackURL = serve.CallbackURL(g.run.URL, apis[0].ID, "prod")
	return g
}

func (g *notificationsGateway) token(tb testing.TB, user string) string {
	tb.Helper()
	tok, err := g.pool.Token(cognito.TokenRequest{User: user})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func (g *notificationsGateway) dial(tb testing.TB, token string) *websocket.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, g.wsURL+"?token="+url.QueryEscape(token), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("connect: status %d: %v\n%s", status, err, g.out)
	}
	tb.Cleanup(func() { c.CloseNow() })
	return c
}

// roundTrip sends msg and decodes the next message into reply.
func roundTrip(tb testing.TB, c *websocket.Conn, msg string, reply any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		tb.Fatalf("send %s: %v", msg, err)
	}
	_, data, err := c.Read(ctx)
	if err != nil {
		tb.Fatalf("reply to %s: %v", msg, err)
	}
	if err := json.Unmarshal(data, reply); err != nil {
		tb.Fatalf("reply to %s: %q: %v", msg, data, err)
	}
}

// management is the SDK client the handler uses, as functions/notifications builds it, signing
// with the credentials the handler's process gets (its execution role's local keys).
func (g *notificationsGateway) management(tb testing.TB) *apigatewaymanagementapi.Client {
	tb.Helper()
	env := g.run.Runtime.Environment(handlerFn)
	keys := credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"])
	m, err := notifications.NewConnections(aws.Config{Region: "us-east-1", Credentials: keys}, g.callbackURL)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// waitLog waits until the gateway output matches re.
func (g *notificationsGateway) waitLog(tb testing.TB, re *regexp.Regexp) {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if re.MatchString(g.out.String()) {
			return
		}
	}
	tb.Fatalf("gateway output never matched %s:\n%s", re, g.out)
}

func TestWebSocketNotifications(t *testing.T) {
	g := startNotifications(t, serve.WebSocketOptions{IdleTimeout: 2 * time.Second})

	t.Run("route table and callback URL", func(t *testing.T) {
		for _, line := range []string{
			"stage prod     " + g.wsURL + "  (@connections: " + g.callbackURL + "/@connections/{connectionId})",
			"$connect                             -> " + handlerFn + "  [auth: Lambda authorizer CognitoJwt]",
			"whoami                               -> " + handlerFn + "  [auth: none]",
		} {
			if !strings.Contains(g.out.String(), line) {
				t.Errorf("start-up output lacks %q:\n%s", line, g.out)
			}
		}
		// The template's https://{apiId}.execute-api... URL is replaced by the local stage's.
		if got := g.run.Runtime.Environment(handlerFn)["PORTICO_CALLBACK_URL"]; got != g.callbackURL {
			t.Errorf("PORTICO_CALLBACK_URL = %q, want %q", got, g.callbackURL)
		}
	})

	t.Run("addressing", func(t *testing.T) {
		apiID := g.run.WebSocketAPIs[0].ID
		host := strings.TrimPrefix(g.run.URL, "http://")
		for _, tt := range []struct {
			name, url, host string
			status          int
			body            string
		}{
			{"upgrade URL without Upgrade", g.callbackURL, "", http.StatusUpgradeRequired, "Upgrade Required"},
			{"cloud-style host", g.run.URL + "/prod", apiID + ".execute-api.localhost:" + strings.Split(host, ":")[1], http.StatusUpgradeRequired, "Upgrade Required"},
			{"unknown stage", g.run.URL + "/" + apiID + "/dev", "", http.StatusNotFound, `has no stage \"dev\"; stages: prod`},
			{"other path in the stage", g.callbackURL + "/items", "", http.StatusNotFound, "answer only the upgrade"},
			// @connections always requires SigV4 (the signed calls are in "disconnect and 410 after close").
			{"unsigned @connections", g.callbackURL + "/@connections/nobody", "", http.StatusForbidden, "Missing Authentication Token"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				req, err := http.NewRequest(http.MethodGet, tt.url, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tt.host != "" {
					req.Host = tt.host
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.body) {
					t.Errorf("got %d %s, want %d with %q", resp.StatusCode, body, tt.status, tt.body)
				}
			})
		}
	})

	t.Run("connect refused", func(t *testing.T) {
		iss := g.pool.Issuer
		other, err := jwtissuer.New(iss.URL) // same iss, another key: a forged token
		if err != nil {
			t.Fatal(err)
		}
		forged, err := other.Mint(other.IDClaims(g.pool.ClientIDs[0], "mallory"))
		if err != nil {
			t.Fatal(err)
		}
		wrongClient, err := iss.Mint(iss.IDClaims("someone-else", "mallory"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name, query string
		}{
			{"no token", ""},
			{"empty token", "?token="},
			{"forged signature", "?token=" + forged},
			{"other app client", "?token=" + wrongClient},
			{"not a JWT", "?token=hello"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				c, resp, err := websocket.Dial(ctx, g.wsURL+tt.query, nil)
				if err == nil {
					c.CloseNow()
					t.Fatal("connected, want 401")
				}
				if resp == nil || resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("got %v (%v), want 401", resp, err)
				}
			})
		}
	})

	t.Run("routes answered through @connections", func(t *testing.T) {
		c := g.dial(t, g.token(t, "alice"))
		var who notifications.Whoami
		roundTrip(t, c, `{"action":"whoami"}`, &who)
		if who.Action != "whoami" || who.PrincipalID != "sub-alice" || who.Sub != "sub-alice" || who.Username != "alice" || who.ConnectionID == "" {
			t.Errorf("whoami = %+v, want alice's identity from the authorizer", who)
		}
		var echo notifications.Echo
		roundTrip(t, c, `{"action":"echo","data":{"n":[1,2,3]}}`, &echo)
		if echo.Action != "echo" || string(echo.Data) != `{"n":[1,2,3]}` {
			t.Errorf("echo = %+v (data %s)", echo, echo.Data)
		}
		for _, msg := range []string{`{"action":"nope"}`, `not json`, `{"no":"action"}`} {
			var unknown notifications.Unknown
			roundTrip(t, c, msg, &unknown)
			if unknown.Error != "unknown action" || !slices.Equal(unknown.Actions, []string{"echo", "whoami"}) {
				t.Errorf("%s: $default answered %+v", msg, unknown)
			}
		}
	})

	t.Run("disconnect and 410 after close", func(t *testing.T) {
		m := g.management(t)
		ctx := context.Background()
		for _, how := range []string{"client close", "server DELETE"} {
			c := g.dial(t, g.token(t, "bob"))
			var who notifications.Whoami
			roundTrip(t, c, `{"action":"whoami"}`, &who)
			id := who.ConnectionID
			// A post from outside a handler reaches the client too.
			if _, err := m.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(`{"hello":"bob"}`)}); err != nil {
				t.Fatalf("%s: post to an open connection: %v", how, err)
			}
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, data, err := c.Read(rctx)
			cancel()
			if err != nil || string(data) != `{"hello":"bob"}` {
				t.Fatalf("%s: client read %q, %v", how, data, err)
			}
			want := websocket.StatusNormalClosure
			if how == "client close" {
				if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
					t.Fatalf("close: %v", err)
				}
			} else {
				if _, err := m.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
					t.Fatalf("DELETE: %v", err)
				}
				rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				_, _, err := c.Read(rctx)
				cancel()
				if got := websocket.CloseStatus(err); got != want {
					t.Fatalf("after DELETE the client read %v, want close %d", err, want)
				}
			}
			// $disconnect ran the handler (status 200 in the connection log) with the close code.
			g.waitLog(t, regexp.MustCompile(`(?m)^\$disconnect /\S+/prod 200 \S+ `+handlerFn+` (warm|cold) \(websocket disconnected, connection `+regexp.QuoteMeta(id)+`, close 1000( bye)?\)$`))
			_, err = m.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("late")})
			var gone *types.GoneException
			if !errors.As(err, &gone) {
				t.Errorf("%s: post after close: %v, want GoneException (410)", how, err)
			}
		}
	})

	t.Run("frame over 32 KB", func(t *testing.T) {
		c := g.dial(t, g.token(t, "dave"))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"action":"echo","data":"`+strings.Repeat("z", 32<<10)+`"}`))
		if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
			t.Fatalf("read %v, want close 1009", err)
		}
	})

	t.Run("idle timeout", func(t *testing.T) {
		c := g.dial(t, g.token(t, "carol"))
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _, err := c.Read(ctx)
		if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
			t.Fatalf("idle connection read %v, want close 1001", err)
		}
		if idle := time.Since(start); idle < 1500*time.Millisecond || idle > 6*time.Second {
			t.Errorf("closed after %s, want about the 2s idle timeout", idle)
		}
	})
}

// TestWebSocketShutdown: stopping the gateway (Ctrl-C) closes connections with 1001 and runs
// their $disconnect while the handler processes still live.
func TestWebSocketShutdown(t *testing.T) {
	g := startNotifications(t, serve.WebSocketOptions{})
	c := g.dial(t, g.token(t, "erin"))
	var who notifications.Whoami
	roundTrip(t, c, `{"action":"whoami"}`, &who)
	// Read as a client does, so that the close handshake completes.
	readErr := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _, err := c.Read(ctx)
		readErr <- err
	}()
	g.closed = true
	if err := g.run.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-readErr; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("read %v, want close 1001", err)
	}
	g.waitLog(t, regexp.MustCompile(`(?m)^\$disconnect /\S+/prod 200 \S+ `+handlerFn+` (warm|cold) \(websocket disconnected, connection `+regexp.QuoteMeta(who.ConnectionID)+`, close 1001 Going away\)$`))
}

// BenchmarkWebSocketRoundTrip measures a warm echo: client -> echo route handler process ->
// @connections (aws-sdk-go-v2 over loopback) -> client. It reports the median and p99.
func BenchmarkWebSocketRoundTrip(b *testing.B) {
	// Without the stage's throttle (50 messages/s), which would be measured instead.
	dir := editNotifications(b, func(res map[string]map[string]any) {
		delete(props(res, notificationsStage), "DefaultRouteSettings")
	})
	g := startAssembly(b, serve.Config{AssemblyDir: dir})
	c := g.dial(b, g.token(b, "bench"))
	var echo notifications.Echo
	for range 20 { // warm the handler process and the SDK's connection pool
		roundTrip(b, c, `{"action":"echo","data":1}`, &echo)
	}
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		roundTrip(b, c, `{"action":"echo","data":1}`, &echo)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	if echo.Action != "echo" {
		b.Fatalf("last reply %+v is not an echo", echo) // e.g. an error frame
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// TestWebSocketRefused edits the Notifications template into what the gateway cannot serve
// faithfully, and checks that the API is refused by name rather than served open.
func TestWebSocketRefused(t *testing.T) {
	const connect, echoIntegration = notificationsConnect, "ApiechoRouteechoRouteIntegration7A2FE760"
	tests := []struct {
		name string
		edit func(res map[string]map[string]any)
		want string // "" when served
		line string // a line of the route table, when served
	}{
		{"served as synthesized", func(map[string]map[string]any) {}, "", "echo                                 -> Handler27ECDDB2  [auth: none]"},
		{"two-way route", func(res map[string]map[string]any) {
			res["EchoResponse"] = map[string]any{"Type": "AWS::ApiGatewayV2::RouteResponse", "Properties": map[string]any{
				"ApiId": map[string]any{"Ref": "Api9AF3637B"}, "RouteId": map[string]any{"Ref": "ApiechoRoute0C26AA9C"}, "RouteResponseKey": "$default"}}
		}, "", "echo                                 -> Handler27ECDDB2  [auth: none, two-way]"},
		{"IAM on $connect", func(res map[string]map[string]any) {
			props(res, connect)["AuthorizationType"] = "AWS_IAM"
			delete(props(res, connect), "AuthorizerId")
		}, "", "$connect                             -> Handler27ECDDB2  [auth: IAM (SigV4)]"},
		{"API key on $connect", func(res map[string]map[string]any) {
			props(res, connect)["ApiKeyRequired"] = true
		}, "", "$connect                             -> Handler27ECDDB2  [auth: Lambda authorizer CognitoJwt, API key required]"},
		{"API key on a message route", func(res map[string]map[string]any) {
			props(res, "ApiechoRoute0C26AA9C")["ApiKeyRequired"] = true
		}, "route echo: API key required: WebSocket APIs check API keys on $connect only", ""},
		{"API key from the authorizer", func(res map[string]map[string]any) {
			props(res, connect)["ApiKeyRequired"] = true
			props(res, notificationsAPI)["ApiKeySelectionExpression"] = "$context.authorizer.usageIdentifierKey"
		}, `route $connect: API key selection expression "$context.authorizer.usageIdentifierKey" is not emulated (only $request.header.x-api-key)`, ""},
		{"authorizer on a message route", func(res map[string]map[string]any) {
			props(res, "ApiechoRoute0C26AA9C")["AuthorizationType"] = "CUSTOM"
			props(res, "ApiechoRoute0C26AA9C")["AuthorizerId"] = "ApiCognitoJwtD1CEFEB5"
		}, "route echo: authorization type CUSTOM: WebSocket APIs authorize on $connect only", ""},
		{"mock integration", func(res map[string]map[string]any) {
			props(res, echoIntegration)["IntegrationType"] = "MOCK"
		}, "route echo: MOCK integration: only Lambda proxy integrations are emulated", ""},
		{"stage variable the stage does not set", func(res map[string]map[string]any) {
			props(res, echoIntegration)["IntegrationUri"] = "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}"
		}, `route echo: stage prod: integration "arn:aws:lambda:us-east-1:123456789012:function:" uses stage variable "fn", which the stage does not set`, ""},
		{"header identity source in REST syntax", func(res map[string]map[string]any) {
			props(res, "ApiCognitoJwtD1CEFEB5")["IdentitySource"] = []any{"method.request.header.Authorization"}
		}, `identity source "method.request.header.Authorization" is not a WEBSOCKET identity source`, ""},
		{"no stage", func(res map[string]map[string]any) {
			delete(res, notificationsStage)
		}, "no stage: nothing to serve", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := editNotifications(t, tt.edit)
			routes, err := serve.Load(serve.Config{AssemblyDir: dir, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			api := routes.WebSocketAPIs[0]
			if tt.want == "" && api.Refused != "" || !strings.Contains(api.Refused, tt.want) {
				t.Fatalf("Refused = %q, want %q", api.Refused, tt.want)
			}
			var out strings.Builder
			serve.PrintRoutes(&out, routes, "http://127.0.0.1:3000")
			if served := strings.Contains(out.String(), "stage prod     ws://"); served != (tt.want == "") {
				t.Errorf("route table (served %v, want %v):\n%s", served, tt.want == "", out.String())
			}
			if !strings.Contains(out.String(), tt.line) {
				t.Errorf("route table lacks %q:\n%s", tt.line, out.String())
			}
			if tt.want != "" && !strings.Contains(out.String(), "not served: WebSocket API Api (stack PorticoNotifications, id "+api.ID+"): "+api.Refused) {
				t.Errorf("route table lacks the refusal:\n%s", out.String())
			}
		})
	}
}

// editNotifications writes the Notifications fixture, with edit applied to its resources, to a
// temporary assembly folder and returns it.
func editNotifications(tb testing.TB, edit func(res map[string]map[string]any)) string {
	tb.Helper()
	raw, err := os.ReadFile(notificationsFixture + "/PorticoNotifications.template.json")
	if err != nil {
		tb.Fatal(err)
	}
	manifest, err := os.ReadFile(notificationsFixture + "/manifest.json")
	if err != nil {
		tb.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]map[string]any
		Outputs   map[string]any
	}
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		tb.Fatal(err)
	}
	tmpl.Outputs = nil // they name the stage that one case removes
	edit(tmpl.Resources)
	dir := tb.TempDir()
	edited, err := json.Marshal(tmpl)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(dir+"/PorticoNotifications.template.json", edited, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(dir+"/manifest.json", manifest, 0o600); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func props(res map[string]map[string]any, logical string) map[string]any {
	p, _ := res[logical]["Properties"].(map[string]any)
	return p
}
