package nag

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
)

// stackModel is the part of a stack the rules read, with every value resolved and references
// flattened to strings (see flat), so rules are plain Go.
type stackModel struct {
	stages      []stageModel
	methods     []methodModel
	plans       []planStage
	permissions []permissionModel
	aliases     map[string]string // «AliasLogicalId» -> "«Fn»:name"
	stack       awscdk.Stack
}

type apiModel struct {
	id         string // «LogicalId»
	private    bool
	statements []map[string]any
}

type stageModel struct {
	api, ref, name string
	vars           map[string]string
}

type methodModel struct {
	api, uri     string
	method, path string // for findings; path is "" when it cannot be resolved
	auth         string // AuthorizationType: NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS
	apiKey       bool
}

type planStage struct{ api, stage string }

type permissionModel struct{ function, source string }

func newStackModel(stack awscdk.Stack) *stackModel {
	s := &stackModel{stack: stack, aliases: map[string]string{}}
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if !*awscdk.CfnResource_IsCfnResource(c) {
			continue
		}
		switch r := c.(type) {
		case awsapigateway.CfnStage:
			st := stageModel{api: s.flat(r.RestApiId()), ref: s.flat(r.Ref()), name: s.flat(r.StageName()), vars: map[string]string{}}
			if v, ok := s.resolve(r.Variables()).(map[string]any); ok {
				for k, val := range v {
					st.vars[k] = s.flatResolved(val)
				}
			}
			s.stages = append(s.stages, st)
		case awsapigateway.CfnMethod:
			m := methodModel{api: s.flat(r.RestApiId()), method: s.flat(r.HttpMethod()), path: s.resourcePath(r), auth: s.flat(r.AuthorizationType()), apiKey: truthy(s.resolve(r.ApiKeyRequired()))}
			if integ, ok := s.resolve(r.Integration()).(map[string]any); ok {
				m.uri = s.flatResolved(get(integ, "uri"))
			}
			s.methods = append(s.methods, m)
		case awsapigateway.CfnUsagePlan:
			stages, _ := s.resolve(r.ApiStages()).([]any)
			for _, st := range stages {
				if m, ok := st.(map[string]any); ok {
					s.plans = append(s.plans, planStage{api: s.flatResolved(get(m, "apiId")), stage: s.flatResolved(get(m, "stage"))})
				}
			}
		case awslambda.CfnPermission:
			s.permissions = append(s.permissions, permissionModel{function: s.flat(r.FunctionName()), source: s.flat(r.SourceArn())})
		case awslambda.CfnAlias:
			s.aliases[s.flat(r.Ref())] = s.flat(r.FunctionName()) + ":" + s.flat(r.Name())
		}
	}
	return s
}

// resourcePath is the path of a method made by an L2 awsapigateway.Method, else its
// ResourceId reference.
func (s *stackModel) resourcePath(m awsapigateway.CfnMethod) string {
	if l2, ok := m.Node().Scope().(awsapigateway.Method); ok {
		return *l2.Resource().Path()
	}
	return s.flat(m.ResourceId())
}

func (s *stackModel) api(r awsapigateway.CfnRestApi) *apiModel {
	m := &apiModel{id: s.flat(r.Ref())}
	if ec, ok := s.resolve(r.EndpointConfiguration()).(map[string]any); ok {
		types, _ := get(ec, "types").([]any)
		for _, t := range types {
			if t == "PRIVATE" {
				m.private = true
			}
		}
	}
	pol := s.resolve(r.Policy())
	if str, ok := pol.(string); ok { // a policy may be given as a JSON string
		_ = json.Unmarshal([]byte(str), &pol)
	}
	if doc, ok := pol.(map[string]any); ok {
		switch st := get(doc, "statement").(type) {
		case []any:
			for _, x := range st {
				if m2, ok := x.(map[string]any); ok {
					m.statements = append(m.statements, m2)
				}
			}
		case map[string]any:
			m.statements = append(m.statements, st)
		}
	}
	return m
}

func (s *stackModel) resolve(v any) any {
	if v == nil {
		return nil
	}
	return s.stack.Resolve(v)
}

func (s *stackModel) flat(v any) string { return s.flatResolved(s.resolve(v)) }

// flatResolved turns a resolved value into one string: references to a resource (Ref, or
// GetAtt of its Arn) become «LogicalId», Fn::Join is joined, anything else is its JSON in «».
func (s *stackModel) flatResolved(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok && len(x) == 1 {
			return "«" + ref + "»"
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 && ga[1] == "Arn" {
			return "«" + s.flatResolved(ga[0]) + "»"
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]any)
			var out []string
			for _, p := range parts {
				out = append(out, s.flatResolved(p))
			}
			return strings.Join(out, sep)
		}
	}
	b, _ := json.Marshal(v)
	return "«" + string(b) + "»"
}

// get reads a key in either case style: L1 values resolve with camelCase keys, raw JSON
// (policies, overrides) has PascalCase ones.
func get(m map[string]any, key string) any {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// verdict is a rule's result for one API.
type verdict int

const (
	notApplicable verdict = iota
	compliant
	nonCompliant
)

func truthy(v any) bool { return v == true || v == "true" }

func (s *stackModel) stagesOf(api *apiModel) []stageModel {
	var out []stageModel
	for _, st := range s.stages {
		if st.api == api.id {
			out = append(out, st)
		}
	}
	return out
}

// conditionKeys lists the condition operators and keys of a statement, lower-cased.
func conditionKeys(st map[string]any) (ops map[string][]string) {
	ops = map[string][]string{}
	cond, _ := get(st, "condition").(map[string]any)
	for op, block := range cond {
		if b, ok := block.(map[string]any); ok {
			for k := range b {
				ops[strings.ToLower(op)] = append(ops[strings.ToLower(op)], strings.ToLower(k))
			}
		}
	}
	return ops
}

func denyOutsideEndpoints(_ *stackModel, api *apiModel) verdict {
	if !api.private {
		return notApplicable
	}
	for _, st := range api.statements {
		if get(st, "effect") != "Deny" {
			continue
		}
		for op, keys := range conditionKeys(st) {
			if !strings.Contains(op, "stringnotequals") && !strings.Contains(op, "stringnotlike") {
				continue
			}
			for _, k := range keys {
				if k == "aws:sourcevpce" || k == "aws:sourcevpc" {
					return compliant
				}
			}
		}
	}
	return nonCompliant
}

func noSourceIPOnPrivate(_ *stackModel, api *apiModel) verdict {
	if !api.private {
		return notApplicable
	}
	for _, st := range api.statements {
		for _, keys := range conditionKeys(st) {
			for _, k := range keys {
				if k == "aws:sourceip" {
					return nonCompliant
				}
			}
		}
	}
	return compliant
}

func noUnconditionalAllowOnPublic(_ *stackModel, api *apiModel) verdict {
	if api.private || len(api.statements) == 0 {
		return notApplicable
	}
	for _, st := range api.statements {
		if get(st, "effect") != "Allow" || get(st, "condition") != nil {
			continue
		}
		p := get(st, "principal")
		if m, ok := p.(map[string]any); ok {
			p = get(m, "aws")
		}
		if p == "*" {
			return nonCompliant
		}
	}
	return compliant
}

var stageVarRe = regexp.MustCompile(`\$\{stageVariables\.([A-Za-z0-9_]+)\}`)

// lambdaTarget is the function part of a Lambda integration URI, or "".
func lambdaTarget(uri string) string {
	_, rest, ok := strings.Cut(uri, ":lambda:path/2015-03-31/functions/")
	if !ok {
		return ""
	}
	target, _, _ := strings.Cut(rest, "/invocations")
	return target
}

// stageVariableTargetsInvokable reports each "METHOD /path@stage" whose stage-variable target
// may not be invoked by the API.
func stageVariableTargetsInvokable(s *stackModel, api *apiModel) (verdict, []string) {
	result, findings := notApplicable, []string(nil)
	granted := map[string]bool{}
	for _, p := range s.permissions {
		if !strings.Contains(p.source, api.id) {
			continue
		}
		fn := p.function
		if a, ok := s.aliases[fn]; ok {
			fn = a
		}
		granted[fn] = true
	}
	for _, m := range s.methods {
		target := lambdaTarget(m.uri)
		if m.api != api.id || !stageVarRe.MatchString(target) {
			continue
		}
		result = compliant
		for _, st := range s.stagesOf(api) {
			missing := false
			fn := stageVarRe.ReplaceAllStringFunc(target, func(v string) string {
				val, ok := st.vars[stageVarRe.FindStringSubmatch(v)[1]]
				missing = missing || !ok
				return val
			})
			if missing || !granted[fn] {
				findings = append(findings, m.method+" "+m.path+"@"+st.name)
			}
		}
	}
	if findings != nil {
		return nonCompliant, findings
	}
	return result, nil
}

// keyedStagesHavePlans reports each stage without a usage plan on an API with keyed methods.
func keyedStagesHavePlans(s *stackModel, api *apiModel) (verdict, []string) {
	keyed := false
	for _, m := range s.methods {
		keyed = keyed || (m.api == api.id && m.apiKey)
	}
	if !keyed {
		return notApplicable, nil
	}
	var findings []string
	for _, st := range s.stagesOf(api) {
		covered := false
		for _, p := range s.plans {
			covered = covered || (p.api == api.id && (p.stage == st.ref || p.stage == st.name))
		}
		if !covered {
			findings = append(findings, st.name)
		}
	}
	if findings != nil {
		return nonCompliant, findings
	}
	return compliant, nil
}

// allowOnlyWithAuthorizers reports each "METHOD /path" with a Lambda (CUSTOM) or Cognito
// authorizer on an API whose resource policy has Allow statements and no Deny: when the
// authorizer allows a caller and the policy neither allows nor denies it, API Gateway lets the
// caller in, so such a policy restricts no one on those methods.
func allowOnlyWithAuthorizers(s *stackModel, api *apiModel) (verdict, []string) {
	if len(api.statements) == 0 {
		return notApplicable, nil
	}
	for _, st := range api.statements {
		if get(st, "effect") == "Deny" {
			return compliant, nil
		}
	}
	var findings []string
	for _, m := range s.methods {
		if m.api == api.id && (m.auth == "CUSTOM" || m.auth == "COGNITO_USER_POOLS") {
			findings = append(findings, m.method+" "+m.path)
		}
	}
	if findings != nil {
		return nonCompliant, findings
	}
	return compliant, nil
}
