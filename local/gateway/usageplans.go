package gateway

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/portico-dev/portico/local/access/usage"
	"github.com/portico-dev/portico/local/assembly"
)

// usageConfig reads API keys, usage plans and stage throttles from the templates. Keys without
// a Value get a local value derived from the stack and logical ID (the cloud generates one), so
// it stays the same between runs; they are printed at start-up.
func usageConfig(asm *assembly.Assembly) (usage.Config, error) {
	var cfg usage.Config
	planNames := map[string]bool{}
	webSocket := map[string]bool{} // API ids
	for _, a := range asm.WebSocketAPIs {
		webSocket[a.ID] = true
	}
	for _, st := range asm.Stacks {
		for _, id := range sortedKeys(st.Resources) {
			r := st.Resources[id]
			switch r.Type {
			case "AWS::ApiGateway::ApiKey":
				k := usage.Key{ID: st.Name + "/" + id, Name: r.String("Name"), Value: r.String("Value")}
				if k.Name == "" {
					k.Name = id
				}
				if k.Value == "" {
					sum := sha256.Sum256([]byte("portico local API key/" + st.Name + "/" + id))
					k.Value = base64.RawURLEncoding.EncodeToString(sum[:30]) // 40 characters
				}
				if enabled, ok := r.Properties["Enabled"].(bool); ok && !enabled {
					k.Disabled = true
				}
				cfg.Keys = append(cfg.Keys, k)
			case "AWS::ApiGateway::UsagePlan":
				p, err := plan(st, r)
				if err != nil {
					return cfg, err
				}
				if planNames[p.Name] {
					p.Name = st.Name + "/" + p.Name
				}
				planNames[p.Name] = true
				cfg.Plans = append(cfg.Plans, p)
			case "AWS::ApiGateway::Stage":
				s, err := restStageThrottles(r)
				if err != nil {
					return cfg, fmt.Errorf("stack %s stage %s: %w", st.Name, id, err)
				}
				if s != nil {
					cfg.Stages = append(cfg.Stages, *s)
				}
			case "AWS::ApiGatewayV2::Stage":
				if s := v2StageThrottles(r, webSocket[r.RestAPIID()]); s != nil {
					cfg.Stages = append(cfg.Stages, *s)
				}
			}
		}
	}
	return cfg, nil
}

func plan(st *assembly.Stack, r *assembly.Resource) (usage.Plan, error) {
	p := usage.Plan{Name: r.String("UsagePlanName"), Throttle: throttle(r.Properties["Throttle"], "BurstLimit", "RateLimit")}
	if p.Name == "" {
		p.Name = r.LogicalID
	}
	if q, ok := r.Properties["Quota"].(map[string]any); ok {
		limit, _ := number(q["Limit"])
		offset, _ := number(q["Offset"])
		period, _ := q["Period"].(string)
		p.Quota = &usage.Quota{Limit: limit, Period: usage.Period(period), Offset: offset}
	}
	stages, _ := r.Properties["ApiStages"].([]any)
	for _, e := range stages {
		m, _ := e.(map[string]any)
		ps := usage.PlanStage{APIID: fmt.Sprint(m["ApiId"]), Stage: stageName(st, fmt.Sprint(m["Stage"]))}
		if ts, ok := m["Throttle"].(map[string]any); ok {
			ps.MethodThrottles = map[string]usage.Throttle{}
			for k, v := range ts {
				if t := throttle(v, "BurstLimit", "RateLimit"); t != nil {
					ps.MethodThrottles[k] = *t
				}
			}
		}
		p.Stages = append(p.Stages, ps)
	}
	for _, id := range sortedKeys(st.Resources) {
		k := st.Resources[id]
		if k.Type == "AWS::ApiGateway::UsagePlanKey" && k.String("UsagePlanId") == r.LogicalID {
			if kt := k.String("KeyType"); kt != "API_KEY" {
				return p, fmt.Errorf("usage plan %s: key type %q is not emulated (only API_KEY)", p.Name, kt)
			}
			p.KeyIDs = append(p.KeyIDs, st.Name+"/"+k.String("KeyId"))
		}
	}
	return p, nil
}

// stageName maps a Ref of a REST or v2 (WebSocket) Stage resource, its logical ID locally, to
// the stage name; a literal stage name passes unchanged.
func stageName(st *assembly.Stack, ref string) string {
	if r, ok := st.Resources[ref]; ok && (r.Type == "AWS::ApiGateway::Stage" || r.Type == "AWS::ApiGatewayV2::Stage") {
		return r.String("StageName")
	}
	return ref
}

// Account-level defaults stand in for the half of a throttle a setting leaves out.
const (
	accountRate  = 10000
	accountBurst = 5000
)

func throttle(v any, burstKey, rateKey string) *usage.Throttle {
	m, _ := v.(map[string]any)
	burst, hasBurst := number(m[burstKey])
	rate, hasRate := m[rateKey].(float64)
	if r, ok := number(m[rateKey]); ok && !hasRate {
		rate, hasRate = float64(r), true
	}
	if !hasBurst && !hasRate {
		return nil
	}
	if !hasBurst {
		burst = accountBurst
	}
	if !hasRate {
		rate = accountRate
	}
	return &usage.Throttle{RateLimit: rate, BurstLimit: burst}
}

// restStageThrottles reads MethodSettings: "/*" "*" is the stage default, a resource path
// (slashes encoded as ~1) with a method is that method's throttle.
func restStageThrottles(r *assembly.Resource) (*usage.Stage, error) {
	s := &usage.Stage{APIID: r.RestAPIID(), Stage: r.String("StageName"), MethodThrottles: map[string]usage.Throttle{}}
	settings, _ := r.Properties["MethodSettings"].([]any)
	for _, e := range settings {
		t := throttle(e, "ThrottlingBurstLimit", "ThrottlingRateLimit")
		if t == nil {
			continue
		}
		m, _ := e.(map[string]any)
		path, _ := m["ResourcePath"].(string)
		method, _ := m["HttpMethod"].(string)
		switch {
		case path == "/*" && method == "*":
			s.Throttle = t
		case path != "/*" && method != "*":
			s.MethodThrottles[usage.MethodKey(strings.ReplaceAll(strings.TrimPrefix(path, "/"), "~1", "/"), method)] = *t
		default:
			return nil, fmt.Errorf("method setting %q %q: throttles for all methods of one path (or one method of all paths) are not emulated", path, method)
		}
	}
	if s.Throttle == nil && len(s.MethodThrottles) == 0 {
		return nil, nil
	}
	return s, nil
}

// v2StageThrottles reads DefaultRouteSettings and RouteSettings, keyed by route key: an HTTP
// API's "GET /path" (or "$default") as method and path, a WebSocket API's key whole.
func v2StageThrottles(r *assembly.Resource, webSocket bool) *usage.Stage {
	s := &usage.Stage{APIID: r.RestAPIID(), Stage: r.String("StageName"), MethodThrottles: map[string]usage.Throttle{},
		Throttle: throttle(r.Properties["DefaultRouteSettings"], "ThrottlingBurstLimit", "ThrottlingRateLimit")}
	routes, _ := r.Properties["RouteSettings"].(map[string]any)
	for _, key := range slices.Sorted(maps.Keys(routes)) {
		if t := throttle(routes[key], "ThrottlingBurstLimit", "ThrottlingRateLimit"); t != nil {
			method, path, _ := strings.Cut(key, " ") // "$default" has no path
			if webSocket {
				method, path = key, ""
			}
			s.MethodThrottles[usage.MethodKey(path, method)] = *t
		}
	}
	if s.Throttle == nil && len(s.MethodThrottles) == 0 {
		return nil
	}
	return s
}

func number(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case int:
		return x, true
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	}
	return 0, false
}

func jsonBytes(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("resource policy: %w", err)
	}
	return b, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
