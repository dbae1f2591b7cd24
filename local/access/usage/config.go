// Package usage enforces API keys, usage plans (throttles and quotas), and stage, method and
// account throttles as API Gateway does, with an injectable clock so quota periods can be tested.
package usage

import (
	"fmt"
	"time"
)

// Throttle is a token bucket: RateLimit requests per second on average, bursts of BurstLimit.
type Throttle struct {
	RateLimit  float64
	BurstLimit int
}

// Period is a quota period.
type Period string

// The quota periods API Gateway supports.
const (
	Day   Period = "DAY"
	Week  Period = "WEEK"
	Month Period = "MONTH"
)

// Quota is the number of requests a key may make per period. Offset shifts the period start: for
// WEEK 0 is Sunday and 6 Saturday; for MONTH 0 is the 1st and 27 the 28th; DAY allows only 0.
// Periods start at midnight UTC.
type Quota struct {
	Limit  int
	Period Period
	Offset int
}

// Plan is a usage plan (AWS::ApiGateway::UsagePlan with its UsagePlanKeys). Its throttle and
// quota count each key separately, over every method of every stage the plan covers:
// "Throttling and quota limits apply to requests for individual API keys that are aggregated
// across all API stages within a usage plan." (AWS, "Creating and Using Usage Plans with API
// Keys"). A per-method throttle counts each key on that method of that stage.
type Plan struct {
	Name     string
	Throttle *Throttle // Default: no plan throttle
	Quota    *Quota    // Default: no quota
	Stages   []PlanStage
	// KeyIDs are the IDs of the keys in the plan.
	KeyIDs []string
}

// PlanStage is an API stage a plan covers, with the plan's per-method throttles for it.
type PlanStage struct {
	APIID string
	Stage string
	// MethodThrottles is keyed "/path/METHOD", e.g. "/pets/{id}/GET" (root: "//GET").
	MethodThrottles map[string]Throttle
}

// Key is an API key.
type Key struct {
	ID       string
	Name     string
	Value    string // 20 to 128 characters
	Disabled bool
}

// Stage holds a stage's throttles, shared by all clients. Each method (REST) or route (HTTP,
// WebSocket) has its own token bucket: the stage default is the limit of every method or route
// that has no setting of its own, not one bucket they share. "Per-API, per-stage throttling
// limits are applied at the API method level for a stage. You can configure the same settings
// for all methods, or configure different throttle settings for each method." (AWS, "Throttle
// requests to your REST APIs for better throughput in API Gateway", How throttling limit
// settings are applied). HTTP and WebSocket stages have "default route throttling limits" and
// "route-level throttling ... for a specific stage or for individual routes" (AWS, "Throttling
// requests to your HTTP API" and "Protecting your WebSocket API", Route-level throttling).
type Stage struct {
	APIID    string
	Stage    string
	Throttle *Throttle // the stage default (REST "/*/*" method settings, v2 DefaultRouteSettings)
	// MethodThrottles is keyed "/path/METHOD"; a method's entry replaces the stage default.
	MethodThrottles map[string]Throttle
	// Routes marks an HTTP or WebSocket stage, whose throttles are per route (REST: per method).
	Routes bool
}

// unit is what the stage's throttles count separately: "method" or "route".
func (s *Stage) unit() string {
	if s.Routes {
		return "route"
	}
	return "method"
}

// Config is everything the limiter enforces.
type Config struct {
	Plans  []Plan
	Keys   []Key
	Stages []Stage
	// Account is the account-level throttle shared by every API. Default: none.
	Account *Throttle
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

func (c *Config) validate() error {
	keys := map[string]bool{}
	values := map[string]string{}
	for _, k := range c.Keys {
		if n := len(k.Value); n < 20 || n > 128 {
			return fmt.Errorf("API key %q: value must be 20 to 128 characters, got %d", k.ID, n)
		}
		if other, dup := values[k.Value]; dup {
			return fmt.Errorf("API keys %q and %q have the same value", other, k.ID)
		}
		values[k.Value], keys[k.ID] = k.ID, true
	}
	plans := map[string]bool{}
	keyStage := map[string]string{} // key ID + API stage -> plan, for the one-plan-per-stage rule
	for _, p := range c.Plans {
		if plans[p.Name] {
			return fmt.Errorf("usage plan %q is defined twice", p.Name)
		}
		plans[p.Name] = true
		if err := p.Throttle.validate(); err != nil {
			return fmt.Errorf("usage plan %q: %w", p.Name, err)
		}
		if err := p.Quota.validate(); err != nil {
			return fmt.Errorf("usage plan %q: %w", p.Name, err)
		}
		for _, s := range p.Stages {
			for m, t := range s.MethodThrottles {
				if err := t.validate(); err != nil {
					return fmt.Errorf("usage plan %q method %q: %w", p.Name, m, err)
				}
			}
		}
		for _, id := range p.KeyIDs {
			if !keys[id] {
				return fmt.Errorf("usage plan %q names API key %q, which is not defined", p.Name, id)
			}
			for _, s := range p.Stages {
				ks := id + " " + s.APIID + "/" + s.Stage
				if other, dup := keyStage[ks]; dup {
					return fmt.Errorf("API key %q is in usage plans %q and %q for stage %s/%s; a key may be in one plan per stage", id, other, p.Name, s.APIID, s.Stage)
				}
				keyStage[ks] = p.Name
			}
		}
	}
	for _, s := range c.Stages {
		if err := s.Throttle.validate(); err != nil {
			return fmt.Errorf("stage %s/%s: %w", s.APIID, s.Stage, err)
		}
		for m, t := range s.MethodThrottles {
			if err := t.validate(); err != nil {
				return fmt.Errorf("stage %s/%s method %q: %w", s.APIID, s.Stage, m, err)
			}
		}
	}
	return c.Account.validate()
}

func (t *Throttle) validate() error {
	if t != nil && (t.RateLimit < 0 || t.BurstLimit < 0) {
		return fmt.Errorf("throttle rate and burst must not be negative, got rate %v burst %d", t.RateLimit, t.BurstLimit)
	}
	return nil
}

func (q *Quota) validate() error {
	if q == nil {
		return nil
	}
	if q.Limit < 0 {
		return fmt.Errorf("quota limit must not be negative, got %d", q.Limit)
	}
	max := map[Period]int{Day: 0, Week: 6, Month: 27}
	m, ok := max[q.Period]
	switch {
	case !ok:
		return fmt.Errorf("quota period must be DAY, WEEK or MONTH, got %q", q.Period)
	case q.Offset < 0 || q.Offset > m:
		return fmt.Errorf("quota offset for %s must be 0 to %d, got %d", q.Period, m, q.Offset)
	}
	return nil
}

// periodStart is the start of the quota period containing t.
func (q *Quota) periodStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch q.Period {
	case Week:
		back := (int(day.Weekday()) - q.Offset + 7) % 7
		return day.AddDate(0, 0, -back)
	case Month:
		start := time.Date(t.Year(), t.Month(), 1+q.Offset, 0, 0, 0, 0, time.UTC)
		if start.After(t) {
			start = start.AddDate(0, -1, 0)
		}
		return start
	default:
		return day
	}
}

// periodEnd is the start of the next period.
func (q *Quota) periodEnd(start time.Time) time.Time {
	switch q.Period {
	case Week:
		return start.AddDate(0, 0, 7)
	case Month:
		return start.AddDate(0, 1, 0)
	default:
		return start.AddDate(0, 0, 1)
	}
}

// MethodKey is the "/path/METHOD" key of per-method throttles ("//GET" for the root resource).
func MethodKey(resourcePath, method string) string {
	return resourcePath + "/" + method
}
