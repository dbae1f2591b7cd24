package authorizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
)

// response is a parsed authorizer answer.
type response struct {
	principalID string
	policy      *iam.Policy // nil for simple responses
	authorized  bool        // simple responses
	context     map[string]any
	usageKey    string
}

// parse reads the answer in the configured format.
func (a *Lambda) parse(out []byte) (*response, error) {
	var fields map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(out))
	d.UseNumber()
	if err := d.Decode(&fields); err != nil {
		return nil, fmt.Errorf("answer must be a JSON object: %w", err)
	}
	resp := &response{}
	var err error
	if resp.context, err = a.parseContext(fields["context"]); err != nil {
		return nil, err
	}
	if a.cfg.SimpleResponses {
		raw, ok := fields["isAuthorized"]
		if !ok || json.Unmarshal(raw, &resp.authorized) != nil {
			return nil, fmt.Errorf("a simple response needs a boolean isAuthorized, got %s", orNone(raw))
		}
		return resp, nil
	}
	if raw, ok := fields["principalId"]; !ok || json.Unmarshal(raw, &resp.principalID) != nil {
		return nil, fmt.Errorf("principalId must be a string, got %s", orNone(raw))
	}
	raw, ok := fields["policyDocument"]
	if !ok {
		return nil, fmt.Errorf("policyDocument is missing")
	}
	if resp.policy, err = iam.ParseAuthorizerPolicy(raw); err != nil {
		return nil, fmt.Errorf("policyDocument: %w", err)
	}
	if raw, ok := fields["usageIdentifierKey"]; ok && a.cfg.Protocol == REST {
		if err := json.Unmarshal(raw, &resp.usageKey); err != nil {
			return nil, fmt.Errorf("usageIdentifierKey must be a string, got %s", raw)
		}
	}
	return resp, nil
}

// parseContext reads the context map. Values must be strings, numbers or booleans; REST passes
// them to the integration as strings.
func (a *Lambda) parseContext(raw json.RawMessage) (map[string]any, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("context must be an object: %w", err)
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
		case json.Number:
			if a.cfg.Protocol == REST {
				m[k] = v.String()
			}
		case bool:
			if a.cfg.Protocol == REST {
				m[k] = fmt.Sprint(v)
			}
		default:
			if a.cfg.Protocol == REST || a.cfg.Protocol == WebSocket {
				return nil, fmt.Errorf("context value %q must be a string, number or boolean, got %s", k, strings.TrimSpace(fmt.Sprint(v)))
			}
		}
	}
	return m, nil
}

func orNone(raw json.RawMessage) string {
	if raw == nil {
		return "nothing"
	}
	return string(raw)
}

// decide evaluates the answer for the request's method ARN.
func (resp *response) decide(r *check.Request) iam.Decision {
	if resp.policy == nil {
		if resp.authorized {
			return iam.Decision{Effect: iam.Allow, Reason: "simple response isAuthorized: true"}
		}
		return iam.Decision{Effect: iam.ImplicitDeny, Reason: "simple response isAuthorized: false"}
	}
	d := resp.policy.Evaluate(r.PolicyRequest())
	d.Reason = "policy of principal " + resp.principalID + ": " + d.Reason
	return d
}
