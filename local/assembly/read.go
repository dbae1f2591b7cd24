package assembly

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/internal/textlist"
)

// model reads the typed model out of the loaded stacks' resources.
func (a *Assembly) model() {
	names := map[string]int{}
	for _, st := range a.Stacks {
		for _, r := range st.resources {
			if r.Type == "AWS::Lambda::Function" {
				names[r.LogicalID]++
			}
		}
	}
	for _, st := range a.Stacks {
		a.readFunctions(st, names)
		authorizers := a.readAuthorizers(st)
		for _, id := range sortedKeys(st.resources) {
			r := st.resources[id]
			switch r.Type {
			case "AWS::ApiGateway::RestApi":
				a.RestAPIs = append(a.RestAPIs, a.restAPI(st, r, authorizers))
			case "AWS::ApiGatewayV2::Api":
				api := a.v2API(st, r, authorizers)
				switch api.ProtocolType {
				case "HTTP":
					a.HTTPAPIs = append(a.HTTPAPIs, api)
				case "WEBSOCKET":
					a.WebSocketAPIs = append(a.WebSocketAPIs, api)
				default:
					a.warn(fmt.Sprintf("stack %s: API %s has ProtocolType %q; only HTTP and WEBSOCKET exist", st.Name, id, api.ProtocolType))
				}
			case "AWS::ApiGateway::UsagePlan":
				a.UsagePlans = append(a.UsagePlans, a.usagePlan(st, r))
			case "AWS::ApiGateway::ApiKey":
				k := &APIKey{Origin: st.origin(id), Name: orLogical(r.String("Name"), id), Value: r.String("Value"), Enabled: true}
				if enabled, ok := r.props["Enabled"].(bool); ok {
					k.Enabled = enabled
				}
				a.APIKeys = append(a.APIKeys, k)
			case "AWS::EC2::VPCEndpoint":
				if strings.HasSuffix(r.String("ServiceName"), ".execute-api") {
					a.VPCEndpoints = append(a.VPCEndpoints, &VPCEndpoint{Origin: st.origin(id), ID: st.PhysicalRef(id), VpcID: r.String("VpcId")})
				}
			case "AWS::Cognito::UserPool":
				a.UserPools = append(a.UserPools, userPool(st, r))
			case "AWS::IAM::Role":
				a.Roles = append(a.Roles, role(st, r))
			case "AWS::IAM::ManagedPolicy":
				a.ManagedPolicies = append(a.ManagedPolicies, &ManagedPolicy{Origin: st.origin(id), ARN: st.PhysicalRef(id), Document: document(r.props["PolicyDocument"])})
			}
		}
	}
	a.attachManagedPolicies()
}

// attachManagedPolicies moves the documents of the customer-managed policies of the assembly
// that a role attaches into its Policies (a policy attached both ways counts once); the other
// ARNs stay in ManagedPolicyARNs.
func (a *Assembly) attachManagedPolicies() {
	byARN := map[string]*ManagedPolicy{}
	for _, p := range a.ManagedPolicies {
		byARN[p.ARN] = p
	}
	for _, r := range a.Roles {
		arns := r.ManagedPolicyARNs
		r.ManagedPolicyARNs = nil
		seen := map[string]bool{}
		for _, arn := range arns {
			if seen[arn] {
				continue
			}
			seen[arn] = true
			if p := byARN[arn]; p != nil {
				r.Policies = append(r.Policies, NamedPolicy{Name: arn, Document: p.Document})
			} else {
				r.ManagedPolicyARNs = append(r.ManagedPolicyARNs, arn)
			}
		}
	}
}

// origin is where a resource of s comes from.
func (s *Stack) origin(logical string) Origin {
	return Origin{Stack: s.Name, LogicalID: logical, Region: s.Region, Account: s.Account}
}

func orLogical(name, logical string) string {
	if name == "" {
		return logical
	}
	return name
}

func (a *Assembly) readFunctions(st *Stack, names map[string]int) {
	byLogical := map[string]*Function{}
	for _, id := range sortedKeys(st.resources) {
		r := st.resources[id]
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		fn := a.function(st, r)
		if names[id] > 1 {
			fn.ID = st.Name + "/" + id
		}
		a.Functions[fn.ID] = fn
		byLogical[id] = fn
	}
	for _, id := range sortedKeys(st.resources) {
		r := st.resources[id]
		switch r.Type {
		case "AWS::Lambda::Version":
			if fn := byLogical[refLogical(st.raw.Resources[id].Properties["FunctionName"])]; fn != nil {
				v := st.versionNumber(id)
				fn.Versions[v] = &Alias{LogicalID: id, Name: v, Version: v}
			}
		case "AWS::Lambda::Alias":
			if fn := byLogical[refLogical(st.raw.Resources[id].Properties["FunctionName"])]; fn != nil {
				fn.Aliases[r.String("Name")] = &Alias{LogicalID: id, Name: r.String("Name"), Version: r.String("FunctionVersion")}
			}
		}
	}
}

func (a *Assembly) function(st *Stack, r *resource) *Function {
	fn := &Function{
		ID: r.LogicalID, Stack: st.Name, LogicalID: r.LogicalID,
		Name: st.functionName(r.LogicalID), ARN: st.functionARN(r.LogicalID),
		RoleARN: r.String("Role"), Runtime: r.String("Runtime"), Handler: r.String("Handler"), Architecture: "x86_64",
		Timeout: 3 * time.Second, MemoryMB: 128, Environment: map[string]string{},
		Aliases: map[string]*Alias{}, Versions: map[string]*Alias{},
	}
	fn.Entry, _ = r.metadata[contract.MetadataEntry].(string)
	if p, ok := r.metadata["aws:asset:path"].(string); ok && p != "" {
		fn.AssetPath = filepath.Join(a.Dir, p)
	}
	if archs, ok := r.props["Architectures"].([]any); ok && len(archs) == 1 {
		fn.Architecture = scalar(archs[0])
	}
	if n, ok := a.integer(st, r, "Timeout", r.props["Timeout"], functionTimeout); ok {
		fn.Timeout = time.Duration(n) * time.Second
	}
	if n, ok := a.integer(st, r, "MemorySize", r.props["MemorySize"], functionMemory); ok {
		fn.MemoryMB = n
	}
	if n, ok := a.integer(st, r, "ReservedConcurrentExecutions", r.props["ReservedConcurrentExecutions"], reservedConcurrency); ok {
		fn.ReservedConcurrency = &n
	}
	if env, ok := r.props["Environment"].(map[string]any); ok {
		vars, _ := env["Variables"].(map[string]any)
		for k, v := range vars {
			fn.Environment[k] = scalar(v)
		}
	}
	return fn
}

// readAuthorizers models the stack's authorizers, by logical ID.
func (a *Assembly) readAuthorizers(st *Stack) map[string]*Authorizer {
	out := map[string]*Authorizer{}
	for _, id := range sortedKeys(st.resources) {
		r := st.resources[id]
		if r.Type != "AWS::ApiGateway::Authorizer" && r.Type != "AWS::ApiGatewayV2::Authorizer" {
			continue
		}
		z := &Authorizer{Origin: st.origin(id), Name: orLogical(r.String("Name"), id), APIID: r.apiID(),
			ValidationExpression: r.String("IdentityValidationExpression"), FunctionURI: r.String("AuthorizerUri"),
			ProviderARNs: stringList(r.props["ProviderARNs"])}
		if r.Type == "AWS::ApiGatewayV2::Authorizer" {
			z.V2, z.Type, z.IdentitySources = true, r.String("AuthorizerType"), stringList(r.props["IdentitySource"])
			z.PayloadFormatVersion = r.String("AuthorizerPayloadFormatVersion")
			z.SimpleResponses, _ = r.props["EnableSimpleResponses"].(bool)
			jc, _ := r.props["JwtConfiguration"].(map[string]any)
			z.JWTIssuer, z.JWTAudience = scalar(jc["Issuer"]), stringList(jc["Audience"])
		} else {
			z.Type, z.IdentitySources = r.String("Type"), textlist.Split(r.String("IdentitySource"))
		}
		if ttl, ok := a.integer(st, r, "AuthorizerResultTtlInSeconds", r.props["AuthorizerResultTtlInSeconds"], authorizerTTL); ok {
			z.TTLSeconds = &ttl
		}
		a.Authorizers = append(a.Authorizers, z)
		out[id] = z
	}
	return out
}

// apiID is the resolved RestApiId or ApiId property of an API Gateway child resource.
func (r *resource) apiID() string {
	if id := r.String("RestApiId"); id != "" {
		return id
	}
	return r.String("ApiId")
}

func (a *Assembly) restAPI(st *Stack, r *resource, authorizers map[string]*Authorizer) *RestAPI {
	api := &RestAPI{Origin: st.origin(r.LogicalID), ID: st.apiID(r.LogicalID), Name: r.String("Name"), APIKeySource: r.String("ApiKeySourceType")}
	if ec, ok := r.props["EndpointConfiguration"].(map[string]any); ok {
		api.EndpointTypes = stringList(ec["Types"])
	}
	if api.APIKeySource == "" {
		api.APIKeySource = "HEADER"
	}
	api.BinaryMediaTypes = stringList(r.props["BinaryMediaTypes"])
	if doc, ok := r.props["Policy"]; ok {
		api.Policy = document(doc)
	}
	if r.props["Body"] != nil || r.props["BodyS3Location"] != nil {
		a.warn(fmt.Sprintf("stack %s: REST API %s is defined by an OpenAPI body; only resources and methods declared in the template are served", st.Name, r.LogicalID))
	}
	// Resource ids (after resolution) to paths; the root is GetAtt RootResourceId.
	parents := map[string][2]string{} // id -> {parentID, pathPart}
	for _, res := range st.resources {
		if res.Type == "AWS::ApiGateway::Resource" && res.String("RestApiId") == api.ID {
			parents[res.LogicalID] = [2]string{res.String("ParentId"), res.String("PathPart")}
		}
	}
	root := "root-" + api.ID
	var path func(id string, depth int) (string, bool)
	path = func(id string, depth int) (string, bool) {
		if id == root {
			return "", true
		}
		p, ok := parents[id]
		if !ok || depth > 64 {
			return "", false
		}
		parent, ok := path(p[0], depth+1)
		return parent + "/" + p[1], ok
	}
	for _, id := range sortedKeys(st.resources) {
		res := st.resources[id]
		switch {
		case res.apiID() != api.ID:
		case res.Type == "AWS::ApiGateway::Method":
			p, ok := path(res.String("ResourceId"), 0)
			if !ok {
				a.warn(fmt.Sprintf("stack %s: method %s: cannot find its resource %q", st.Name, id, res.String("ResourceId")))
				continue
			}
			if p == "" {
				p = "/"
			}
			m := &RestMethod{LogicalID: id, Path: p, ResourceID: st.gatewayID(res.String("ResourceId")), HTTPMethod: strings.ToUpper(res.String("HttpMethod")),
				AuthorizationType: cmp.Or(res.String("AuthorizationType"), "NONE"), AuthorizerID: res.String("AuthorizerId"),
				AuthorizationScopes: stringList(res.props["AuthorizationScopes"])}
			m.Authorizer = authorizers[m.AuthorizerID]
			m.APIKeyRequired, _ = res.props["ApiKeyRequired"].(bool)
			if in, ok := res.props["Integration"].(map[string]any); ok {
				timeout := restTimeout
				if !api.Edge() {
					timeout = restRaisedTimeout
				}
				m.Integration = integration(scalar(in["Type"]), scalar(in["Uri"]), "1.0")
				m.Integration.Timeout = a.millis(st, res, "Integration.TimeoutInMillis", in["TimeoutInMillis"], timeout)
				m.Integration.RequestTemplates = stringMap(in["RequestTemplates"])
				list, _ := in["IntegrationResponses"].([]any)
				for _, e := range list {
					ir, _ := e.(map[string]any)
					m.Integration.Responses = append(m.Integration.Responses, IntegrationResponse{StatusCode: scalar(ir["StatusCode"]),
						SelectionPattern: scalar(ir["SelectionPattern"]), ResponseParameters: stringMap(ir["ResponseParameters"]), ResponseTemplates: stringMap(ir["ResponseTemplates"])})
				}
			}
			api.Methods = append(api.Methods, m)
		case res.Type == "AWS::ApiGateway::Stage":
			api.Stages = append(api.Stages, &Stage{LogicalID: id, Name: res.String("StageName"), DeploymentID: st.gatewayID(res.String("DeploymentId")),
				Variables: stringMap(res.props["Variables"]), MethodSettings: a.methodSettings(st, res)})
		case res.Type == "AWS::ApiGateway::Deployment" && res.String("StageName") != "":
			desc, _ := res.props["StageDescription"].(map[string]any)
			api.Stages = append(api.Stages, &Stage{LogicalID: id, Name: res.String("StageName"), DeploymentID: st.gatewayID(id), Variables: stringMap(desc["Variables"])})
		case res.Type == "AWS::ApiGateway::GatewayResponse":
			api.GatewayResponses = append(api.GatewayResponses, &GatewayResponse{LogicalID: id, ResponseType: res.String("ResponseType"),
				StatusCode: scalar(res.props["StatusCode"]), ResponseParameters: stringMap(res.props["ResponseParameters"]), ResponseTemplates: stringMap(res.props["ResponseTemplates"])})
		}
	}
	return api
}

// methodSettings reads the throttles of a REST stage's MethodSettings.
func (a *Assembly) methodSettings(st *Stack, r *resource) []MethodSetting {
	list, _ := r.props["MethodSettings"].([]any)
	var out []MethodSetting
	for i, e := range list {
		m, _ := e.(map[string]any)
		if t := a.throttle(st, r, fmt.Sprintf("MethodSettings[%d].", i), m, "ThrottlingBurstLimit", "ThrottlingRateLimit"); t != nil {
			out = append(out, MethodSetting{ResourcePath: scalar(m["ResourcePath"]), HTTPMethod: scalar(m["HttpMethod"]), Throttle: *t})
		}
	}
	return out
}

// throttle reads a rate and burst limit of r at the property path prefix at (e.g.
// "MethodSettings[0]."); nil when the setting has neither.
func (a *Assembly) throttle(st *Stack, r *resource, at string, v any, burstKey, rateKey string) *Throttle {
	m, _ := v.(map[string]any)
	var t Throttle
	if burst, ok := a.integer(st, r, at+burstKey, m[burstKey], burstLimit); ok {
		t.BurstLimit = &burst
	}
	if rate, ok := a.number(st, r, at+rateKey, m[rateKey], rateLimit); ok {
		t.RateLimit = &rate
	}
	if t.BurstLimit == nil && t.RateLimit == nil {
		return nil
	}
	return &t
}

func integration(typ, uri, format string) Integration {
	return Integration{Type: strings.ToUpper(typ), URI: uri, PayloadFormatVersion: format}
}

// millis reads an integration's TimeoutInMillis (0 when not set: the gateway's default).
func (a *Assembly) millis(st *Stack, r *resource, prop string, v any, b bound) time.Duration {
	ms, _ := a.integer(st, r, prop, v, b)
	return time.Duration(ms) * time.Millisecond
}

func (a *Assembly) v2API(st *Stack, r *resource, authorizers map[string]*Authorizer) *V2API {
	api := &V2API{Origin: st.origin(r.LogicalID), ID: st.apiID(r.LogicalID), Name: r.String("Name"), ProtocolType: r.String("ProtocolType"),
		RouteSelectionExpression: r.String("RouteSelectionExpression"), APIKeySelectionExpression: r.String("ApiKeySelectionExpression")}
	if c, ok := r.props["CorsConfiguration"].(map[string]any); ok {
		api.Cors = &Cors{AllowOrigins: stringList(c["AllowOrigins"]), AllowMethods: stringList(c["AllowMethods"]), AllowHeaders: stringList(c["AllowHeaders"]),
			ExposeHeaders: stringList(c["ExposeHeaders"])}
		api.Cors.AllowCredentials, _ = c["AllowCredentials"].(bool)
		if n, ok := a.integer(st, r, "CorsConfiguration.MaxAge", c["MaxAge"], corsMaxAge); ok {
			api.Cors.MaxAge = &n
		}
	}
	if r.props["Target"] != nil || r.props["Body"] != nil {
		a.warn(fmt.Sprintf("stack %s: API %s uses quick create or an OpenAPI body; only routes declared as AWS::ApiGatewayV2::Route are served", st.Name, r.LogicalID))
	}
	integrations := map[string]*Integration{}
	twoWay := map[string]bool{} // route logical IDs with a route response
	for _, res := range st.resources {
		switch {
		case res.apiID() != api.ID:
		case res.Type == "AWS::ApiGatewayV2::Integration":
			format := res.String("PayloadFormatVersion")
			if format == "" {
				format = "1.0" // the CloudFormation default; CDK always sets 2.0 for Lambda
			}
			in := integration(res.String("IntegrationType"), res.String("IntegrationUri"), format)
			timeout := httpTimeout
			if api.ProtocolType == "WEBSOCKET" {
				timeout = webSocketTimeout
			}
			in.Timeout = a.millis(st, res, "TimeoutInMillis", res.props["TimeoutInMillis"], timeout)
			integrations[res.LogicalID] = &in
		case res.Type == "AWS::ApiGatewayV2::RouteResponse":
			twoWay[res.String("RouteId")] = true
		}
	}
	for _, id := range sortedKeys(st.resources) {
		res := st.resources[id]
		if res.apiID() != api.ID {
			continue
		}
		switch res.Type {
		case "AWS::ApiGatewayV2::Route":
			route := &V2Route{LogicalID: id, RouteKey: res.String("RouteKey"), AuthorizationType: cmp.Or(res.String("AuthorizationType"), "NONE"),
				AuthorizerID: res.String("AuthorizerId"), AuthorizationScopes: stringList(res.props["AuthorizationScopes"]), RouteResponse: twoWay[id]}
			route.Authorizer = authorizers[route.AuthorizerID]
			route.APIKeyRequired, _ = res.props["ApiKeyRequired"].(bool)
			// Ref of an integration resolves to its logical ID (physicalRef).
			if target := res.String("Target"); strings.HasPrefix(target, "integrations/") {
				route.Integration = integrations[strings.TrimPrefix(target, "integrations/")]
			}
			api.Routes = append(api.Routes, route)
		case "AWS::ApiGatewayV2::Stage":
			s := &Stage{LogicalID: id, Name: res.String("StageName"), Variables: stringMap(res.props["StageVariables"]),
				DefaultRouteThrottle: a.throttle(st, res, "DefaultRouteSettings.", res.props["DefaultRouteSettings"], "ThrottlingBurstLimit", "ThrottlingRateLimit")}
			routes, _ := res.props["RouteSettings"].(map[string]any)
			for _, key := range sortedKeys(routes) {
				if t := a.throttle(st, res, "RouteSettings."+key+".", routes[key], "ThrottlingBurstLimit", "ThrottlingRateLimit"); t != nil {
					if s.RouteThrottles == nil {
						s.RouteThrottles = map[string]Throttle{}
					}
					s.RouteThrottles[key] = *t
				}
			}
			api.Stages = append(api.Stages, s)
		}
	}
	return api
}

func (a *Assembly) usagePlan(st *Stack, r *resource) *UsagePlan {
	p := &UsagePlan{Origin: st.origin(r.LogicalID), Name: orLogical(r.String("UsagePlanName"), r.LogicalID), Throttle: a.throttle(st, r, "Throttle.", r.props["Throttle"], "BurstLimit", "RateLimit")}
	if q, ok := r.props["Quota"].(map[string]any); ok {
		limit, _ := a.integer(st, r, "Quota.Limit", q["Limit"], quotaCount)
		offset, _ := a.integer(st, r, "Quota.Offset", q["Offset"], quotaCount)
		p.Quota = &Quota{Limit: limit, Offset: offset, Period: scalar(q["Period"])}
		if p.Quota.Period != "" && !slices.Contains(quotaPeriods, p.Quota.Period) && !strings.HasPrefix(p.Quota.Period, unresolvedPrefix) {
			a.refuse(st, r, "Quota.Period", q["Period"], oneOf(quotaPeriods))
		}
	}
	stages, _ := r.props["ApiStages"].([]any)
	for i, e := range stages {
		m, _ := e.(map[string]any)
		ps := PlanStage{APIID: scalar(m["ApiId"]), Stage: st.stageName(scalar(m["Stage"]))}
		if ts, ok := m["Throttle"].(map[string]any); ok {
			ps.MethodThrottles = map[string]Throttle{}
			for _, k := range sortedKeys(ts) {
				if t := a.throttle(st, r, fmt.Sprintf("ApiStages[%d].Throttle.%s.", i, k), ts[k], "BurstLimit", "RateLimit"); t != nil {
					ps.MethodThrottles[k] = *t
				}
			}
		}
		p.Stages = append(p.Stages, ps)
	}
	for _, id := range sortedKeys(st.resources) {
		k := st.resources[id]
		if k.Type == "AWS::ApiGateway::UsagePlanKey" && k.String("UsagePlanId") == r.LogicalID {
			p.Keys = append(p.Keys, PlanKey{KeyType: k.String("KeyType"), KeyID: st.Name + "/" + k.String("KeyId")})
		}
	}
	return p
}

// stageName maps a Ref of a REST or v2 (WebSocket) Stage resource, its logical ID locally, to
// the stage name; a literal stage name passes unchanged.
func (s *Stack) stageName(ref string) string {
	if r, ok := s.resources[ref]; ok && (r.Type == "AWS::ApiGateway::Stage" || r.Type == "AWS::ApiGatewayV2::Stage") {
		return r.String("StageName")
	}
	return ref
}

func userPool(st *Stack, r *resource) *UserPool {
	id := r.LogicalID
	p := &UserPool{Origin: st.origin(id), ID: st.PhysicalRef(id), Name: r.String("UserPoolName"), ARN: st.PhysicalAtt(id, "Arn"),
		IssuerURL: "https://" + st.PhysicalAtt(id, "ProviderURL")}
	for _, c := range st.resources {
		if c.Type == "AWS::Cognito::UserPoolClient" && c.String("UserPoolId") == p.ID {
			p.ClientIDs = append(p.ClientIDs, st.PhysicalRef(c.LogicalID))
		}
	}
	slices.Sort(p.ClientIDs)
	return p
}

func role(st *Stack, r *resource) *Role {
	id := r.LogicalID
	role := &Role{Origin: st.origin(id), Name: st.roleName(id), ARN: st.PhysicalAtt(id, "Arn"),
		ManagedPolicyARNs: stringList(r.props["ManagedPolicyArns"])}
	if doc, ok := r.props["AssumeRolePolicyDocument"]; ok {
		role.AssumeRolePolicy = document(doc)
	}
	inline, _ := r.props["Policies"].([]any)
	for _, e := range inline {
		m, _ := e.(map[string]any)
		role.Policies = append(role.Policies, NamedPolicy{Name: scalar(m["PolicyName"]), Document: document(m["PolicyDocument"])})
	}
	// AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources name their roles by Ref (the name).
	for _, pid := range sortedKeys(st.resources) {
		p := st.resources[pid]
		if !slices.Contains(stringList(p.props["Roles"]), role.Name) {
			continue
		}
		switch p.Type {
		case "AWS::IAM::Policy":
			role.Policies = append(role.Policies, NamedPolicy{Name: orLogical(p.String("PolicyName"), pid), Document: document(p.props["PolicyDocument"])})
		case "AWS::IAM::ManagedPolicy":
			role.ManagedPolicyARNs = append(role.ManagedPolicyARNs, st.PhysicalRef(pid))
		}
	}
	return role
}

// document renders a policy document property as JSON: a string as it is, a resolved object
// marshalled.
func document(v any) []byte {
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	b, _ := json.Marshal(v) // resolved template values always marshal
	return b
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, scalar(e))
	}
	return out
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, e := range m {
		out[k] = scalar(e)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
