package access

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/portico-dev/portico/local/access/usage"
	"github.com/portico-dev/portico/local/assembly"
)

// usageConfig turns the assembly's API keys, usage plans and stage throttles into what the
// limiter enforces. Keys without a Value get a local value derived from the stack and logical ID
// (the cloud generates one), so it stays the same between runs; they are printed at start-up.
func usageConfig(asm *assembly.Assembly) (usage.Config, error) {
	var cfg usage.Config
	for _, k := range asm.APIKeys {
		key := usage.Key{ID: k.ID(), Name: k.Name, Value: k.Value, Disabled: !k.Enabled}
		if key.Value == "" {
			sum := sha256.Sum256([]byte("portico local API key/" + k.Stack + "/" + k.LogicalID))
			key.Value = base64.RawURLEncoding.EncodeToString(sum[:30]) // 40 characters
		}
		cfg.Keys = append(cfg.Keys, key)
	}
	planNames := map[string]bool{}
	for _, p := range asm.UsagePlans {
		plan := usage.Plan{Name: p.Name, Throttle: throttle(p.Throttle)}
		if planNames[plan.Name] {
			plan.Name = p.Stack + "/" + plan.Name
		}
		planNames[plan.Name] = true
		if q := p.Quota; q != nil {
			plan.Quota = &usage.Quota{Limit: q.Limit, Period: usage.Period(q.Period), Offset: q.Offset}
		}
		for _, s := range p.Stages {
			ps := usage.PlanStage{APIID: s.APIID, Stage: s.Stage}
			for k, t := range s.MethodThrottles {
				if ps.MethodThrottles == nil {
					ps.MethodThrottles = map[string]usage.Throttle{}
				}
				ps.MethodThrottles[k] = *throttle(&t)
			}
			plan.Stages = append(plan.Stages, ps)
		}
		for _, k := range p.Keys {
			if k.KeyType != "API_KEY" {
				return cfg, fmt.Errorf("usage plan %s: key type %q is not emulated (only API_KEY)", plan.Name, k.KeyType)
			}
			plan.KeyIDs = append(plan.KeyIDs, k.KeyID)
		}
		cfg.Plans = append(cfg.Plans, plan)
	}
	for _, api := range asm.RestAPIs {
		for _, st := range api.Stages {
			s, err := restStageThrottles(api.ID, st)
			if err != nil {
				return cfg, fmt.Errorf("stack %s stage %s: %w", api.Stack, st.LogicalID, err)
			}
			if s != nil {
				cfg.Stages = append(cfg.Stages, *s)
			}
		}
	}
	for _, api := range append(append([]*assembly.V2API(nil), asm.HTTPAPIs...), asm.WebSocketAPIs...) {
		for _, st := range api.Stages {
			if s := v2StageThrottles(api, st); s != nil {
				cfg.Stages = append(cfg.Stages, *s)
			}
		}
	}
	return cfg, nil
}

// Account-level defaults stand in for the half of a throttle a setting leaves out.
const (
	accountRate  = 10000
	accountBurst = 5000
)

func throttle(t *assembly.Throttle) *usage.Throttle {
	if t == nil {
		return nil
	}
	out := &usage.Throttle{RateLimit: accountRate, BurstLimit: accountBurst}
	if t.RateLimit != nil {
		out.RateLimit = *t.RateLimit
	}
	if t.BurstLimit != nil {
		out.BurstLimit = *t.BurstLimit
	}
	return out
}

// restStageThrottles reads MethodSettings: "/*" "*" is the stage default, which every method
// gets separately, a resource path (slashes encoded as ~1) with a method is that method's
// throttle (see usage.Stage).
func restStageThrottles(apiID string, st *assembly.Stage) (*usage.Stage, error) {
	s := &usage.Stage{APIID: apiID, Stage: st.Name, MethodThrottles: map[string]usage.Throttle{}}
	for _, m := range st.MethodSettings {
		t := throttle(&m.Throttle)
		switch {
		case m.ResourcePath == "/*" && m.HTTPMethod == "*":
			s.Throttle = t
		case m.ResourcePath != "/*" && m.HTTPMethod != "*":
			s.MethodThrottles[usage.MethodKey(strings.ReplaceAll(strings.TrimPrefix(m.ResourcePath, "/"), "~1", "/"), m.HTTPMethod)] = *t
		default:
			return nil, fmt.Errorf("method setting %q %q: throttles for all methods of one path (or one method of all paths) are not emulated", m.ResourcePath, m.HTTPMethod)
		}
	}
	if s.Throttle == nil && len(s.MethodThrottles) == 0 {
		return nil, nil
	}
	return s, nil
}

// v2StageThrottles reads DefaultRouteSettings, which every route gets separately, and
// RouteSettings, keyed by route key: an HTTP API's "GET /path" (or "$default") as method and
// path, a WebSocket API's key whole (see usage.Stage).
func v2StageThrottles(api *assembly.V2API, st *assembly.Stage) *usage.Stage {
	s := &usage.Stage{APIID: api.ID, Stage: st.Name, MethodThrottles: map[string]usage.Throttle{}, Throttle: throttle(st.DefaultRouteThrottle), Routes: true}
	for key, t := range st.RouteThrottles {
		method, path, _ := strings.Cut(key, " ") // "$default" has no path
		if api.ProtocolType == "WEBSOCKET" {
			method, path = key, ""
		}
		s.MethodThrottles[usage.MethodKey(path, method)] = *throttle(&t)
	}
	if s.Throttle == nil && len(s.MethodThrottles) == 0 {
		return nil
	}
	return s
}
