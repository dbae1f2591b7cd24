// Package restapi provides public (REGIONAL or EDGE) and private REST APIs on Amazon API Gateway
// with the defaults a security review accepts: resource policies written for the endpoint type,
// Go Lambda proxy routes with invoke permissions scoped to their method and path, Cognito and
// Lambda authorizers, several stages with validated stage variables (which can pick a Lambda
// alias per stage), usage plans and API keys, and a deployment whose logical ID changes whenever
// something that needs a redeploy changes.
package restapi

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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

	// CloudWatchRole creates the account-level role API Gateway needs to write execution logs.
	// Only one per account and region is needed: set false when another stack owns it.
	// Default: true.
	CloudWatchRole *bool
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

// RestApi is a REST API with its stages, routes, authorizers and usage plans.
type RestApi struct {
	this       constructs.Construct
	api        awsapigateway.RestApi
	deployment awsapigateway.Deployment
	validator  awsapigateway.RequestValidator
	stages     []*Stage
	routes     map[string]*route
	nAuth      int
	endpoints  []awsec2.IInterfaceVpcEndpoint
}

// Api is the underlying awsapigateway.RestApi (construct "Resource").
func (a *RestApi) Api() awsapigateway.RestApi { return a.api }

// Deployment is the deployment every stage serves.
func (a *RestApi) Deployment() awsapigateway.Deployment { return a.deployment }

// Stages are the API's stages in the order they were declared.
func (a *RestApi) Stages() []*Stage { return a.stages }

// VpcEndpoints are the execute-api endpoints of a private API (created or imported).
func (a *RestApi) VpcEndpoints() []awsec2.IInterfaceVpcEndpoint { return a.endpoints }

// Stage returns the stage named name; it panics when the API has no such stage.
func (a *RestApi) Stage(name string) *Stage {
	for _, s := range a.stages {
		if s.name == name {
			return s
		}
	}
	panic(fmt.Errorf("RestApi %s has no stage %q; its stages are %v", a.path(), name, a.stageNames()))
}

func (a *RestApi) stageNames() []string {
	var names []string
	for _, s := range a.stages {
		names = append(names, s.name)
	}
	return names
}

func (a *RestApi) path() string { return *a.this.Node().Path() }

// Node is the construct node of the API (scope/id).
func (a *RestApi) Node() constructs.Node { return a.this.Node() }

// NewPublicRestApi creates a REGIONAL (or EDGE) REST API.
func NewPublicRestApi(scope constructs.Construct, id *string, props *PublicRestApiProps) *RestApi {
	if props == nil {
		props = &PublicRestApiProps{}
	}
	this := constructs.NewConstruct(scope, id)
	endpointType := props.EndpointType
	if endpointType == "" {
		endpointType = awsapigateway.EndpointType_REGIONAL
	}
	if endpointType != awsapigateway.EndpointType_REGIONAL && endpointType != awsapigateway.EndpointType_EDGE {
		panic(fmt.Errorf("PublicRestApi %s: EndpointType must be REGIONAL or EDGE, got %q; use NewPrivateRestApi for PRIVATE", *this.Node().Path(), endpointType))
	}
	return newRestApi(this, &props.RestApiOptions, &awsapigateway.EndpointConfiguration{
		Types: &[]awsapigateway.EndpointType{endpointType},
	}, props.Policy, policy.Public, nil)
}

// NewPrivateRestApi creates a PRIVATE REST API reachable only through execute-api interface VPC
// endpoints, with a resource policy that denies every caller outside them.
func NewPrivateRestApi(scope constructs.Construct, id *string, props *PrivateRestApiProps) *RestApi {
	this := constructs.NewConstruct(scope, id)
	path := *this.Node().Path()
	if props == nil || (props.Vpc == nil && (props.VpcEndpointIds == nil || len(*props.VpcEndpointIds) == 0)) {
		panic(fmt.Errorf("PrivateRestApi %s: a private API needs at least one execute-api VPC endpoint: set Vpc (to create one) or VpcEndpointIds (to use existing ones)", path))
	}
	var endpoints []awsec2.IInterfaceVpcEndpoint
	if props.Vpc != nil {
		endpoints = append(endpoints, newEndpoint(this, props))
	}
	if props.VpcEndpointIds != nil {
		for i, id := range *props.VpcEndpointIds {
			endpoints = append(endpoints, awsec2.InterfaceVpcEndpoint_FromInterfaceVpcEndpointAttributes(this,
				jsii.String(fmt.Sprintf("ImportedEndpoint%d", i)), &awsec2.InterfaceVpcEndpointAttributes{
					VpcEndpointId: id,
					Port:          jsii.Number(443),
				}))
		}
	}

	// The Deny comes from the construct so it cannot be forgotten; the Allow only when the
	// user wrote none, so a user's narrower Allow (e.g. by CIDR) is not widened.
	doc := policy.New()
	if props.Policy != nil {
		doc = props.Policy.Clone()
	}
	if !doc.HasAllow() {
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
	a := newRestApi(this, &props.RestApiOptions, &awsapigateway.EndpointConfiguration{
		Types:        &[]awsapigateway.EndpointType{awsapigateway.EndpointType_PRIVATE},
		VpcEndpoints: &vpces,
	}, doc, policy.Private, endpoints)
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

func newRestApi(this constructs.Construct, opts *RestApiOptions, endpoint *awsapigateway.EndpointConfiguration,
	doc *policy.Document, kind policy.Kind, endpoints []awsec2.IInterfaceVpcEndpoint) *RestApi {
	path := *this.Node().Path()
	props := &awsapigateway.RestApiProps{
		RestApiName:           opts.RestApiName,
		Description:           opts.Description,
		EndpointConfiguration: endpoint,
		ApiKeySourceType:      opts.ApiKeySource,
		CloudWatchRole:        opts.CloudWatchRole,
		// Portico creates the deployment and stages itself: several stages, and a logical ID
		// that covers everything that needs a redeploy.
		Deploy: jsii.Bool(false),
	}
	if props.CloudWatchRole == nil {
		props.CloudWatchRole = jsii.Bool(true)
	}
	if props.RestApiName == nil {
		props.RestApiName = jsii.String(strings.ReplaceAll(path, "/", "-"))
	}
	if props.ApiKeySourceType == "" {
		// Explicit, so the template says where keys come from.
		props.ApiKeySourceType = awsapigateway.ApiKeySourceType_HEADER
	}
	var policyJSON map[string]any
	if doc != nil {
		var err error
		if policyJSON, err = doc.JSON(kind); err != nil {
			panic(fmt.Errorf("RestApi %s: %w", path, err))
		}
		props.Policy, _ = doc.Render(kind)
	}
	api := awsapigateway.NewRestApi(this, jsii.String("Resource"), props)
	security := opts.SecurityPolicy
	if security == "" {
		security = awsapigateway.SecurityPolicy_TLS_1_2
	}
	api.Node().DefaultChild().(awsapigateway.CfnRestApi).SetSecurityPolicy(jsii.String(string(security)))
	if *props.CloudWatchRole {
		nagsuppress.Add(api, "AwsSolutions-IAM4",
			"The account-level API Gateway logging role uses AmazonAPIGatewayPushToCloudWatchLogs, the policy API Gateway documents for that role; it grants log writes only.",
			jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"))
	}

	a := &RestApi{this: this, api: api, routes: map[string]*route{}, endpoints: endpoints}
	a.deployment = awsapigateway.NewDeployment(this, jsii.String("Deployment"), &awsapigateway.DeploymentProps{
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
	return a
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
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_YEAR
	}
	return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{Retention: retention})
}
