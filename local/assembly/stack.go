package assembly

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Stack is one CloudFormation stack of the assembly with its resources resolved.
type Stack struct {
	Name         string
	Account      string         // DefaultAccount when the stack is environment-agnostic
	Region       string         // DefaultRegion when the stack is environment-agnostic
	TemplateFile string         // absolute path
	outputs      map[string]any // Outputs' values by output name

	// resources by logical ID, with properties after intrinsic resolution. Resources whose
	// Condition is false are absent. Only this package reads them: the rest of Portico sees
	// the typed model.
	resources map[string]*resource

	raw *template
}

// resource is one template resource.
type resource struct {
	LogicalID string
	Type      string
	props     map[string]any // intrinsics resolved
	metadata  map[string]any
}

// String reads a top-level string property ("" when absent or not a string).
func (r *resource) String(key string) string {
	s, _ := r.props[key].(string)
	return s
}

// functionName is the local physical name of a Lambda function: its FunctionName property
// when the template sets a literal one, else "{stack}-{logicalID}" (CloudFormation would add a
// random suffix; a stable name keeps local ARNs and logs readable).
func (s *Stack) functionName(logical string) string {
	if name, ok := s.raw.Resources[logical].Properties["FunctionName"].(string); ok && name != "" {
		return name
	}
	return s.Name + "-" + logical
}

func (s *Stack) functionARN(logical string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.Region, s.Account, s.functionName(logical))
}

// refLogical returns the logical ID a raw {"Ref": X} or {"Fn::GetAtt": [X, ...]} names.
func refLogical(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if s, ok := m["Ref"].(string); ok {
		return s
	}
	if a, ok := m["Fn::GetAtt"].([]any); ok && len(a) > 0 {
		s, _ := a[0].(string)
		return s
	}
	return ""
}

// versionNumber numbers the AWS::Lambda::Version resources of one function by logical ID,
// the order a fresh deployment would publish them in.
func (s *Stack) versionNumber(logical string) string {
	fn := refLogical(s.raw.Resources[logical].Properties["FunctionName"])
	var ids []string
	for id, r := range s.raw.Resources {
		if r.Type == "AWS::Lambda::Version" && refLogical(r.Properties["FunctionName"]) == fn {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for i, id := range ids {
		if id == logical {
			return strconv.Itoa(i + 1)
		}
	}
	return "1"
}

// apiID is the local id of a REST, HTTP or WebSocket API: stable for a given stack and
// logical ID, so URLs printed at start-up stay valid across runs.
func (s *Stack) apiID(logical string) string { return shortID(s.Name, logical) }

// gatewayID is the local id of a REST API's resource or deployment, given the logical ID (or
// the root resource id) a template's ResourceId or DeploymentId resolves to: six characters
// like the cloud's ("roq9wj" in aws-lambda-go's events/testdata/apigw-request.json), stable
// for a given stack and logical ID.
func (s *Stack) gatewayID(ref string) string { return shortID(s.Name, ref)[:6] }

// physicalRef is what {"Ref": logical} returns for a resource.
func (s *Stack) physicalRef(logical, typ string) any {
	switch typ {
	case "AWS::Lambda::Function":
		return s.functionName(logical)
	case "AWS::Lambda::Version":
		fn := refLogical(s.raw.Resources[logical].Properties["FunctionName"])
		return s.functionARN(fn) + ":" + s.versionNumber(logical)
	case "AWS::Lambda::Alias":
		return s.aliasARN(logical)
	case "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api":
		return s.apiID(logical)
	case "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage":
		// Ref returns the stage name (AWS::ApiGateway::Stage, AWS::ApiGatewayV2::Stage: "Return values").
		if name, ok := s.raw.Resources[logical].Properties["StageName"].(string); ok {
			return name
		}
	case "AWS::Cognito::UserPool":
		return s.userPoolID(logical)
	case "AWS::EC2::VPCEndpoint":
		return "vpce-" + shortID(s.Name, logical)
	case "AWS::EC2::VPC":
		return "vpc-" + shortID(s.Name, logical)
	case "AWS::IAM::Role":
		return s.roleName(logical)
	case "AWS::IAM::ManagedPolicy":
		return s.managedPolicyARN(logical)
	}
	return logical
}

// managedPolicyARN is what Ref of an AWS::IAM::ManagedPolicy returns: its ARN, with the
// template's literal Path (default "/") and ManagedPolicyName, else "{stack}-{logicalID}"
// (CloudFormation would add a random suffix).
func (s *Stack) managedPolicyARN(logical string) string {
	props := s.raw.Resources[logical].Properties
	name, _ := props["ManagedPolicyName"].(string)
	if name == "" {
		name = s.Name + "-" + logical
	}
	path, _ := props["Path"].(string)
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + s.Account + ":policy" + path + name
}

// roleName is an IAM role's RoleName when the template sets a literal one, else
// "{stack}-{logicalID}" (CloudFormation would add a random suffix).
func (s *Stack) roleName(logical string) string {
	if name, ok := s.raw.Resources[logical].Properties["RoleName"].(string); ok && name != "" {
		return name
	}
	return s.Name + "-" + logical
}

// userPoolID is a Cognito-shaped pool id ({region}_{id}), distinct per stack so that the
// local issuers of two stacks' pools never share an issuer URL.
func (s *Stack) userPoolID(logical string) string { return s.Region + "_" + shortID(s.Name, logical) }

func (s *Stack) aliasARN(logical string) string {
	p := s.raw.Resources[logical].Properties
	name, _ := p["Name"].(string)
	return s.functionARN(refLogical(p["FunctionName"])) + ":" + name
}

// physicalAtt is what {"Fn::GetAtt": [logical, attr]} returns, or "" when not modelled.
func (s *Stack) physicalAtt(logical, typ, attr string) string {
	switch {
	case typ == "AWS::Lambda::Function" && attr == "Arn":
		return s.functionARN(logical)
	case typ == "AWS::Lambda::Version" && attr == "Version":
		return s.versionNumber(logical)
	case typ == "AWS::Lambda::Version" && attr == "FunctionArn":
		return s.functionARN(refLogical(s.raw.Resources[logical].Properties["FunctionName"]))
	case typ == "AWS::Lambda::Alias" && (attr == "AliasArn" || attr == "Arn"):
		return s.aliasARN(logical)
	case typ == "AWS::ApiGateway::RestApi" && attr == "RootResourceId":
		return "root-" + s.apiID(logical)
	case typ == "AWS::ApiGateway::RestApi" && attr == "RestApiId", typ == "AWS::ApiGatewayV2::Api" && attr == "ApiId":
		return s.apiID(logical)
	case typ == "AWS::ApiGatewayV2::Api" && attr == "ApiEndpoint":
		return fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", s.apiID(logical), s.Region)
	case typ == "AWS::Cognito::UserPool" && attr == "Arn":
		return fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", s.Region, s.Account, s.userPoolID(logical))
	case typ == "AWS::Cognito::UserPool" && attr == "ProviderURL":
		return fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", s.Region, s.userPoolID(logical))
	case typ == "AWS::IAM::Role" && attr == "Arn":
		return fmt.Sprintf("arn:aws:iam::%s:role/%s", s.Account, s.roleName(logical))
	case attr == "Arn":
		service, kind, _ := strings.Cut(strings.TrimPrefix(typ, "AWS::"), "::")
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", strings.ToLower(service), s.Region, s.Account, strings.ToLower(kind), logical)
	}
	return ""
}

// PhysicalRef is what {"Ref": logical} resolves to locally for a resource of this stack.
func (s *Stack) PhysicalRef(logical string) string {
	r, ok := s.resources[logical]
	if !ok {
		return logical
	}
	v, _ := s.physicalRef(logical, r.Type).(string)
	return v
}

// PhysicalAtt is what {"Fn::GetAtt": [logical, attr]} resolves to locally for a resource of
// this stack, or "" when the resource or attribute is not modelled.
func (s *Stack) PhysicalAtt(logical, attr string) string {
	r, ok := s.resources[logical]
	if !ok {
		return ""
	}
	return s.physicalAtt(logical, r.Type, attr)
}
