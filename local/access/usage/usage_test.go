package usage

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/access/check"
)

// clock is the injected clock: tests move it by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// newClock starts the injected clock at a fixed morning.
func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)} }

const (
	aliceKey = "alice-key-0123456789abcdef"
	bobKey   = "bob-key-0123456789abcdefgh"
	offKey   = "off-key-0123456789abcdefgh"
)

func testConfig(c *clock) Config {
	return Config{
		Keys: []Key{
			{ID: "k1", Name: "alice", Value: aliceKey},
			{ID: "k2", Name: "bob", Value: bobKey},
			{ID: "k3", Name: "off", Value: offKey, Disabled: true},
		},
		Plans: []Plan{{
			Name:     "Gold",
			Throttle: &Throttle{RateLimit: 10, BurstLimit: 2},
			Quota:    &Quota{Limit: 5, Period: Day},
			Stages: []PlanStage{{APIID: "api1", Stage: "prod", MethodThrottles: map[string]Throttle{
				"/slow/GET": {RateLimit: 1, BurstLimit: 1},
			}}},
			KeyIDs: []string{"k1", "k3"},
		}},
		Now: c.now,
	}
}

// throttleOnly is the limiter of testConfig without its quota.
func throttleOnly(t *testing.T, c *clock) *Limiter {
	t.Helper()
	cfg := testConfig(c)
	cfg.Plans[0].Quota = nil
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func req(key string) Request {
	return Request{APIID: "api1", Stage: "prod", ResourcePath: "/pets", Method: "GET", APIKeyRequired: true, HeaderKey: key}
}

func denial(t *testing.T, err error) *check.Denial {
	t.Helper()
	var d *check.Denial
	if !errors.As(err, &d) {
		t.Fatalf("error = %v, want an *check.Denial", err)
	}
	return d
}

func TestAPIKeys(t *testing.T) {
	tests := []struct {
		name   string
		req    Request
		status int // 0: admitted
		reason string
	}{
		{"valid key", req(aliceKey), 0, ""},
		{"missing key", req(""), http.StatusForbidden, "none in header x-api-key"},
		{"unknown key", req("not-a-key-0123456789abcdef"), http.StatusForbidden, "not a known API key"},
		{"disabled key", req(offKey), http.StatusForbidden, `key "off" is disabled`},
		{"key in no plan for the stage", req(bobKey), http.StatusForbidden, `key "bob" is in no usage plan`},
		{"plan for another stage", func() Request { r := req(aliceKey); r.Stage = "dev"; return r }(), http.StatusForbidden, "no usage plan for this stage"},
		{"key not required: no key needed", func() Request { r := req(""); r.APIKeyRequired = false; return r }(), 0, ""},
		{"authorizer source ignores the header", func() Request { r := req(aliceKey); r.KeySource = FromAuthorizer; return r }(), http.StatusForbidden, "usageIdentifierKey"},
		{"authorizer source", func() Request { r := req(""); r.KeySource, r.AuthorizerKey = FromAuthorizer, aliceKey; return r }(), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			l, err := New(testConfig(c))
			if err != nil {
				t.Fatal(err)
			}
			g, err := l.Admit(tt.req)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("Admit = %v, want admitted", err)
				}
				if tt.req.APIKeyRequired && (g.Key == nil || g.Key.Name != "alice" || g.Plan.Name != "Gold") {
					t.Errorf("grant = %+v, want alice on Gold", g)
				}
				return
			}
			d := denial(t, err)
			if d.Status != tt.status || d.Message != "Forbidden" || d.Type != "ForbiddenException" || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("denial = %v (%q), want %d Forbidden with %q", d, d.Message, tt.status, tt.reason)
			}
		})
	}
}

func TestThrottleBurstThenRecover(t *testing.T) {
	c := newClock()
	l := throttleOnly(t, c)
	for i := range 2 {
		if _, err := l.Admit(req(aliceKey)); err != nil {
			t.Fatalf("request %d within burst: %v", i, err)
		}
	}
	d := denial(t, func() error { _, err := l.Admit(req(aliceKey)); return err }())
	if d.Status != http.StatusTooManyRequests || string(d.Body()) != `{"message":"Too Many Requests"}` || d.Type != "TooManyRequestsException" || d.By != `usage plan "Gold"` || !strings.Contains(d.Reason, "rate 10/s, burst 2") {
		t.Errorf("third request: %v %s, want 429 Too Many Requests by the plan", d, d.Body())
	}
	c.advance(100 * time.Millisecond) // one token at 10 rps
	if _, err := l.Admit(req(aliceKey)); err != nil {
		t.Errorf("after 100ms: %v, want admitted", err)
	}
}

func TestPerMethodThrottleAndRefund(t *testing.T) {
	c := newClock()
	l := throttleOnly(t, c)
	slow := req(aliceKey)
	slow.ResourcePath = "/slow"
	if _, err := l.Admit(slow); err != nil {
		t.Fatal(err)
	}
	d := denial(t, func() error { _, err := l.Admit(slow); return err }())
	if !strings.Contains(d.Reason, "key alice on GET /slow (rate 1/s, burst 1)") {
		t.Errorf("second /slow: %v, want the per-method throttle", d)
	}
	// The refused /slow request must not have spent a plan token: one plan token is left.
	if _, err := l.Admit(req(aliceKey)); err != nil {
		t.Errorf("plan token was spent by a refused request: %v", err)
	}
	if _, err := l.Admit(req(aliceKey)); err == nil {
		t.Error("plan burst of 2 allowed a third request")
	}
}

// TestPlanThrottleScopes: a plan's throttle counts each key across every method of every stage
// the plan covers; a per-method throttle counts each key on that method of that stage. "Throttling
// and quota limits apply to requests for individual API keys that are aggregated across all API
// stages within a usage plan." (AWS, "Creating and Using Usage Plans with API Keys",
// awsdocs/amazon-api-gateway-developer-guide doc_source/api-gateway-api-usage-plans.md); a
// re:Post answer by an AWS expert adds that a plan's method throttles leave "the overall usage
// plan limit ... still global to that key" (repost.aws/questions/QUFD1EPj5dRYaYaqpNepE34A).
func TestPlanThrottleScopes(t *testing.T) {
	c := newClock()
	cfg := testConfig(c)
	cfg.Plans[0].Quota = nil
	cfg.Plans[0].Throttle = &Throttle{RateLimit: 10, BurstLimit: 3}
	cfg.Plans[0].KeyIDs = []string{"k1", "k2"}
	cfg.Plans[0].Stages = append(cfg.Plans[0].Stages, PlanStage{APIID: "api2", Stage: "prod", MethodThrottles: map[string]Throttle{
		"/slow/GET": {RateLimit: 1, BurstLimit: 1},
	}})
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	at := func(api, path, key string) Request {
		r := req(key)
		r.APIID, r.ResourcePath = api, path
		return r
	}
	// GET /slow of api1 and of api2 are two methods, and bob's requests are not alice's.
	for _, r := range []Request{at("api1", "/slow", aliceKey), at("api2", "/slow", aliceKey), at("api1", "/slow", bobKey)} {
		if _, err := l.Admit(r); err != nil {
			t.Fatalf("first GET /slow of %s with key %q: %v, want admitted (a bucket per key per method)", r.APIID, r.HeaderKey, err)
		}
	}
	// alice has spent two of the plan's burst of 3 on two stages: one is left, on any method.
	if _, err := l.Admit(at("api2", "/pets", aliceKey)); err != nil {
		t.Fatalf("alice's third request: %v, want admitted", err)
	}
	d := denial(t, func() error { _, err := l.Admit(at("api1", "/pets", aliceKey)); return err }())
	if d.By != `usage plan "Gold"` || !strings.Contains(d.Reason, "throttle for key alice (rate 10/s, burst 3) exceeded") {
		t.Errorf("alice's fourth request: %v, want the plan throttle of key alice across both stages", d)
	}
}

func TestStageThrottles(t *testing.T) {
	c := newClock()
	l, err := New(Config{
		Stages: []Stage{{APIID: "api1", Stage: "prod", Throttle: &Throttle{RateLimit: 1, BurstLimit: 1},
			MethodThrottles: map[string]Throttle{"//GET": {RateLimit: 1, BurstLimit: 3}}}},
		Account: &Throttle{RateLimit: 1, BurstLimit: 5},
		Now:     c.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	root := Request{APIID: "api1", Stage: "prod", ResourcePath: "/", Method: "GET"}
	for i := range 3 {
		if _, err := l.Admit(root); err != nil {
			t.Fatalf("root request %d: %v (the method setting replaces the stage default)", i, err)
		}
	}
	if d := denial(t, func() error { _, err := l.Admit(root); return err }()); !strings.Contains(d.Reason, "method GET / (rate 1/s, burst 3)") {
		t.Errorf("fourth root request: %v, want the //GET throttle", d)
	}
	other := Request{APIID: "api1", Stage: "prod", ResourcePath: "/pets", Method: "GET"}
	if _, err := l.Admit(other); err != nil {
		t.Fatalf("first /pets request: %v", err)
	}
	// Four account tokens are spent (the refused root request gave its back); api2 has no stage
	// throttles, so only the account's burst of 5 limits it.
	api2 := Request{APIID: "api2", Stage: "prod", ResourcePath: "/", Method: "GET"}
	if _, err := l.Admit(api2); err != nil {
		t.Fatalf("fifth admitted request: %v", err)
	}
	d := denial(t, func() error { _, err := l.Admit(api2); return err }())
	if d.By != "account throttle" {
		t.Errorf("sixth request: by %q, want the account throttle (burst 5)", d.By)
	}
}

func TestQuotaPeriods(t *testing.T) {
	tests := []struct {
		name       string
		quota      Quota
		start      time.Time
		beforeNext time.Duration // still in the same period after this
		next       time.Duration // in the next period after this
	}{
		{"DAY", Quota{Limit: 3, Period: Day}, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), 13*time.Hour + 59*time.Minute, 14 * time.Hour},
		// 2026-11-26 is a Thursday; offset 1 starts weeks on Monday (Nov 30).
		{"WEEK offset 1", Quota{Limit: 3, Period: Week, Offset: 1}, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), 3*24*time.Hour + 13*time.Hour, 3*24*time.Hour + 14*time.Hour},
		// Offset 4 starts months on the 5th: from Nov 26 the next period starts Dec 5.
		{"MONTH offset 4", Quota{Limit: 3, Period: Month, Offset: 4}, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), 8*24*time.Hour + 23*time.Hour, 9 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: tt.start}
			cfg := testConfig(c)
			cfg.Plans[0].Throttle, cfg.Plans[0].Stages[0].MethodThrottles = nil, nil
			cfg.Plans[0].Quota = &tt.quota
			l, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if _, err := l.Admit(req(aliceKey)); err != nil {
					t.Fatalf("request %d within quota: %v", i, err)
				}
			}
			c.t = tt.start.Add(tt.beforeNext)
			d := denial(t, func() error { _, err := l.Admit(req(aliceKey)); return err }())
			if d.Status != http.StatusTooManyRequests || string(d.Body()) != `{"message":"Limit Exceeded"}` || d.Type != "LimitExceededException" || !strings.Contains(d.Reason, "quota of 3 per "+string(tt.quota.Period)) {
				t.Errorf("over quota: %v %s, want 429 Limit Exceeded", d, d.Body())
			}
			c.t = tt.start.Add(tt.next)
			if _, err := l.Admit(req(aliceKey)); err != nil {
				t.Errorf("next period: %v, want the quota reset", err)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"short key", func(c *Config) { c.Keys[0].Value = "short" }, "20 to 128 characters, got 5"},
		{"duplicate key value", func(c *Config) { c.Keys[1].Value = aliceKey }, "same value"},
		{"unknown key in plan", func(c *Config) { c.Plans[0].KeyIDs = append(c.Plans[0].KeyIDs, "k9") }, `API key "k9", which is not defined`},
		{"bad period", func(c *Config) { c.Plans[0].Quota.Period = "YEAR" }, `DAY, WEEK or MONTH, got "YEAR"`},
		{"bad offset", func(c *Config) { c.Plans[0].Quota = &Quota{Limit: 1, Period: Week, Offset: 7} }, "0 to 6, got 7"},
		{"day offset", func(c *Config) { c.Plans[0].Quota.Offset = 1 }, "0 to 0, got 1"},
		{"negative rate", func(c *Config) { c.Plans[0].Throttle.RateLimit = -1 }, "must not be negative"},
		{"key in two plans for a stage", func(c *Config) {
			c.Plans = append(c.Plans, Plan{Name: "Silver", Stages: c.Plans[0].Stages, KeyIDs: []string{"k1"}})
		}, `in usage plans "Gold" and "Silver"`},
		{"plan twice", func(c *Config) { c.Plans = append(c.Plans, Plan{Name: "Gold"}) }, `"Gold" is defined twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(&clock{})
			tt.mutate(&cfg)
			if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// offeredLoad runs a load of rps requests per second for d against a 100 rps / burst 10 plan on
// the injected clock and returns how many were admitted.
func offeredLoad(tb testing.TB, rps int, d time.Duration) int {
	c := newClock()
	l, err := New(Config{
		Keys:  []Key{{ID: "k1", Name: "alice", Value: aliceKey}},
		Plans: []Plan{{Name: "Load", Throttle: &Throttle{RateLimit: 100, BurstLimit: 10}, Stages: []PlanStage{{APIID: "api1", Stage: "prod"}}, KeyIDs: []string{"k1"}}},
		Now:   c.now,
	})
	if err != nil {
		tb.Fatal(err)
	}
	gap := time.Second / time.Duration(rps)
	ok := 0
	for range int(d / gap) {
		if _, err := l.Admit(req(aliceKey)); err == nil {
			ok++
		}
		c.advance(gap)
	}
	return ok
}

// TestThrottleAccuracy: at 100 rps burst 10, a 5 s load at 300 rps gets 500 +- 10% successes
// (simulated on the injected clock, so it is exact and takes milliseconds).
func TestThrottleAccuracy(t *testing.T) {
	if got := offeredLoad(t, 300, 5*time.Second); got < 450 || got > 550 {
		t.Errorf("admitted %d of 1500, want 500 +- 10%%", got)
	}
}

// BenchmarkThrottleAccuracy reports the admitted count of the 300 rps / 5 s load as "successes".
func BenchmarkThrottleAccuracy(b *testing.B) {
	var got int
	for b.Loop() {
		got = offeredLoad(b, 300, 5*time.Second)
	}
	b.ReportMetric(float64(got), "successes")
}

// BenchmarkAdmit is the cost of a keyed, throttled, quota-counted request.
func BenchmarkAdmit(b *testing.B) {
	c := newClock()
	cfg := testConfig(c)
	cfg.Plans[0].Throttle = &Throttle{RateLimit: 1e9, BurstLimit: 1e9}
	cfg.Plans[0].Quota = &Quota{Limit: 1 << 40, Period: Month}
	l, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	r := req(aliceKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Admit(r); err != nil {
			b.Fatal(err)
		}
	}
}
