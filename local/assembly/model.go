package assembly

import (
	"slices"
	"time"
)

// Origin says where a modelled resource comes from.
type Origin struct {
	Stack     string // the stack's name
	LogicalID string
	// Region and Account are the stack's (DefaultRegion, DefaultAccount when it is
	// environment-agnostic).
	Region, Account string
}

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

	// RoleARN is the execution role: the Role property as the template resolves locally
	// (arn:aws:iam::{account}:role/{name} for a role of the stack).
	RoleARN string

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
}

// Alias is an AWS::Lambda::Alias (or a Version, with Name the version number).
type Alias struct {
	LogicalID string
	Name      string
	Version   string // "$LATEST" or a number
}

// RestAPI is an AWS::ApiGateway::RestApi with its methods, stages and gateway responses.
type RestAPI struct {
	Origin
	ID               string // local API id, stable across runs
	Name             string
	EndpointTypes    []string // EDGE, REGIONAL, PRIVATE
	BinaryMediaTypes []string
	// APIKeySource is where API keys are read: HEADER (the default) or AUTHORIZER.
	APIKeySource string
	// Policy is the resource policy document as JSON; nil when the API has none.
	Policy           []byte
	Methods          []*RestMethod
	Stages           []*Stage
	GatewayResponses []*GatewayResponse
}

// Private reports whether the API's endpoint type is PRIVATE.
func (a *RestAPI) Private() bool { return slices.Contains(a.EndpointTypes, "PRIVATE") }

// Edge reports whether the API is behind CloudFront: endpoint type EDGE, which is also what an
// API without EndpointConfiguration gets (AWS::ApiGateway::RestApi EndpointConfiguration).
func (a *RestAPI) Edge() bool {
	return len(a.EndpointTypes) == 0 || slices.Contains(a.EndpointTypes, "EDGE")
}

// RestMethod is an AWS::ApiGateway::Method at its resource path.
type RestMethod struct {
	LogicalID string
	Path      string // resource path with {param} and {proxy+}, "/" for the root
	// ResourceID is the local id of the method's AWS::ApiGateway::Resource (the root resource
	// included): the methods of one resource share it, as in the cloud.
	ResourceID        string
	HTTPMethod        string // upper case, or ANY
	AuthorizationType string // NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS
	// AuthorizerID is the logical ID the method names ("" for none); Authorizer is that
	// authorizer, nil when the template has no such AWS::ApiGateway::Authorizer.
	AuthorizerID        string
	Authorizer          *Authorizer
	AuthorizationScopes []string
	APIKeyRequired      bool
	Integration         Integration
}

// Integration is where a method or route sends a request.
type Integration struct {
	Type                 string // AWS_PROXY, HTTP_PROXY, AWS, HTTP, MOCK
	URI                  string // resolved; may hold ${stageVariables.name}
	PayloadFormatVersion string // "1.0" or "2.0" (REST: always "1.0")
	Timeout              time.Duration
	// RequestTemplates by content type (MOCK integrations select the response with them).
	RequestTemplates map[string]string
	// Responses are a REST integration's IntegrationResponses.
	Responses []IntegrationResponse
}

// IntegrationResponse is one REST integration response (e.g. of a MOCK preflight method).
type IntegrationResponse struct {
	StatusCode         string
	SelectionPattern   string
	ResponseParameters map[string]string // e.g. method.response.header.Access-Control-Allow-Origin
	ResponseTemplates  map[string]string // by content type
}

// GatewayResponse is an AWS::ApiGateway::GatewayResponse: how API Gateway's own errors of one
// type (DEFAULT_4XX, UNAUTHORIZED, THROTTLED, ...) are answered.
type GatewayResponse struct {
	LogicalID          string
	ResponseType       string
	StatusCode         string // "" keeps the type's default status
	ResponseParameters map[string]string
	ResponseTemplates  map[string]string
}

// Stage is a deployed stage of an API.
type Stage struct {
	LogicalID string
	Name      string
	// DeploymentID is the local id of the AWS::ApiGateway::Deployment a REST stage serves
	// ("" for HTTP and WebSocket stages).
	DeploymentID string
	Variables    map[string]string
	// MethodSettings are a REST stage's throttles: ResourcePath "/*" with HTTPMethod "*" is
	// the stage default.
	MethodSettings []MethodSetting
	// DefaultRouteThrottle and RouteThrottles (by route key) are an HTTP or WebSocket stage's.
	DefaultRouteThrottle *Throttle
	RouteThrottles       map[string]Throttle
}

// MethodSetting is one entry of a REST stage's MethodSettings that sets a throttle.
type MethodSetting struct {
	ResourcePath string // "/*", or a resource path with "/" encoded as "~1"
	HTTPMethod   string // "*" or a method
	Throttle     Throttle
}

// Throttle is a rate and burst limit as a template sets them; either may be absent.
type Throttle struct {
	RateLimit  *float64
	BurstLimit *int
}

// V2API is an AWS::ApiGatewayV2::Api (an HTTP or WebSocket API) with its routes and stages.
type V2API struct {
	Origin
	ID           string
	Name         string
	ProtocolType string // HTTP or WEBSOCKET
	// RouteSelectionExpression and APIKeySelectionExpression as in the template (WebSocket).
	RouteSelectionExpression  string
	APIKeySelectionExpression string
	// Cors is an HTTP API's CorsConfiguration, nil when none.
	Cors   *Cors
	Routes []*V2Route
	Stages []*Stage
}

// Cors is an HTTP API's CorsConfiguration.
type Cors struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders []string
	AllowCredentials                                        bool
	MaxAge                                                  *int // seconds; nil when not set
}

// V2Route is an AWS::ApiGatewayV2::Route of an HTTP or WebSocket API.
type V2Route struct {
	LogicalID         string
	RouteKey          string // "GET /pets/{id}", "ANY /{proxy+}", "$default", "$connect", "sendmessage"
	AuthorizationType string // NONE, JWT, AWS_IAM, CUSTOM
	// AuthorizerID is the logical ID the route names; Authorizer is nil when the template has
	// no such AWS::ApiGatewayV2::Authorizer.
	AuthorizerID        string
	Authorizer          *Authorizer
	AuthorizationScopes []string
	APIKeyRequired      bool
	Integration         *Integration // nil when the route has no target
	// RouteResponse: a WebSocket route with an AWS::ApiGatewayV2::RouteResponse (two-way).
	RouteResponse bool
}

// Authorizer is an AWS::ApiGateway::Authorizer (REST) or AWS::ApiGatewayV2::Authorizer.
type Authorizer struct {
	Origin
	Name  string // the Name property, else the logical ID
	V2    bool   // an AWS::ApiGatewayV2::Authorizer
	APIID string
	// Type is TOKEN, REQUEST or COGNITO_USER_POOLS (REST), REQUEST or JWT (v2).
	Type string
	// IdentitySources are the identity-source expressions (REST's comma-separated value split).
	IdentitySources      []string
	ValidationExpression string
	// TTLSeconds is the result cache TTL; nil when the template sets none.
	TTLSeconds *int
	// FunctionURI is a Lambda authorizer's AuthorizerUri.
	FunctionURI          string
	PayloadFormatVersion string // v2 REQUEST authorizers
	SimpleResponses      bool   // v2 REQUEST authorizers with payload 2.0
	ProviderARNs         []string
	// JWTIssuer and JWTAudience are a JWT authorizer's JwtConfiguration.
	JWTIssuer   string
	JWTAudience []string
}

// UsagePlan is an AWS::ApiGateway::UsagePlan with its keys (AWS::ApiGateway::UsagePlanKey).
type UsagePlan struct {
	Origin
	Name     string // UsagePlanName, else the logical ID
	Throttle *Throttle
	Quota    *Quota
	Stages   []PlanStage
	Keys     []PlanKey
}

// Quota is a usage plan's request quota.
type Quota struct {
	Limit, Offset int
	Period        string // DAY, WEEK or MONTH
}

// PlanStage is one API stage of a usage plan.
type PlanStage struct {
	APIID string
	Stage string // the stage name
	// MethodThrottles by "/path/METHOD" (REST) or route key (WebSocket).
	MethodThrottles map[string]Throttle
}

// PlanKey is a key of a usage plan.
type PlanKey struct {
	KeyType string // API_KEY
	KeyID   string // "Stack/LogicalID" of the AWS::ApiGateway::ApiKey
}

// APIKey is an AWS::ApiGateway::ApiKey.
type APIKey struct {
	Origin
	Name    string // the Name property, else the logical ID
	Value   string // "" when the template lets API Gateway generate it
	Enabled bool
}

// ID is the key's id in usage plans: "Stack/LogicalID".
func (k *APIKey) ID() string { return k.Stack + "/" + k.LogicalID }

// VPCEndpoint is an execute-api interface AWS::EC2::VPCEndpoint.
type VPCEndpoint struct {
	Origin
	ID, VpcID string // vpce-..., vpc-... as Ref resolves them locally
}

// UserPool is an AWS::Cognito::UserPool with its app clients.
type UserPool struct {
	Origin
	ID        string // {region}_{id}, as Ref of the pool resolves locally
	Name      string // the UserPoolName property, if any
	ARN       string
	IssuerURL string // https://cognito-idp.{region}.amazonaws.com/{ID}
	ClientIDs []string
}

// Role is an AWS::IAM::Role with the policies attached to it in the templates.
type Role struct {
	Origin
	Name string
	ARN  string
	// AssumeRolePolicy is the trust policy document as JSON.
	AssumeRolePolicy []byte
	// Policies are its identity-based policies whose documents the templates hold: inline,
	// AWS::IAM::Policy resources naming it, and the customer-managed policies of the assembly
	// attached to it (by their Roles or its ManagedPolicyArns), named by their ARN.
	Policies []NamedPolicy
	// ManagedPolicyARNs are the managed policies attached to it whose documents the assembly
	// does not hold: AWS managed policies (arn:aws:iam::aws:policy/...) and those of other
	// templates.
	ManagedPolicyARNs []string
}

// ManagedPolicy is a customer-managed AWS::IAM::ManagedPolicy.
type ManagedPolicy struct {
	Origin
	// ARN is what Ref returns: arn:aws:iam::{account}:policy{Path}{ManagedPolicyName}.
	ARN string
	// Document is the policy document as JSON.
	Document []byte
}

// NamedPolicy is an IAM policy document (as JSON) with its name.
type NamedPolicy struct {
	Name     string
	Document []byte
}
