// Package restapi provides public (REGIONAL or EDGE) and private REST APIs on Amazon API Gateway
// with the defaults a security review accepts: resource policies written for the endpoint type,
// Go Lambda proxy routes with invoke permissions scoped to their method and path, Cognito and
// Lambda authorizers, several stages with validated stage variables (which can pick a Lambda
// alias per stage), usage plans and API keys, and a deployment whose logical ID changes whenever
// something that needs a redeploy changes.
package restapi

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/apigw"
	"github.com/portico-dev/portico/constructs/internal/nagsuppress"
	"github.com/portico-dev/portico/constructs/policy"
)

// RestApiOptions are the settings shared by public and private APIs.
type RestApiOptions struct {
	// RestApiName is the API's name.
	// Default: the construct's path with "-" for "/", e.g. "MyStack-Api".
	RestApiName *string

	// Description of the API.
	// Default: none.
	Description *string

	// Stages to create, each with its own variables, throttling, logging and tracing. Every stage
	// serves the same (latest) deployment.
	// Default: one stage named "prod".
	Stages *[]*StageProps

	// Policy is the resource policy. On a private API the construct adds the Deny for callers
	// outside its VPC endpoints (or RestrictToVpcIds) and, when Policy has no Allow statement, an
	// Allow for everyone else. The policy is rendered when the API is built.
	// Default: none on a public API; on a private API, Allow all + Deny outside the endpoints.
	Policy *policy.Document

	// ApiKeySource says where API Gateway reads a caller's API key: the x-api-key header or the
	// usageIdentifierKey returned by a Lambda authorizer.
	// Default: HEADER.
	ApiKeySource awsapigateway.ApiKeySourceType

	// SecurityPolicy is the minimum TLS version (and cipher suites) of the API's endpoint.
	// Default: TLS_1_2.
	SecurityPolicy awsapigateway.SecurityPolicy

	// CloudWatchRole makes the stages wait for the account settings (AWS::ApiGateway::Account
	// and its CloudWatch Logs role) that their access and execution logs need: the stack's
	// apiaccount.ApiAccount, shared by its REST and WebSocket APIs and created by the first, or,
	// when the app's context names another stack (apiaccount.OwnerStackContext), that stack's.
	// Set false when the settings are managed outside this app.
	// Default: true.
	CloudWatchRole *bool

	// BinaryMediaTypes are the media types API Gateway treats as binary, each "type/subtype"
	// ("image/png"), "type/*" ("image/*") or "*/*" (every type). A request whose Content-Type
	// matches one reaches the function base64-encoded (isBase64Encoded: true); a response the
	// function marks isBase64Encoded is decoded only when the first media type of the request's
	// Accept header matches one, and is otherwise sent as its base64 text. Changing the list
	// creates a new deployment.
	// Default: none; bodies are UTF-8 text both ways.
	BinaryMediaTypes *[]*string

	// Cors answers browsers' CORS preflights on the path of every route (a route's own Cors
	// replaces it), and adds the CORS headers to the gateway responses.
	// Default: no CORS.
	Cors *Cors

	// GatewayResponses customize, by type (one of GatewayResponseTypes, e.g. "DEFAULT_4XX",
	// "UNAUTHORIZED", "THROTTLED"), the answers API Gateway makes itself. With Cors, DEFAULT_4XX
	// and DEFAULT_5XX are always customized, and every customized response gets the CORS
	// headers it does not set itself (Access-Control-Allow-Origin, and
	// Access-Control-Allow-Credentials and Access-Control-Expose-Headers when Cors sets them), so
	// a browser can read an authorizer's 401 or 403 or a throttle's 429. A header of a gateway
	// response is a literal or a request value, never chosen per origin: with several
	// AllowOrigins, set Access-Control-Allow-Origin on DEFAULT_4XX and DEFAULT_5XX (and every
	// type listed here) yourself.
	// Default: API Gateway's own responses (plus DEFAULT_4XX and DEFAULT_5XX with Cors).
	GatewayResponses *map[string]*GatewayResponse
}

// PublicRestApiProps configures NewPublicRestApi.
type PublicRestApiProps struct {
	RestApiOptions

	// EndpointType is REGIONAL or EDGE.
	// Default: REGIONAL.
	EndpointType awsapigateway.EndpointType
}

// PrivateRestApiProps configures NewPrivateRestApi. Give Vpc (the construct creates an
// execute-api interface endpoint in it), VpcEndpointIds (existing endpoints), or both.
type PrivateRestApiProps struct {
	RestApiOptions

	// Vpc in which to create an execute-api interface VPC endpoint, with a security group that
	// allows HTTPS from the VPC's CIDR.
	// Default: no endpoint is created.
	Vpc awsec2.IVpc

	// VpcSubnets for the created endpoint.
	// Default: one private subnet per availability zone.
	VpcSubnets *awsec2.SubnetSelection

	// PrivateDnsEnabled makes the created endpoint answer for *.execute-api.{region}.amazonaws.com
	// inside the VPC.
	// Default: true.
	PrivateDnsEnabled *bool

	// VpcEndpointIds are existing execute-api interface endpoints, e.g. "vpce-0123456789abcdef0".
	// Default: none.
	VpcEndpointIds *[]*string

	// RestrictToVpcIds writes the resource policy's Deny with aws:SourceVpc (callers in these VPCs,
	// through any of their endpoints) instead of aws:SourceVpce (callers through these endpoints).
	// Default: restrict by VPC endpoint.
	RestrictToVpcIds *[]*string
}

// RestApi is a REST API with its stages, routes, authorizers and usage plans, made by
// NewPublicRestApi or NewPrivateRestApi, or imported by FromRestApiAttributes.
type RestApi interface {
	constructs.Construct
	// Api is the API, the child "Resource": an awsapigateway.RestApi, or the imported API.
	Api() awsapigateway.IRestApi
	// Url is the URL of the default (first) stage, ending in "/" (of the StageName an import
	// names).
	Url() *string
	// Deployment is the deployment every stage serves (not on an imported API).
	Deployment() awsapigateway.Deployment
	// Stages are the API's stages in the order they were declared (not on an imported API).
	Stages() []*Stage
	// Stage returns the stage named name; it panics when the API has no such stage (and on an
	// imported API).
	Stage(name string) *Stage
	// VpcEndpoints are the execute-api endpoints of a private API, created or named by
	// VpcEndpointIds (not on an imported API).
	VpcEndpoints() []awsec2.IInterfaceVpcEndpoint
	// AddRoute routes method and path to fn through a Lambda proxy integration.
	AddRoute(method, path string, fn awslambda.IFunction, opts *RouteOptions) awsapigateway.Method
	// Routes lists the routes added through this construct as "METHOD /path", sorted.
	Routes() []string
	// AddCognitoAuthorizer adds a COGNITO_USER_POOLS authorizer.
	AddCognitoAuthorizer(id *string, props *CognitoAuthorizerProps) *Authorizer
	// AddTokenAuthorizer adds a Lambda TOKEN authorizer.
	AddTokenAuthorizer(id *string, props *LambdaAuthorizerProps) *Authorizer
	// AddRequestAuthorizer adds a Lambda REQUEST authorizer.
	AddRequestAuthorizer(id *string, props *LambdaAuthorizerProps) *Authorizer
	// AddUsagePlan adds a usage plan on stages of this API (not on an imported API).
	AddUsagePlan(id *string, props *UsagePlanProps) awsapigateway.UsagePlan
	// GrantInvoke lets grantee call the IAM-authorized route method path ("GET", "/orders/{id}")
	// on each of stages: execute-api:Invoke on {apiId}/{stage}/{METHOD}/{path}, a path parameter
	// as "*". No stages means the default (first) stage (the StageName an import names).
	GrantInvoke(grantee awsiam.IGrantable, method, path string, stages ...string) awsiam.Grant
	// AddApiKey creates an enabled API key whose value CloudFormation generates.
	AddApiKey(id *string, props *ApiKeyProps) awsapigateway.IApiKey
}

type restApi struct {
	constructs.Construct
	api        awsapigateway.IRestApi
	deployment awsapigateway.Deployment
	validator  awsapigateway.IRequestValidator
	stages     []*Stage
	routes     map[string]*route
	nAuth      int
	endpoints  []awsec2.IInterfaceVpcEndpoint
	// accountSettings: the stages wait for the account's CloudWatch Logs role (apiaccount).
	accountSettings bool
	// aliasUses are the stage aliases routes select (checked at synth), aliases the app's.
	aliasUses []*aliasUse
	aliases   []awslambda.Alias
	// imported is set on an API imported by FromRestApiAttributes, with stageName its stage.
	imported  *apigw.Imported
	stageName string
	// cors is the API's Cors; preflights maps each path with an OPTIONS preflight to its Cors key.
	cors       *Cors
	preflights map[string]string
	// policyDoc and policyKind render the resource policy again when a preflight needs an Allow
	// (allowPreflights) for preflightScopes.
	policyDoc       *policy.Document
	policyKind      policy.Kind
	allowPreflights bool
	preflightScopes []policy.Scope
}

func (a *restApi) Api() awsapigateway.IRestApi { return a.api }

func (a *restApi) Url() *string {
	if a.imported != nil {
		return jsii.String(*apigw.ExecuteApiEndpoint(a, "https", a.api.RestApiId()) + "/" + a.stageName + "/")
	}
	return a.stages[0].stage.UrlForPath(jsii.String("/"))
}

// stagesOwned is why an imported API cannot reach its stages or deployment.
const stagesOwned = "the API's deployment and stages belong to the stack that created it"

func (a *restApi) Deployment() awsapigateway.Deployment {
	a.imported.Unsupported("Deployment", stagesOwned+"; to serve routes added here, deploy the API again there, or create an awsapigateway.Deployment and Stage in this stack")
	return a.deployment
}

func (a *restApi) Stages() []*Stage {
	a.imported.Unsupported("Stages", stagesOwned+"; use Url")
	return a.stages
}

func (a *restApi) VpcEndpoints() []awsec2.IInterfaceVpcEndpoint {
	a.imported.Unsupported("VpcEndpoints", "the endpoints of a private API are set where it was created; read them there")
	return a.endpoints
}

func (a *restApi) Stage(name string) *Stage {
	a.imported.Unsupported("Stage", stagesOwned+"; use Url")
	for _, s := range a.stages {
		if s.name == name {
			return s
		}
	}
	panic(fmt.Errorf("RestApi %s has no stage %q; its stages are %v", a.path(), name, a.stageNames()))
}

func (a *restApi) stageNames() []string {
	var names []string
	for _, s := range a.stages {
		names = append(names, s.name)
	}
	return names
}

func (a *restApi) path() string { return *a.Node().Path() }

// newConstruct makes the construct of a new API. The Go struct is the construct itself (a jsii
// subclass), so it can be a scope or be passed to Stack_Of, Aspects_Of and cdk-nag like any
// construct.
func newConstruct(scope constructs.Construct, id *string) *restApi {
	a := &restApi{routes: map[string]*route{}, preflights: map[string]string{}}
	constructs.NewConstruct_Override(a, scope, id)
	return a
}

// NewPublicRestApi creates a REGIONAL (or EDGE) REST API.
func NewPublicRestApi(scope constructs.Construct, id *string, props *PublicRestApiProps) RestApi {
	if props == nil {
		props = &PublicRestApiProps{}
	}
	a := newConstruct(scope, id)
	endpointType := props.EndpointType
	if endpointType == "" {
		endpointType = awsapigateway.EndpointType_REGIONAL
	}
	if endpointType != awsapigateway.EndpointType_REGIONAL && endpointType != awsapigateway.EndpointType_EDGE {
		panic(fmt.Errorf("PublicRestApi %s: EndpointType must be REGIONAL or EDGE, got %q; use NewPrivateRestApi for PRIVATE", *a.Node().Path(), endpointType))
	}
	return newRestApi(a, &props.RestApiOptions, &awsapigateway.EndpointConfiguration{
		Types: &[]awsapigateway.EndpointType{endpointType},
	}, props.Policy, policy.Public, nil)
}

// NewPrivateRestApi creates a PRIVATE REST API reachable only through execute-api interface VPC
// endpoints, with a resource policy that denies every caller outside them.
func NewPrivateRestApi(scope constructs.Construct, id *string, props *PrivateRestApiProps) RestApi {
	a := newConstruct(scope, id)
	path := *a.Node().Path()
	if props == nil || (props.Vpc == nil && (props.VpcEndpointIds == nil || len(*props.VpcEndpointIds) == 0)) {
		panic(fmt.Errorf("PrivateRestApi %s: a private API needs at least one execute-api VPC endpoint: set Vpc (to create one) or VpcEndpointIds (to use existing ones)", path))
	}
	var endpoints []awsec2.IInterfaceVpcEndpoint
	if props.Vpc != nil {
		endpoints = append(endpoints, newEndpoint(a, props))
	}
	if props.VpcEndpointIds != nil {
		for i, id := range *props.VpcEndpointIds {
			endpoints = append(endpoints, awsec2.InterfaceVpcEndpoint_FromInterfaceVpcEndpointAttributes(a,
				jsii.String(fmt.Sprintf("ImportedEndpoint%d", i)), &awsec2.InterfaceVpcEndpointAttributes{
					VpcEndpointId: id,
					Port:          jsii.Number(443),
				}))
		}
	}

	// The Deny comes from the construct so it cannot be forgotten; the Allow only when the
	// user wrote none, so a user's narrower Allow (e.g. by CIDR) is not widened. Under a user's
	// Allow, CORS preflights get an Allow of their own (see addPreflight).
	doc := policy.New()
	if props.Policy != nil {
		doc = props.Policy.Clone()
	}
	a.allowPreflights = doc.HasAllow()
	if !a.allowPreflights {
		doc.Allow(policy.Anyone())
	}
	if props.RestrictToVpcIds != nil && len(*props.RestrictToVpcIds) > 0 {
		var vpcs []string
		for _, v := range *props.RestrictToVpcIds {
			vpcs = append(vpcs, deref(v))
		}
		doc.DenyUnless(policy.Vpcs(vpcs...))
	} else {
		var ids []string
		for _, e := range endpoints {
			ids = append(ids, *e.VpcEndpointId())
		}
		doc.DenyUnless(policy.VpcEndpoints(ids...))
	}
	var vpces []awsec2.IVpcEndpoint
	for _, e := range endpoints {
		vpces = append(vpces, e)
	}
	return newRestApi(a, &props.RestApiOptions, &awsapigateway.EndpointConfiguration{
		Types:        &[]awsapigateway.EndpointType{awsapigateway.EndpointType_PRIVATE},
		VpcEndpoints: &vpces,
	}, doc, policy.Private, endpoints)
}

// RestApiAttributes name a REST API created elsewhere: in another stack or outside the CDK.
type RestApiAttributes struct {
	// RestApiId is the API's ID, e.g. "a1b2c3d4e5", or api.Api().RestApiId() of another
	// stack's API.
	// Default: none; required.
	RestApiId *string

	// RootResourceId is the ID of the API's root resource "/", e.g.
	// api.Api().RestApiRootResourceId() of another stack's API.
	// Default: none; required.
	RootResourceId *string

	// StageName is the stage that Url refers to.
	// Default: "prod".
	StageName *string
}

// FromRestApiAttributes imports a REST API so that this stack can add routes to it, with their
// authorizers and invoke permissions, and API keys. A REST API serves a new route only once
// it is deployed again: redeploy the stack that created the API, or create an
// awsapigateway.Deployment and Stage for Api() in this stack. The API's deployment, stages and
// usage plans stay with the stack that created it: Deployment, Stages, Stage, VpcEndpoints,
// AddUsagePlan, and routes with a Throttle or FunctionAliasVariable (which need the stages)
// panic on an imported API.
func FromRestApiAttributes(scope constructs.Construct, id *string, attrs *RestApiAttributes) RestApi {
	a := &restApi{routes: map[string]*route{}, preflights: map[string]string{}}
	a.imported = apigw.NewImport(a, scope, id, "RestApi")
	if attrs == nil {
		attrs = &RestApiAttributes{}
	}
	a.imported.Require("RestApiId", attrs.RestApiId)
	a.imported.Require("RootResourceId", attrs.RootResourceId)
	a.stageName = a.imported.StageName(attrs.StageName, "prod")
	a.api = awsapigateway.RestApi_FromRestApiAttributes(a, jsii.String("Resource"), &awsapigateway.RestApiAttributes{
		RestApiId:      attrs.RestApiId,
		RootResourceId: attrs.RootResourceId,
	})
	return a
}

func newEndpoint(this constructs.Construct, props *PrivateRestApiProps) awsec2.InterfaceVpcEndpoint {
	sg := awsec2.NewSecurityGroup(this, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("HTTPS from the VPC to the execute-api endpoint of " + *this.Node().Path()),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddIngressRule(awsec2.Peer_Ipv4(props.Vpc.VpcCidrBlock()), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS from the VPC"), nil)
	// The CIDR is a reference to the VPC's, which cdk-nag cannot resolve; it is never 0.0.0.0/0.
	nagsuppress.Add(sg, "CdkNagValidationFailure",
		"The only ingress rule allows HTTPS from the VPC's own CIDR block (Fn::GetAtt Vpc.CidrBlock), which cdk-nag cannot resolve at synth.",
		jsii.String("AwsSolutions-EC23"))
	privateDNS := props.PrivateDnsEnabled
	if privateDNS == nil {
		privateDNS = jsii.Bool(true)
	}
	return awsec2.NewInterfaceVpcEndpoint(this, jsii.String("Endpoint"), &awsec2.InterfaceVpcEndpointProps{
		Vpc:               props.Vpc,
		Service:           awsec2.InterfaceVpcEndpointAwsService_APIGATEWAY(),
		PrivateDnsEnabled: privateDNS,
		Subnets:           props.VpcSubnets,
		SecurityGroups:    &[]awsec2.ISecurityGroup{sg},
		Open:              jsii.Bool(false),
	})
}

func newRestApi(a *restApi, opts *RestApiOptions, endpoint *awsapigateway.EndpointConfiguration,
	doc *policy.Document, kind policy.Kind, endpoints []awsec2.IInterfaceVpcEndpoint) *restApi {
	path := *a.Node().Path()
	props := &awsapigateway.RestApiProps{
		RestApiName:           opts.RestApiName,
		Description:           opts.Description,
		EndpointConfiguration: endpoint,
		ApiKeySourceType:      opts.ApiKeySource,
		// One account setting per stack (apiaccount), not one per API: the last one deployed
		// wins and the others are orphans.
		CloudWatchRole: jsii.Bool(false),
		// Portico creates the deployment and stages itself: several stages, and a logical ID
		// that covers everything that needs a redeploy.
		Deploy:           jsii.Bool(false),
		BinaryMediaTypes: checkBinaryMediaTypes(path, opts.BinaryMediaTypes),
	}
	if props.RestApiName == nil {
		props.RestApiName = jsii.String(strings.ReplaceAll(path, "/", "-"))
	}
	if props.ApiKeySourceType == "" {
		// Explicit, so the template says where keys come from.
		props.ApiKeySourceType = awsapigateway.ApiKeySourceType_HEADER
	}
	if opts.Cors != nil {
		if err := opts.Cors.check(); err != nil {
			panic(fmt.Errorf("RestApi %s: %w", path, err))
		}
	}
	var policyJSON map[string]any
	a.policyDoc, a.policyKind = doc, kind
	if doc != nil {
		var err error
		if policyJSON, err = doc.JSON(kind); err != nil {
			panic(fmt.Errorf("RestApi %s: %w", path, err))
		}
		props.Policy, _ = doc.Render(kind)
		if principals := doc.Principals(); len(principals) > 0 {
			a.Node().AddValidation(&principalsNeedIam{a: a, principals: principals})
		}
	}
	api := awsapigateway.NewRestApi(a, jsii.String("Resource"), props)
	security := opts.SecurityPolicy
	if security == "" {
		security = awsapigateway.SecurityPolicy_TLS_1_2
	}
	api.Node().DefaultChild().(awsapigateway.CfnRestApi).SetSecurityPolicy(jsii.String(string(security)))
	a.api, a.endpoints = api, endpoints
	a.accountSettings = opts.CloudWatchRole == nil || *opts.CloudWatchRole
	a.deployment = awsapigateway.NewDeployment(a, jsii.String("Deployment"), &awsapigateway.DeploymentProps{
		Api:         api,
		Description: jsii.String("Portico deployment of " + path),
	})
	// A new deployment when the policy or the endpoint configuration changes: API Gateway keeps
	// serving the old ones until the stage is redeployed (aws-cdk issues 5354, 8024).
	a.deployment.AddToLogicalId(map[string]any{"policy": policyJSON})
	a.deployment.AddToLogicalId(map[string]any{"endpoint": endpointHash(endpoint)})

	a.validator = api.AddRequestValidator(jsii.String("Validator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})

	stages := []*StageProps{{Name: jsii.String("prod")}}
	if opts.Stages != nil && len(*opts.Stages) > 0 {
		stages = *opts.Stages
	}
	for _, sp := range stages {
		// Before newStage, whose constructs would otherwise collide with an unclear message.
		if sp != nil && sp.Name != nil && slices.Contains(a.stageNames(), *sp.Name) {
			panic(fmt.Errorf("RestApi %s: stage %q is declared twice", path, *sp.Name))
		}
		a.stages = append(a.stages, newStage(a, sp))
	}
	a.cors = opts.Cors
	a.addGatewayResponses(opts.GatewayResponses, opts.Cors)
	return a
}

// principalsNeedIam fails synth when the resource policy names IAM principals but no route uses
// AWS_IAM: API Gateway knows a caller's principal only from a SigV4-signed request to an IAM
// method ("How API Gateway resource policies affect authorization workflow": only the IAM
// workflow evaluates the caller's identity), so such statements could never match.
type principalsNeedIam struct {
	a          *restApi
	principals []string
}

func (v *principalsNeedIam) Validate() *[]*string {
	for _, r := range v.a.routes {
		if r.iam {
			return &[]*string{}
		}
	}
	return jsii.Strings(fmt.Sprintf("RestApi %s: the resource policy names IAM principals %q, but no route uses IAM authorization; API Gateway knows a caller's principal only from a SigV4-signed request to an AWS_IAM method, so these statements can never match. Add the routes these callers use with RouteOptions.IamAuthorization: true, or take the principals out of the policy",
		v.a.path(), v.principals))
}

// mediaTypeRe is a binaryMediaTypes entry whose effect is known: "type/subtype" of RFC 6838 name
// characters, "type/*" or "*/*" ("Binary media types for REST APIs": "*/* includes all content
// types"). API Gateway accepts other strings (an SDK example of the developer guide creates an
// API with ["*"]) but documents no meaning for them, and "*/test" matched neither "*/test" nor
// "random/test" in LocalStack's AWS-run test_apigateway_lambda.py::test_aws_proxy_binary_response.
var mediaTypeRe = regexp.MustCompile(`^(\*/\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/(\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*))$`)

// checkBinaryMediaTypes returns types after it checks each entry is a media type mediaTypeRe
// allows, listed once.
func checkBinaryMediaTypes(path string, types *[]*string) *[]*string {
	if types == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, t := range *types {
		if t != nil && *awscdk.Token_IsUnresolved(t) {
			continue
		}
		if t == nil || !mediaTypeRe.MatchString(*t) {
			panic(fmt.Errorf(`RestApi %s: a BinaryMediaTypes entry must be "type/subtype", "type/*" or "*/*" (e.g. "image/png", "image/*"), without parameters or "~1" for "/", got %q`, path, deref(t)))
		}
		if seen[*t] {
			panic(fmt.Errorf("RestApi %s: BinaryMediaTypes lists %q twice", path, *t))
		}
		seen[*t] = true
	}
	return types
}

func endpointHash(e *awsapigateway.EndpointConfiguration) map[string]any {
	var types []string
	for _, t := range *e.Types {
		types = append(types, string(t))
	}
	var vpces []any
	if e.VpcEndpoints != nil {
		for _, v := range *e.VpcEndpoints {
			vpces = append(vpces, v.VpcEndpointId())
		}
	}
	sort.Strings(types)
	return map[string]any{"types": types, "vpces": vpces}
}

// accessLogFormat is JSON with every standard field.
func accessLogFormat() awsapigateway.AccessLogFormat {
	t := jsii.Bool(true)
	return awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
		Caller: t, HttpMethod: t, Ip: t, Protocol: t, RequestTime: t, ResourcePath: t,
		ResponseLength: t, Status: t, User: t,
	})
}

func newAccessLogs(scope constructs.Construct, id string, retention awslogs.RetentionDays) awslogs.LogGroup {
	return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{Retention: retention})
}

// newExecutionLogs creates the group API Gateway writes a stage's execution logs to, which it
// would otherwise create itself, without retention, on the first request.
func newExecutionLogs(a *restApi, stage string, retention awslogs.RetentionDays) awslogs.LogGroup {
	return awslogs.NewLogGroup(a, jsii.String("ExecutionLogs_"+stage), &awslogs.LogGroupProps{
		LogGroupName: jsii.String("API-Gateway-Execution-Logs_" + *a.api.RestApiId() + "/" + stage),
		Retention:    retention,
	})
}
