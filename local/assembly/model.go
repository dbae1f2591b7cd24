package assembly

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/contract"
)

// Function is an AWS::Lambda::Function.
type Function struct {
	// ID is the key the runtime invokes a function by: its logical ID, or "Stack/LogicalID"
	// when two loaded stacks use the same logical ID.
	ID        string
	Stack     string
	LogicalID string
	Name      string // local physical name
	ARN       string

	Entry     string // Go import path from the portico:entry metadata ("" when absent)
	AssetPath string // absolute path of the asset folder (holding bootstrap), "" when absent

	Runtime      string
	Handler      string
	Architecture string // "arm64" or "x86_64"
	Environment  map[string]string
	Timeout      time.Duration
	MemoryMB     int
	// ReservedConcurrency is nil when the template sets none.
	ReservedConcurrency *int

	Aliases  map[string]*Alias // by alias name
	Versions map[string]*Alias // by version number; Name is the number
	Resource *Resource
}

// Alias is an AWS::Lambda::Alias (or a Version, with Name the version number).
type Alias struct {
	LogicalID string
	Name      string
	Version   string // "$LATEST" or a number
}

// RestAPI is an AWS::ApiGateway::RestApi with its methods and stages.
type RestAPI struct {
	Stack, LogicalID string
	ID               string // local API id, stable across runs
	Name             string
	EndpointTypes    []string // EDGE, REGIONAL, PRIVATE
	BinaryMediaTypes []string
	HasPolicy        bool
	Methods          []*RestMethod
	Stages           []*Stage
	Resource         *Resource
}

// RestMethod is an AWS::ApiGateway::Method at its resource path.
type RestMethod struct {
	LogicalID         string
	Path              string // resource path with {param} and {proxy+}, "/" for the root
	HTTPMethod        string // upper case, or ANY
	AuthorizationType string // NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS
	AuthorizerID      string // logical ID of the AWS::ApiGateway::Authorizer, if any
	APIKeyRequired    bool
	Integration       Integration
	Resource          *Resource
}

// Integration is where a method or route sends a request.
type Integration struct {
	Type                 string // AWS_PROXY, HTTP_PROXY, AWS, HTTP, MOCK
	URI                  string // resolved; may hold ${stageVariables.name}
	PayloadFormatVersion string // HTTP APIs: "1.0" or "2.0"
	Timeout              time.Duration
}

// Stage is a deployed stage of an API.
type Stage struct {
	LogicalID string
	Name      string
	Variables map[string]string
}

// HTTPAPI is an AWS::ApiGatewayV2::Api with its routes and stages.
type HTTPAPI struct {
	Stack, LogicalID string
	ID               string
	Name             string
	ProtocolType     string
	Routes           []*HTTPRoute
	Stages           []*Stage
	Resource         *Resource
}

// HTTPRoute is an AWS::ApiGatewayV2::Route.
type HTTPRoute struct {
	LogicalID         string
	RouteKey          string // "GET /pets/{id}", "ANY /{proxy+}" or "$default"
	AuthorizationType string // NONE, JWT, AWS_IAM, CUSTOM
	AuthorizerID      string
	Integration       *Integration // nil when the route has no target
	Resource          *Resource
}

func (a *Assembly) model() {
	names := map[string]int{}
	for _, st := range a.Stacks {
		for _, r := range st.Resources {
			if r.Type == "AWS::Lambda::Function" {
				names[r.LogicalID]++
			}
		}
	}
	for _, st := range a.Stacks {
		byLogical := map[string]*Function{}
		for _, id := range sortedKeys(st.Resources) {
			r := st.Resources[id]
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
		for _, id := range sortedKeys(st.Resources) {
			r := st.Resources[id]
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
			case "AWS::ApiGateway::RestApi":
				a.RestAPIs = append(a.RestAPIs, a.restAPI(st, r))
			case "AWS::ApiGatewayV2::Api":
				api := a.httpAPI(st, r)
				switch api.ProtocolType {
				case "HTTP":
					a.HTTPAPIs = append(a.HTTPAPIs, api)
				case "WEBSOCKET":
					a.WebSocketAPIs = append(a.WebSocketAPIs, api)
				default:
					a.warn(fmt.Sprintf("stack %s: API %s has ProtocolType %q; only HTTP and WEBSOCKET exist", st.Name, id, api.ProtocolType))
				}
			}
		}
	}
}

func (a *Assembly) function(st *Stack, r *Resource) *Function {
	fn := &Function{
		ID: r.LogicalID, Stack: st.Name, LogicalID: r.LogicalID, Resource: r,
		Name: st.functionName(r.LogicalID), ARN: st.functionARN(r.LogicalID),
		Runtime: r.String("Runtime"), Handler: r.String("Handler"), Architecture: "x86_64",
		Timeout: 3 * time.Second, MemoryMB: 128, Environment: map[string]string{},
		Aliases: map[string]*Alias{}, Versions: map[string]*Alias{},
	}
	fn.Entry, _ = r.Metadata[contract.MetadataEntry].(string)
	if p, ok := r.Metadata["aws:asset:path"].(string); ok && p != "" {
		fn.AssetPath = filepath.Join(a.Dir, p)
	}
	if archs, ok := r.Properties["Architectures"].([]any); ok && len(archs) == 1 {
		fn.Architecture = scalar(archs[0])
	}
	if n, ok := number(r.Properties["Timeout"]); ok {
		fn.Timeout = time.Duration(n) * time.Second
	}
	if n, ok := number(r.Properties["MemorySize"]); ok {
		fn.MemoryMB = n
	}
	if n, ok := number(r.Properties["ReservedConcurrentExecutions"]); ok {
		fn.ReservedConcurrency = &n
	}
	if env, ok := r.Properties["Environment"].(map[string]any); ok {
		vars, _ := env["Variables"].(map[string]any)
		for k, v := range vars {
			fn.Environment[k] = scalar(v)
		}
	}
	return fn
}

func number(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, scalar(e))
	}
	return out
}

func (a *Assembly) restAPI(st *Stack, r *Resource) *RestAPI {
	api := &RestAPI{Stack: st.Name, LogicalID: r.LogicalID, ID: st.apiID(r.LogicalID), Name: r.String("Name"), Resource: r}
	if ec, ok := r.Properties["EndpointConfiguration"].(map[string]any); ok {
		api.EndpointTypes = stringList(ec["Types"])
	}
	api.BinaryMediaTypes = stringList(r.Properties["BinaryMediaTypes"])
	_, api.HasPolicy = r.Properties["Policy"]
	if r.Properties["Body"] != nil || r.Properties["BodyS3Location"] != nil {
		a.warn(fmt.Sprintf("stack %s: REST API %s is defined by an OpenAPI body; only resources and methods declared in the template are served", st.Name, r.LogicalID))
	}
	// Resource ids (after resolution) to paths; the root is GetAtt RootResourceId.
	parents := map[string][2]string{} // id -> {parentID, pathPart}
	for _, res := range st.Resources {
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
	for _, id := range sortedKeys(st.Resources) {
		res := st.Resources[id]
		switch {
		case res.RestAPIID() != api.ID:
		case res.Type == "AWS::ApiGateway::Method":
			p, ok := path(res.String("ResourceId"), 0)
			if !ok {
				a.warn(fmt.Sprintf("stack %s: method %s: cannot find its resource %q", st.Name, id, res.String("ResourceId")))
				continue
			}
			if p == "" {
				p = "/"
			}
			m := &RestMethod{LogicalID: id, Path: p, HTTPMethod: strings.ToUpper(res.String("HttpMethod")), Resource: res,
				AuthorizationType: res.String("AuthorizationType"), AuthorizerID: res.String("AuthorizerId")}
			if m.AuthorizationType == "" {
				m.AuthorizationType = "NONE"
			}
			m.APIKeyRequired, _ = res.Properties["ApiKeyRequired"].(bool)
			if in, ok := res.Properties["Integration"].(map[string]any); ok {
				m.Integration = integration(scalar(in["Type"]), scalar(in["Uri"]), "1.0", in["TimeoutInMillis"])
			}
			api.Methods = append(api.Methods, m)
		case res.Type == "AWS::ApiGateway::Stage":
			api.Stages = append(api.Stages, &Stage{LogicalID: id, Name: res.String("StageName"), Variables: stringMap(res.Properties["Variables"])})
		case res.Type == "AWS::ApiGateway::Deployment" && res.String("StageName") != "":
			desc, _ := res.Properties["StageDescription"].(map[string]any)
			api.Stages = append(api.Stages, &Stage{LogicalID: id, Name: res.String("StageName"), Variables: stringMap(desc["Variables"])})
		}
	}
	return api
}

// RestAPIID is the resolved RestApiId or ApiId property of an API Gateway child resource.
func (r *Resource) RestAPIID() string {
	if id := r.String("RestApiId"); id != "" {
		return id
	}
	return r.String("ApiId")
}

func integration(typ, uri, format string, timeout any) Integration {
	in := Integration{Type: strings.ToUpper(typ), URI: uri, PayloadFormatVersion: format}
	if ms, ok := number(timeout); ok {
		in.Timeout = time.Duration(ms) * time.Millisecond
	}
	return in
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, e := range m {
		out[k] = scalar(e)
	}
	return out
}

func (a *Assembly) httpAPI(st *Stack, r *Resource) *HTTPAPI {
	api := &HTTPAPI{Stack: st.Name, LogicalID: r.LogicalID, ID: st.apiID(r.LogicalID), Name: r.String("Name"), ProtocolType: r.String("ProtocolType"), Resource: r}
	if r.Properties["Target"] != nil || r.Properties["Body"] != nil {
		a.warn(fmt.Sprintf("stack %s: API %s uses quick create or an OpenAPI body; only routes declared as AWS::ApiGatewayV2::Route are served", st.Name, r.LogicalID))
	}
	integrations := map[string]*Integration{}
	for _, res := range st.Resources {
		if res.Type == "AWS::ApiGatewayV2::Integration" && res.RestAPIID() == api.ID {
			format := res.String("PayloadFormatVersion")
			if format == "" {
				format = "1.0" // the CloudFormation default; CDK always sets 2.0 for Lambda
			}
			in := integration(res.String("IntegrationType"), res.String("IntegrationUri"), format, res.Properties["TimeoutInMillis"])
			integrations[res.LogicalID] = &in
		}
	}
	for _, id := range sortedKeys(st.Resources) {
		res := st.Resources[id]
		if res.RestAPIID() != api.ID {
			continue
		}
		switch res.Type {
		case "AWS::ApiGatewayV2::Route":
			route := &HTTPRoute{LogicalID: id, RouteKey: res.String("RouteKey"), AuthorizationType: res.String("AuthorizationType"), AuthorizerID: res.String("AuthorizerId"), Resource: res}
			if route.AuthorizationType == "" {
				route.AuthorizationType = "NONE"
			}
			// Ref of an integration resolves to its logical ID (physicalRef).
			if target := res.String("Target"); strings.HasPrefix(target, "integrations/") {
				route.Integration = integrations[strings.TrimPrefix(target, "integrations/")]
			}
			api.Routes = append(api.Routes, route)
		case "AWS::ApiGatewayV2::Stage":
			api.Stages = append(api.Stages, &Stage{LogicalID: id, Name: res.String("StageName"), Variables: stringMap(res.Properties["StageVariables"])})
		}
	}
	return api
}

var stageVar = regexp.MustCompile(`\$\{stageVariables\.([A-Za-z0-9_]+)\}`)

// ResolveFunction finds the function and qualifier an integration URI names, after replacing
// ${stageVariables.name} with the stage's values. It accepts a Lambda function ARN (optionally
// qualified), a function name, or an API Gateway invocation ARN wrapping either.
func (a *Assembly) ResolveFunction(uri string, stageVars map[string]string) (*Function, string, error) {
	var missing []string
	uri = stageVar.ReplaceAllStringFunc(uri, func(m string) string {
		name := stageVar.FindStringSubmatch(m)[1]
		v, ok := stageVars[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return nil, "", fmt.Errorf("integration %q uses stage variable %q, which the stage does not set", uri, missing[0])
	}
	target := uri
	if _, after, ok := strings.Cut(uri, ":lambda:path/2015-03-31/functions/"); ok {
		target = strings.TrimSuffix(after, "/invocations")
	}
	name, qualifier := target, ""
	if strings.HasPrefix(target, "arn:") {
		parts := strings.Split(target, ":")
		if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" {
			return nil, "", fmt.Errorf("integration %q does not name a Lambda function (want arn:aws:lambda:{region}:{account}:function:{name}[:{alias}])", uri)
		}
		name = parts[6]
		if len(parts) > 7 {
			qualifier = parts[7]
		}
	} else if n, q, ok := strings.Cut(target, ":"); ok {
		name, qualifier = n, q
	}
	var fn *Function
	for _, f := range a.Functions {
		if f.Name == name {
			fn = f
		}
	}
	if fn == nil {
		return nil, "", fmt.Errorf("integration %q names function %q, which no loaded stack defines", uri, name)
	}
	switch {
	case qualifier == "" || qualifier == "$LATEST":
	case fn.Aliases[qualifier] != nil || fn.Versions[qualifier] != nil:
	default:
		return nil, "", fmt.Errorf("integration %q names %s:%s; function %s has no such alias or version (aliases: %s)", uri, name, qualifier, fn.Name, strings.Join(sortedKeys(fn.Aliases), ", "))
	}
	return fn, qualifier, nil
}

// SortedFunctions lists the functions by ID.
func (a *Assembly) SortedFunctions() []*Function {
	out := make([]*Function, 0, len(a.Functions))
	for _, id := range sortedKeys(a.Functions) {
		out = append(out, a.Functions[id])
	}
	return out
}
