package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/infra/stacks"
	"github.com/portico-dev/portico/internal/syncbuf"
	"github.com/portico-dev/portico/internal/testtool"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/serve"
)

//go:embed testdata/browser.html
var frontEndPage []byte

// checkResult is what the page could read of one call: a status and body, or the error a
// blocked fetch rejects with ("TypeError: Failed to fetch").
type checkResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
}

// pageConfig is what runChecks (testdata/browser.html) calls.
type pageConfig struct {
	ProfileURL         string `json:"profileURL"`
	ProfileToken       string `json:"profileToken"`
	OrdersURL          string `json:"ordersURL"`
	OrdersToken        string `json:"ordersToken"`
	NotificationsURL   string `json:"notificationsURL"`
	NotificationsToken string `json:"notificationsToken"`
}

// TestSampleAppInBrowser serves the synthesized sample app with `portico serve` and has headless
// Chromium load a page from the front-end origin, whose JavaScript calls the Profile HTTP API with
// and without a token, the Private Orders REST API through its VPC endpoint, and the
// Notifications WebSocket API. Every fetch is cross-origin, so the browser enforces CORS exactly
// as it does against the cloud.
func TestSampleAppInBrowser(t *testing.T) {
	chromium := testtool.Find(t, "chromium", "apt-get install chromium")
	pageURL := serveFrontEnd(t)
	gw, logs := sampleApp(t)
	cfg := sampleCalls(t, gw, sampleCacheDir)

	results, console := runPage(t, chromium, pageURL, cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("browser console:\n%s\ngateway output:\n%s", console, logs)
		}
	})

	// The sample's handler answers the caller's profile (functions/profile); the call carries
	// Authorization, which is not a CORS-safelisted header, so the browser sent a preflight first
	// (Fetch standard, "CORS-preflight request"), checked below in the gateway's request log.
	var profile struct{ Sub string }
	if want(t, "Profile API with a token", results["profile"], 200, &profile) && profile.Sub != "sub-kim" {
		t.Errorf("Profile API with a token: sub %q, want sub-kim", profile.Sub)
	}
	// Without a token the JWT authorizer answers 401 {"message":"Unauthorized"} ("Troubleshooting
	// issues with HTTP API JWT authorizers", docs.aws.amazon.com/apigateway/latest/developerguide/
	// http-api-troubleshooting-jwt.html). The page can read it only if the 401 carries the CORS
	// headers. "Configure CORS for HTTP APIs in API Gateway" (http-api-cors.html) says "API Gateway
	// adds the configured CORS headers to the response from an integration"; that a denial gets
	// them too is issue 16's rule (item 4: "including errors and authorizer denials").
	var denied struct{ Message string }
	if want(t, "Profile API without a token", results["profileNoToken"], 401, &denied) && denied.Message != "Unauthorized" {
		t.Errorf("Profile API without a token: message %q, want Unauthorized", denied.Message)
	}
	// A new caller has no orders (functions/orders). The preflight is the sample's OPTIONS method
	// with a MOCK integration; the answer's CORS headers come from the handler: "For a Lambda proxy
	// integration or HTTP proxy integration, your backend is responsible for returning the
	// Access-Control-Allow-Origin, Access-Control-Allow-Methods, and Access-Control-Allow-Headers
	// headers" ("CORS for REST APIs in API Gateway", how-to-cors.html).
	var orders []json.RawMessage
	want(t, "Private Orders API through its VPC endpoint", results["orders"], 200, &orders)
	// The Notifications handler answers whoami with the identity its $connect authorizer passed.
	var who struct{ Action, Sub string }
	if want(t, "Notifications WebSocket whoami", results["whoami"], 0, &who) && (who.Action != "whoami" || who.Sub != "sub-kim") {
		t.Errorf("Notifications WebSocket whoami: action %q sub %q, want whoami and sub-kim", who.Action, who.Sub)
	}

	for _, call := range []string{cfg.ProfileURL, cfg.OrdersURL} {
		u, err := url.Parse(call)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "OPTIONS "+u.Path+" ") {
			t.Errorf("the gateway logged no preflight OPTIONS %s", u.Path)
		}
	}
}

// want reports whether the page read status (0: any, for a WebSocket message) and a JSON body,
// which it decodes into v.
func want(t *testing.T, name string, r checkResult, status int, v any) bool {
	t.Helper()
	switch {
	case r.Error != "":
		t.Errorf("%s: the page could not read the answer: %s (a CORS refusal is a TypeError: see the browser console in the log)", name, r.Error)
	case status != 0 && r.Status != status:
		t.Errorf("%s: status %d body %s, want %d", name, r.Status, r.Body, status)
	default:
		if err := json.Unmarshal([]byte(r.Body), v); err != nil {
			t.Errorf("%s: body %q: %v", name, r.Body, err)
			return false
		}
		return true
	}
	return false
}

// serveFrontEnd serves the page on the front-end origin's address, 127.0.0.1:5173, and returns
// its URL on that origin.
func serveFrontEnd(t *testing.T) string {
	t.Helper()
	host := strings.TrimPrefix(stacks.FrontEndOrigin, "http://localhost")
	ln, err := net.Listen("tcp", "127.0.0.1"+host)
	if err != nil {
		testtool.Unavailable(t, "Chromium", fmt.Sprintf("the front-end origin %s needs 127.0.0.1%s, which is busy: %v", stacks.FrontEndOrigin, host, err))
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(frontEndPage)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return stacks.FrontEndOrigin + "/"
}

// sampleCalls finds the sample APIs the page calls and mints their tokens with the local
// issuers, as `portico token` does.
func sampleCalls(t *testing.T, gw *serve.Running, cacheDir string) pageConfig {
	keys, err := serve.KeyDir(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	pools, err := cognito.Load(gw.Assembly, keys) // the key files of the running gateway
	if err != nil {
		t.Fatal(err)
	}
	token := func(stack string, tr cognito.TokenRequest) string {
		for _, p := range pools.List {
			if p.Stack == stack {
				tok, err := p.Token(tr)
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
		}
		t.Fatalf("no user pool in stack %s", stack)
		return ""
	}
	cfg := pageConfig{
		ProfileToken:       token("PorticoProfile", cognito.TokenRequest{User: "kim"}),
		OrdersToken:        token("PorticoPrivateOrders", cognito.TokenRequest{User: "kim", Scopes: []string{"orders/read"}}),
		NotificationsToken: token("PorticoNotifications", cognito.TokenRequest{User: "kim"}),
	}
	for _, api := range gw.Server.APIs() {
		switch api.Stack {
		case "PorticoProfile":
			cfg.ProfileURL = serve.StageURL(gw.URL, api, "$default") + "/profile"
		case "PorticoPrivateOrders":
			// A private API answers only on its VPC endpoint's listener.
			for _, ep := range gw.Endpoints() {
				if ep.Stack == api.Stack {
					cfg.OrdersURL = serve.StageURL(ep.URL, api, "dev") + "/orders"
				}
			}
		}
	}
	for _, api := range gw.WebSocketAPIs {
		if api.Stack == "PorticoNotifications" && len(api.Stages) == 1 {
			cfg.NotificationsURL = serve.WebSocketURL(gw.URL, api.ID, api.Stages[0].Name)
		}
	}
	if cfg.ProfileURL == "" || cfg.OrdersURL == "" || cfg.NotificationsURL == "" {
		t.Fatalf("the sample app lacks an API the page calls: %+v", cfg)
	}
	return cfg
}

// runPage loads the page in headless Chromium and returns the results of runChecks and the
// browser console (where Chromium explains a CORS refusal).
func runPage(t *testing.T, chromium, pageURL string, cfg pageConfig) (map[string]checkResult, string) {
	arg, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The whole browser lives at most this long.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // root in CI containers; the browser only loads loopback pages
		// localhost is the front-end listener on 127.0.0.1, not whatever may hold [::1]:5173.
		chromedp.Flag("host-resolver-rules", "MAP localhost 127.0.0.1"),
	)...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	defer cancelBrowser()

	// The console is read until the marker the page logs after the checks.
	const marker = "end of the checks"
	var console syncbuf.Buffer
	read := make(chan struct{})
	messages := chromedp.Console(ctx)
	go func() {
		defer close(read)
		for m, err := range messages {
			if err != nil || m.Text == marker {
				return
			}
			fmt.Fprintln(&console, m)
		}
	}()
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s in %s: %v\nbrowser console:\n%s", step, chromium, err, console.String())
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		fail("load "+pageURL, err)
	}
	results, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]checkResult]("runChecks("+string(arg)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		fail("run the checks", err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`console.log("`+marker+`")`)); err != nil {
		fail("log the end marker", err)
	}
	select {
	case <-read:
	case <-time.After(5 * time.Second):
	}
	return results, console.String()
}
