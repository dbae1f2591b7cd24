package assembly

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// noValue stands for AWS::NoValue: the key or list element holding it is dropped.
type noValue struct{}

// Local stand-ins for the pseudo parameters of an account that does not exist.
const (
	DefaultAccount = "123456789012"
	DefaultRegion  = "us-east-1"
)

// resolver turns one template's intrinsic functions into local values. Names it cannot
// resolve become a visible placeholder and a warning naming the resource and property path.
type resolver struct {
	stack      *Stack
	template   *template
	earlier    *crossStack // the values stacks loaded before this one offer
	conditions map[string]bool
	evaluating map[string]bool
	warn       func(string)
	where      string // "Resource.Property" being resolved, for warnings
}

type template struct {
	Parameters map[string]struct {
		Type    string
		Default any
	}
	Mappings   map[string]map[string]map[string]any
	Conditions map[string]any
	Resources  map[string]struct {
		Type       string
		Properties map[string]any
		Metadata   map[string]any
		Condition  string
	}
	Outputs map[string]struct {
		Value  any
		Export struct{ Name any }
	}
}

// unresolvedPrefix starts the placeholder a value that cannot be resolved locally becomes.
const unresolvedPrefix = "<unresolved "

func (r *resolver) unresolved(what string) string {
	r.warn(fmt.Sprintf("stack %s: %s: cannot resolve %s locally", r.stack.Name, r.where, what))
	return unresolvedPrefix + what + ">"
}

// value resolves v recursively.
func (r *resolver) value(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") || k == "Condition" {
					return r.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if rv := r.value(e); rv != (noValue{}) {
				out[k] = rv
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if rv := r.value(e); rv != (noValue{}) {
				out = append(out, rv)
			}
		}
		return out
	default:
		return v
	}
}

func (r *resolver) intrinsic(name string, arg any) any {
	switch name {
	case "Ref":
		s, _ := arg.(string)
		return r.ref(s)
	case "Fn::GetAtt":
		var parts []string
		switch a := r.value(arg).(type) {
		case string:
			parts = strings.SplitN(a, ".", 2)
		case []any:
			for _, p := range a {
				parts = append(parts, fmt.Sprint(p))
			}
		}
		if len(parts) != 2 {
			return r.unresolved(fmt.Sprintf("Fn::GetAtt %v", arg))
		}
		return r.getAtt(parts[0], parts[1])
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return r.unresolved(fmt.Sprintf("Fn::Join %v", arg))
		}
		sep, _ := a[0].(string)
		list, ok := r.value(a[1]).([]any)
		if !ok {
			return r.unresolved(fmt.Sprintf("Fn::Join over %v", a[1]))
		}
		parts := make([]string, len(list))
		for i, p := range list {
			parts[i] = scalar(p)
		}
		return strings.Join(parts, sep)
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return r.unresolved(fmt.Sprintf("Fn::Select %v", arg))
		}
		i, err := strconv.Atoi(scalar(r.value(a[0])))
		list, ok := r.value(a[1]).([]any)
		if err != nil || !ok || i < 0 || i >= len(list) {
			return r.unresolved(fmt.Sprintf("Fn::Select %v", arg))
		}
		return list[i]
	case "Fn::Split":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return r.unresolved(fmt.Sprintf("Fn::Split %v", arg))
		}
		var out []any
		for _, s := range strings.Split(scalar(r.value(a[1])), scalar(a[0])) {
			out = append(out, s)
		}
		return out
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return r.unresolved(fmt.Sprintf("Fn::If %v", arg))
		}
		if r.condition(scalar(a[0])) {
			return r.value(a[1])
		}
		return r.value(a[2])
	case "Fn::FindInMap":
		a, ok := r.value(arg).([]any)
		if ok && len(a) >= 3 {
			if v, ok := r.template.Mappings[scalar(a[0])][scalar(a[1])][scalar(a[2])]; ok {
				return r.value(v)
			}
		}
		return r.unresolved(fmt.Sprintf("Fn::FindInMap %v", arg))
	case "Fn::GetAZs":
		region := r.stack.Region
		return []any{region + "a", region + "b", region + "c"}
	case "Fn::ImportValue":
		name := scalar(r.value(arg))
		if v, ok := r.earlier.exports[name]; ok {
			return v
		}
		return r.unresolved(fmt.Sprintf("Fn::ImportValue %q (no loaded stack exports it)", name))
	case "Fn::GetStackOutput":
		// {"StackName": ..., "OutputName": ..., "Region": ..., "RoleArn": ...}: an output of
		// another stack (AWS::CloudFormation intrinsic function reference, Fn::GetStackOutput).
		a, _ := r.value(arg).(map[string]any)
		stack, output := scalar(a["StackName"]), scalar(a["OutputName"])
		if v, ok := r.earlier.outputs[stack][output]; ok {
			return v
		}
		return r.unresolved(fmt.Sprintf("Fn::GetStackOutput %s.%s (no loaded stack has it)", stack, output))
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition":
		return r.boolean(map[string]any{name: arg})
	}
	return r.unresolved(name)
}

func (r *resolver) ref(name string) any {
	switch name {
	case "AWS::Region":
		return r.stack.Region
	case "AWS::AccountId":
		return r.stack.Account
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::StackName":
		return r.stack.Name
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/local", r.stack.Region, r.stack.Account, r.stack.Name)
	case "AWS::NoValue":
		return noValue{}
	case "AWS::NotificationARNs":
		return []any{}
	}
	if p, ok := r.template.Parameters[name]; ok {
		if p.Default == nil || strings.HasPrefix(p.Type, "AWS::SSM::") {
			return r.unresolved(fmt.Sprintf("Ref %q (parameter of type %s without a local default)", name, p.Type))
		}
		return p.Default
	}
	res, ok := r.template.Resources[name]
	if !ok {
		return r.unresolved(fmt.Sprintf("Ref %q (no such parameter or resource)", name))
	}
	return r.stack.physicalRef(name, res.Type)
}

var knownAtts = map[string]bool{"Arn": true, "RootResourceId": true, "RestApiId": true, "ApiId": true, "ApiEndpoint": true, "Version": true, "AliasArn": true, "FunctionArn": true}

func (r *resolver) getAtt(logical, attr string) any {
	res, ok := r.template.Resources[logical]
	if !ok {
		return r.unresolved(fmt.Sprintf("Fn::GetAtt %s.%s (no such resource)", logical, attr))
	}
	if v := r.stack.physicalAtt(logical, res.Type, attr); v != "" {
		return v
	}
	if !knownAtts[attr] {
		// An attribute the gateway never reads (a queue URL, a table stream): a stable local name.
		return "local-" + strings.ToLower(logical) + "-" + strings.ToLower(attr)
	}
	return r.unresolved(fmt.Sprintf("Fn::GetAtt %s.%s", logical, attr))
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *resolver) sub(arg any) any {
	var format string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return r.unresolved(fmt.Sprintf("Fn::Sub %v", arg))
		}
		format = scalar(a[0])
		if m, ok := r.value(a[1]).(map[string]any); ok {
			vars = m
		}
	default:
		return r.unresolved(fmt.Sprintf("Fn::Sub %v", arg))
	}
	return subVar.ReplaceAllStringFunc(format, func(m string) string {
		name := m[2 : len(m)-1]
		switch {
		case strings.HasPrefix(name, "!"):
			return "${" + name[1:] + "}"
		case strings.HasPrefix(name, "stageVariables."):
			return m // left for the gateway to fill per stage
		}
		if v, ok := vars[name]; ok {
			return scalar(v)
		}
		if logical, attr, ok := strings.Cut(name, "."); ok {
			return scalar(r.getAtt(logical, attr))
		}
		return scalar(r.ref(name))
	})
}

// condition evaluates a named condition once.
func (r *resolver) condition(name string) bool {
	if v, ok := r.conditions[name]; ok {
		return v
	}
	expr, ok := r.template.Conditions[name]
	if !ok || r.evaluating[name] {
		r.unresolved(fmt.Sprintf("condition %q", name))
		return false
	}
	r.evaluating[name] = true
	v := r.boolean(expr)
	r.conditions[name] = v
	return v
}

func (r *resolver) boolean(expr any) bool {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return scalar(expr) == "true"
	}
	for k, arg := range m {
		a, _ := arg.([]any)
		switch k {
		case "Condition":
			return r.condition(scalar(arg))
		case "Fn::Equals":
			if len(a) == 2 {
				return scalar(r.value(a[0])) == scalar(r.value(a[1]))
			}
		case "Fn::Not":
			if len(a) == 1 {
				return !r.boolean(a[0])
			}
		case "Fn::And":
			for _, e := range a {
				if !r.boolean(e) {
					return false
				}
			}
			return true
		case "Fn::Or":
			for _, e := range a {
				if r.boolean(e) {
					return true
				}
			}
			return false
		}
	}
	return scalar(r.value(expr)) == "true"
}

// scalar renders a resolved value as CloudFormation would inside a string.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// shortID is a stable 10-character lower-case id, the shape of an API Gateway id.
func shortID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	id := make([]byte, 10)
	for i := range id {
		id[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(id)
}
