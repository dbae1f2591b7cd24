package usage

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/portico-dev/portico/local/access/check"
)

// KeySource is where a REST API reads the API key from (its ApiKeySourceType).
type KeySource string

// The API key sources.
const (
	FromHeader     KeySource = "HEADER"
	FromAuthorizer KeySource = "AUTHORIZER"
)

// Request is what the limiter needs to know about a request.
type Request struct {
	APIID        string
	Stage        string
	ResourcePath string // e.g. /pets/{id}; "" for a WebSocket route and an HTTP API's $default
	// Method is the method as the template names it (GET, ANY), or the route key of a WebSocket
	// route or an HTTP API's $default route.
	Method string
	// APIKeyRequired is the method's apiKeyRequired; without it plans and quotas do not apply.
	APIKeyRequired bool
	// KeySource picks HeaderKey or AuthorizerKey. Default: FromHeader.
	KeySource KeySource
	// HeaderKey is the x-api-key header value.
	HeaderKey string
	// AuthorizerKey is the Lambda authorizer's usageIdentifierKey.
	AuthorizerKey string
}

// Grant says which key and plan admitted a request (nil key and plan when no key was required).
type Grant struct {
	Key  *Key
	Plan *Plan
}

// Limiter enforces keys, plans and throttles. It is safe for concurrent use.
type Limiter struct {
	now     func() time.Time
	account *throttleCheck
	byValue map[string]*Key
	plans   map[string][]*Plan // key ID -> plans holding it
	stages  map[string]*Stage  // "api/stage"

	mu      sync.Mutex
	buckets map[bucketID]*rate.Limiter
	quotas  map[quotaID]*quotaState
}

// bucketID names one token bucket: its scope ("stage" or the usage plan), the key it counts
// (plans only) and the method or route it counts (none for a plan's own throttle).
type bucketID struct {
	scope, who string
	method     methodID
}

// methodID is one method (REST) or route (HTTP, WebSocket) of an API stage, by MethodKey.
type methodID struct{ api, stage, key string }

type quotaID struct{ plan, key string }

type quotaState struct {
	start time.Time
	used  int
}

// New validates cfg and returns a limiter for it.
func New(cfg Config) (*Limiter, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	l := &Limiter{
		now:     cfg.Now,
		byValue: map[string]*Key{},
		plans:   map[string][]*Plan{},
		stages:  map[string]*Stage{},
		buckets: map[bucketID]*rate.Limiter{},
		quotas:  map[quotaID]*quotaState{},
	}
	if l.now == nil {
		l.now = time.Now
	}
	if cfg.Account != nil {
		l.account = &throttleCheck{bucket: newBucket(*cfg.Account), by: "account throttle", what: "all APIs", limit: *cfg.Account}
	}
	for i := range cfg.Keys {
		l.byValue[cfg.Keys[i].Value] = &cfg.Keys[i]
	}
	for i := range cfg.Plans {
		p := &cfg.Plans[i]
		for _, id := range p.KeyIDs {
			l.plans[id] = append(l.plans[id], p)
		}
	}
	for i := range cfg.Stages {
		s := &cfg.Stages[i]
		l.stages[s.APIID+"/"+s.Stage] = s
	}
	return l, nil
}

func newBucket(t Throttle) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(t.RateLimit), t.BurstLimit)
}

// throttleCheck is one throttle to pass, with the words that explain it.
type throttleCheck struct {
	bucket *rate.Limiter
	by     string
	what   string
	limit  Throttle
}

// Admit decides whether the request may proceed. A refusal is a *check.Denial: 403 Forbidden
// for a missing, unknown or disabled key, 429 Too Many Requests when a throttle is exceeded, 429
// Limit Exceeded when the key's quota for the period is spent. Throttles are checked in the
// cloud's order: plan per method, plan, stage (the method's or route's own setting, else the
// stage default, per method or route), account; a request refused by a later throttle gives its
// tokens back to the earlier ones.
func (l *Limiter) Admit(r Request) (Grant, error) {
	now := l.now()
	var g Grant
	var checks []throttleCheck
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.APIKeyRequired {
		var err error
		if g, err = l.grant(r); err != nil {
			return Grant{}, err
		}
		checks = l.planChecks(g, r)
		if q := g.Plan.Quota; q != nil {
			st := l.quota(g, now)
			if st.used >= q.Limit {
				return Grant{}, &check.Denial{Status: http.StatusTooManyRequests, Message: "Limit Exceeded", Type: "LimitExceededException", ResponseType: "QUOTA_EXCEEDED",
					By: fmt.Sprintf("usage plan %q", g.Plan.Name),
					Reason: fmt.Sprintf("key %q used its quota of %d per %s (offset %d) since %s; it resets at %s",
						g.Key.Name, q.Limit, q.Period, q.Offset, st.start.Format(time.RFC3339), q.periodEnd(st.start).Format(time.RFC3339))}
			}
		}
	}
	checks = append(checks, l.stageChecks(r)...)
	if l.account != nil {
		checks = append(checks, *l.account)
	}
	if err := take(checks, now); err != nil {
		return Grant{}, err
	}
	if g.Plan != nil && g.Plan.Quota != nil {
		l.quota(g, now).used++
	}
	return g, nil
}

// grant finds the request's key and the plan that covers its API stage.
func (l *Limiter) grant(r Request) (Grant, error) {
	value, where := r.HeaderKey, "header x-api-key"
	if r.KeySource == FromAuthorizer {
		value, where = r.AuthorizerKey, "the authorizer's usageIdentifierKey"
	}
	forbid := func(reason string) (Grant, error) {
		return Grant{}, &check.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "ForbiddenException", ResponseType: "INVALID_API_KEY", By: "API key check",
			Reason: fmt.Sprintf("%s %s requires an API key: %s", r.name(), r.APIID+"/"+r.Stage, reason)}
	}
	if value == "" {
		return forbid("none in " + where)
	}
	k := l.byValue[value]
	switch {
	case k == nil:
		return forbid("the key in " + where + " is not a known API key")
	case k.Disabled:
		return forbid(fmt.Sprintf("key %q is disabled", k.Name))
	}
	for _, p := range l.plans[k.ID] {
		if p.stage(r.APIID, r.Stage) != nil {
			return Grant{Key: k, Plan: p}, nil
		}
	}
	return forbid(fmt.Sprintf("key %q is in no usage plan for this stage", k.Name))
}

func (p *Plan) stage(apiID, stage string) *PlanStage {
	for i := range p.Stages {
		if p.Stages[i].APIID == apiID && p.Stages[i].Stage == stage {
			return &p.Stages[i]
		}
	}
	return nil
}

// planChecks are the plan's throttles for the granted key: one bucket per key on the method,
// then one per key across the plan.
func (l *Limiter) planChecks(g Grant, r Request) []throttleCheck {
	by := fmt.Sprintf("usage plan %q", g.Plan.Name)
	scope := "plan " + g.Plan.Name
	var out []throttleCheck
	m := r.method()
	if t, ok := g.Plan.stage(r.APIID, r.Stage).MethodThrottles[m.key]; ok {
		out = append(out, l.throttle(bucketID{scope, g.Key.ID, m}, t, by, "key "+g.Key.Name+" on "+r.name()))
	}
	if t := g.Plan.Throttle; t != nil {
		out = append(out, l.throttle(bucketID{scope, g.Key.ID, methodID{}}, *t, by, "key "+g.Key.Name))
	}
	return out
}

// stageChecks is the stage throttle of the request's method or route: its own setting, else the
// stage default, in a bucket of its own either way (see Stage).
func (l *Limiter) stageChecks(r Request) []throttleCheck {
	s := l.stages[r.APIID+"/"+r.Stage]
	if s == nil {
		return nil
	}
	m := r.method()
	t, own := s.MethodThrottles[m.key]
	what := s.unit() + " " + r.name()
	if !own {
		if s.Throttle == nil {
			return nil
		}
		t, what = *s.Throttle, what+", at the stage default per "+s.unit()
	}
	return []throttleCheck{l.throttle(bucketID{"stage", "", m}, t, "stage "+r.APIID+"/"+r.Stage, what)}
}

// method identifies the request's method or route.
func (r Request) method() methodID {
	return methodID{r.APIID, r.Stage, MethodKey(r.ResourcePath, r.Method)}
}

// name is the request's method or route as people write it: "GET /pets", "$connect".
func (r Request) name() string {
	return strings.TrimSpace(r.Method + " " + r.ResourcePath)
}

// throttle returns the bucket for id, creating it on first use. Callers hold l.mu.
func (l *Limiter) throttle(id bucketID, t Throttle, by, what string) throttleCheck {
	b, ok := l.buckets[id]
	if !ok {
		b = newBucket(t)
		l.buckets[id] = b
	}
	return throttleCheck{bucket: b, by: by, what: what, limit: t}
}

// quota returns the key's quota state for the current period. Callers hold l.mu.
func (l *Limiter) quota(g Grant, now time.Time) *quotaState {
	id := quotaID{g.Plan.Name, g.Key.ID}
	start := g.Plan.Quota.periodStart(now)
	st, ok := l.quotas[id]
	if !ok || !st.start.Equal(start) {
		st = &quotaState{start: start}
		l.quotas[id] = st
	}
	return st
}

// take takes one token from every bucket, or none: a refusal cancels the earlier reservations.
func take(checks []throttleCheck, now time.Time) error {
	reserved := make([]*rate.Reservation, 0, len(checks))
	for _, c := range checks {
		res := c.bucket.ReserveN(now, 1)
		if res.OK() && res.DelayFrom(now) == 0 {
			reserved = append(reserved, res)
			continue
		}
		if res.OK() {
			res.CancelAt(now)
		}
		for _, r := range reserved {
			r.CancelAt(now)
		}
		return &check.Denial{Status: http.StatusTooManyRequests, Message: "Too Many Requests", Type: "TooManyRequestsException", ResponseType: "THROTTLED", By: c.by,
			Reason: fmt.Sprintf("throttle for %s (rate %g/s, burst %d) exceeded", c.what, c.limit.RateLimit, c.limit.BurstLimit)}
	}
	return nil
}
