package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// MaxResourcePolicySize is API Gateway's limit on a REST API resource policy, in characters of
// compact JSON.
const MaxResourcePolicySize = 8192

// Scope is the API a resource policy belongs to: the short form "execute-api:/stage/METHOD/path"
// expands to "arn:{Partition}:execute-api:{Region}:{Account}:{APIID}/stage/METHOD/path".
type Scope struct {
	Partition string // Default: "aws"
	Region    string
	Account   string
	APIID     string
}

// ARN is the execute-api ARN of a path of the API: "/stage/METHOD/path" gives
// arn:{Partition}:execute-api:{Region}:{Account}:{APIID}/stage/METHOD/path.
func (s Scope) ARN(path string) string {
	partition := s.Partition
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":execute-api:" + s.Region + ":" + s.Account + ":" + s.APIID + path
}

// Policy is a parsed IAM policy document, ready to evaluate.
type Policy struct {
	// name names an identity-based policy in explanations ("" for resource and authorizer
	// policies, which are the only one of their kind).
	name       string
	statements []statement
}

type statement struct {
	label       string // `Sid "X" (#i)` or `#i`, for explanations
	allow       bool
	principals  *principals // nil: no Principal element (authorizer policies)
	actions     []string    // lower-cased patterns
	notAction   bool
	resources   []arnPattern
	notResource bool
	conditions  []condition
}

type principals struct {
	any      bool
	arns     []string
	accounts []string
}

var accountID = regexp.MustCompile(`^\d{12}$`)

// ParseResourcePolicy parses an API Gateway resource policy (the Policy property of
// AWS::ApiGateway::RestApi, as JSON). Each statement needs a Principal; short-form resources are
// expanded against scope. Unsupported elements, operators and keys are errors that name them.
func ParseResourcePolicy(doc []byte, scope Scope) (*Policy, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		return nil, fmt.Errorf("resource policy is not valid JSON: %w", err)
	}
	if compact.Len() > MaxResourcePolicySize {
		return nil, fmt.Errorf("resource policy is %d characters, API Gateway allows at most %d", compact.Len(), MaxResourcePolicySize)
	}
	return parse(doc, &scope, false)
}

// ParseAuthorizerPolicy parses the policyDocument returned by a Lambda authorizer: an identity
// policy, so resources are full ARNs and a Principal element, if any, is ignored.
func ParseAuthorizerPolicy(doc []byte) (*Policy, error) {
	return parse(doc, nil, false)
}

// ParseIdentityPolicy parses an identity-based policy (a role's inline or managed policy):
// resources are full ARNs and a Principal element is an error, as IAM refuses one there. name
// names the policy in explanations.
func ParseIdentityPolicy(name string, doc []byte) (*Policy, error) {
	p, err := parse(doc, nil, true)
	if err != nil {
		return nil, err
	}
	p.name = name
	return p, nil
}

// parse reads a policy document; scope is set for resource policies, identity for
// identity-based policies.
func parse(doc []byte, scope *Scope, identity bool) (*Policy, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("policy must be a JSON object: %w", err)
	}
	for k := range top {
		if k != "Version" && k != "Statement" && k != "Id" {
			return nil, fmt.Errorf("policy element %q is not supported (allowed: Version, Id, Statement)", k)
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, fmt.Errorf("policy has no Statement")
	}
	var list []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("policy Statement: %w", err)
		}
	} else {
		list = []json.RawMessage{raw}
	}
	p := &Policy{statements: make([]statement, 0, len(list))}
	for i, r := range list {
		s, err := parseStatement(r, i, scope, identity)
		if err != nil {
			return nil, fmt.Errorf("statement #%d: %w", i, err)
		}
		p.statements = append(p.statements, s)
	}
	return p, nil
}

func parseStatement(raw json.RawMessage, index int, scope *Scope, identity bool) (statement, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return statement{}, fmt.Errorf("statement must be a JSON object: %w", err)
	}
	s := statement{label: "#" + strconv.Itoa(index)}
	for k, v := range fields {
		var err error
		switch k {
		case "Sid":
			var sid string
			if err = json.Unmarshal(v, &sid); err == nil && sid != "" {
				s.label = fmt.Sprintf("%s (Sid %q)", s.label, sid)
			}
		case "Effect":
			var e string
			if err = json.Unmarshal(v, &e); err == nil {
				switch e {
				case "Allow":
					s.allow = true
				case "Deny":
				default:
					err = fmt.Errorf("Effect must be \"Allow\" or \"Deny\", got %q", e)
				}
			}
		case "Principal":
			switch {
			case identity:
				err = errors.New("an identity-based policy cannot name a Principal (it applies to the identity it is attached to)")
			case scope != nil:
				s.principals, err = parsePrincipal(v)
			}
		case "Action", "NotAction":
			s.notAction = k == "NotAction"
			s.actions, err = stringOrList(v)
			for i := range s.actions {
				s.actions[i] = strings.ToLower(s.actions[i])
			}
		case "Resource", "NotResource":
			s.notResource = k == "NotResource"
			var rs []string
			if rs, err = stringOrList(v); err == nil {
				s.resources, err = parseResources(rs, scope)
			}
		case "Condition":
			s.conditions, err = parseConditions(v)
		default:
			err = fmt.Errorf("element %q is not supported (allowed: Sid, Effect, Principal, Action, NotAction, Resource, NotResource, Condition)", k)
		}
		if err != nil {
			return statement{}, fmt.Errorf("%s: %w", k, err)
		}
	}
	switch {
	case fields["Action"] != nil && fields["NotAction"] != nil:
		return statement{}, errors.New("a statement cannot have both Action and NotAction")
	case fields["Resource"] != nil && fields["NotResource"] != nil:
		return statement{}, errors.New("a statement cannot have both Resource and NotResource")
	case fields["Effect"] == nil:
		return statement{}, errors.New("the statement has no Effect")
	case s.actions == nil:
		return statement{}, errors.New("the statement has no Action (or NotAction)")
	case s.resources == nil:
		return statement{}, errors.New("the statement has no Resource (or NotResource)")
	case scope != nil && s.principals == nil:
		return statement{}, errors.New("the statement has no Principal (a resource policy statement must name one)")
	}
	return s, nil
}

func parsePrincipal(raw json.RawMessage) (*principals, error) {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return nil, fmt.Errorf("must be \"*\" or {\"AWS\": ...}, got %q", star)
		}
		return &principals{any: true}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("must be \"*\" or {\"AWS\": ...}: %w", err)
	}
	p := &principals{}
	for k, v := range m {
		if k != "AWS" {
			return nil, fmt.Errorf("principal type %q is not supported (allowed: AWS)", k)
		}
		ids, err := stringOrList(v)
		if err != nil {
			return nil, fmt.Errorf("AWS: %w", err)
		}
		for _, id := range ids {
			switch {
			case id == "*":
				p.any = true
			case accountID.MatchString(id):
				p.accounts = append(p.accounts, id)
			case strings.HasPrefix(id, "arn:") && strings.HasSuffix(id, ":root"):
				p.accounts = append(p.accounts, arnAccount(id))
			case strings.HasPrefix(id, "arn:"):
				p.arns = append(p.arns, id)
			default:
				return nil, fmt.Errorf("AWS principal must be \"*\", a 12-digit account ID or an ARN, got %q", id)
			}
		}
	}
	return p, nil
}

// arnAccount is the account field of an ARN ("" if it has none).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

func parseResources(rs []string, scope *Scope) ([]arnPattern, error) {
	out := make([]arnPattern, 0, len(rs))
	for _, r := range rs {
		switch {
		case r == "*" || strings.HasPrefix(r, "arn:"):
		case scope != nil && strings.HasPrefix(r, "execute-api:/"):
			r = scope.ARN(strings.TrimPrefix(r, "execute-api:"))
		default:
			allowed := `"*" or an ARN`
			if scope != nil {
				allowed = `"*", an ARN or "execute-api:/stage/METHOD/path"`
			}
			return nil, fmt.Errorf("resource must be %s, got %q", allowed, r)
		}
		out = append(out, newARNPattern(r))
	}
	return out, nil
}

// stringOrList decodes an IAM element that may be one string or a list of strings.
func stringOrList(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, fmt.Errorf("must be a string or a non-empty list of strings, got %s", raw)
	}
	return many, nil
}

// scalarOrList decodes condition values, which IAM accepts as strings, booleans or numbers.
func scalarOrList(raw json.RawMessage) ([]string, error) {
	var vs []any
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if err := json.Unmarshal(raw, &vs); err != nil {
			return nil, err
		}
	} else {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		vs = []any{v}
	}
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		switch v := v.(type) {
		case string:
			if strings.Contains(v, "${") {
				return nil, fmt.Errorf("policy variables are not supported, got %q", v)
			}
			out = append(out, v)
		case bool:
			out = append(out, strconv.FormatBool(v))
		case float64:
			out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		default:
			return nil, fmt.Errorf("condition values must be strings, booleans or numbers, got %s", raw)
		}
	}
	return out, nil
}

// sortedKeys gives conditions a stable order, so explanations do not change between runs.

// parseIP accepts a CIDR or a single address (a /32 or /128), as IpAddress does.
func parseIP(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR block: %w", v, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block: %w", v, err)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
