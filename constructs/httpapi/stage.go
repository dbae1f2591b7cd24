package httpapi

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// StageOptions configures a stage.
type StageOptions struct {
	// Description of the stage.
	// Default: none.
	Description *string

	// StageVariables are passed to handlers and authorizers as stageVariables.
	// Default: none.
	StageVariables *map[string]*string

	// Throttle limits every route of the stage (steady rate per second and burst).
	// Default: the account's limits.
	Throttle *awsapigatewayv2.ThrottleSettings

	// AccessLogRetention is how long the stage's JSON access logs are kept.
	// Default: one month.
	AccessLogRetention awslogs.RetentionDays
}

// AccessLogFormat is the JSON line written for each request: enough to trace a call through
// the authorizer and the integration.
const AccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",` +
	`"routeKey":"$context.routeKey","path":"$context.path","status":"$context.status",` +
	`"protocol":"$context.protocol","responseLength":"$context.responseLength",` +
	`"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}`

var stageNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

type stage struct {
	name  string
	stage awsapigatewayv2.HttpStage
	cfn   awsapigatewayv2.CfnStage
	// routeSettings is CloudFormation's RouteSettings map, read lazily at synth.
	routeSettings map[string]any
}

func (a *httpApi) AddStage(name string, options *StageOptions) awsapigatewayv2.HttpStage {
	if name == DefaultStageName {
		panic(fmt.Errorf("HttpApi %s: AddStage: only the stage created with the API can be %q; set StageName in HttpApiProps", *a.Node().Path(), name))
	}
	return a.addStage("Stage"+name, name, options)
}

func (a *httpApi) addStage(id, name string, options *StageOptions) awsapigatewayv2.HttpStage {
	path := *a.Node().Path()
	if name != DefaultStageName && !stageNameRe.MatchString(name) {
		panic(fmt.Errorf("HttpApi %s: stage name must be %q or 1 to 128 letters, digits, \"-\" or \"_\", got %q", path, DefaultStageName, name))
	}
	for _, s := range a.stages {
		if s.name == name {
			panic(fmt.Errorf("HttpApi %s: stage %q is already defined", path, name))
		}
	}
	if options == nil {
		options = &StageOptions{}
	}
	validateThrottle(path, fmt.Sprintf("stage %q Throttle", name), options.Throttle)
	retention := options.AccessLogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_MONTH
	}

	scope := constructs.NewConstruct(a, jsii.String(id))
	logs := awslogs.NewLogGroup(scope, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: retention})
	st := awsapigatewayv2.NewHttpStage(scope, jsii.String("Resource"), &awsapigatewayv2.HttpStageProps{
		HttpApi:        a.api,
		StageName:      jsii.String(name),
		AutoDeploy:     jsii.Bool(true),
		Description:    options.Description,
		StageVariables: options.StageVariables,
		Throttle:       options.Throttle,
	})
	s := &stage{name: name, stage: st, cfn: st.Node().DefaultChild().(awsapigatewayv2.CfnStage), routeSettings: map[string]any{}}
	s.cfn.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(AccessLogFormat),
	})
	s.cfn.SetRouteSettings(awscdk.Lazy_Any(s, &awscdk.LazyAnyValueOptions{OmitEmptyArray: jsii.Bool(true)}))
	a.stages = append(a.stages, s)
	for _, t := range a.throttled {
		s.addRouteThrottle(t)
	}
	return st
}

// addRouteThrottle records t in the stage's RouteSettings. The stage must wait for the route:
// CloudFormation rejects settings for a route key that does not exist yet.
func (s *stage) addRouteThrottle(t throttledRoute) {
	settings := map[string]any{}
	if t.throttle.RateLimit != nil {
		settings["ThrottlingRateLimit"] = *t.throttle.RateLimit
	}
	if t.throttle.BurstLimit != nil {
		settings["ThrottlingBurstLimit"] = *t.throttle.BurstLimit
	}
	s.routeSettings[t.key] = settings
	s.cfn.Node().AddDependency(t.route)
}

// Produce implements awscdk.IStableAnyProducer: RouteSettings as they are at synth.
func (s *stage) Produce() any {
	if len(s.routeSettings) == 0 {
		return nil
	}
	return s.routeSettings
}
