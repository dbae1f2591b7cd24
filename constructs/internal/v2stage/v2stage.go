// Package v2stage holds the stage code that HTTP and WebSocket APIs (API Gateway v2) share:
// stages with JSON access logs, throttle checks, and per-route throttles written to every
// stage's RouteSettings.
package v2stage

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/apistage"
	"github.com/portico-dev/portico/constructs/internal/apigw"
)

// CheckThrottle panics when t has a negative rate or a negative or fractional burst. owner
// ("HttpApi /Stack/Api") and field start the message.
func CheckThrottle(owner, field string, t *awsapigatewayv2.ThrottleSettings) {
	if t == nil {
		return
	}
	if err := apigw.CheckThrottle(field, t.RateLimit, t.BurstLimit); err != nil {
		panic(fmt.Errorf("%s: %w", owner, err))
	}
}

// Stages are the stages of one API (T is HttpStage or WebSocketStage) and the route throttles
// every stage applies, whichever is added first.
type Stages[T awsapigatewayv2.IStage] struct {
	owner     string
	logFormat string
	stages    []*stage
	made      []T
	throttled []routeThrottle
}

// New returns the stages of the API that owner ("HttpApi /Stack/Api") names; each stage logs
// one logFormat line per request.
func New[T awsapigatewayv2.IStage](owner, logFormat string) *Stages[T] {
	return &Stages[T]{owner: owner, logFormat: logFormat}
}

// All returns the stages in the order they were added.
func (s *Stages[T]) All() []T { return s.made }

// Names returns the stage names in the order they were added.
func (s *Stages[T]) Names() []string {
	names := make([]string, 0, len(s.stages))
	for _, st := range s.stages {
		names = append(names, st.name)
	}
	return names
}

// Add makes construct id in parent holding the stage's log group ("AccessLogs") and the stage
// itself, which newStage makes with the id it is given. The caller checks the name's form.
func (s *Stages[T]) Add(parent constructs.Construct, id, name string, o *apistage.StageOptions, newStage func(scope constructs.Construct, id *string, o *apistage.StageOptions) T) T {
	for _, st := range s.stages {
		if st.name == name {
			panic(fmt.Errorf("%s: stage %q is already defined", s.owner, name))
		}
	}
	if o == nil {
		o = &apistage.StageOptions{}
	}
	CheckThrottle(s.owner, fmt.Sprintf("stage %q Throttle", name), o.Throttle)
	retention := o.AccessLogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_MONTH
	}

	scope := constructs.NewConstruct(parent, jsii.String(id))
	logs := awslogs.NewLogGroup(scope, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: retention})
	made := newStage(scope, jsii.String("Resource"), o)
	st := &stage{name: name, cfn: made.Node().DefaultChild().(awsapigatewayv2.CfnStage), routeSettings: map[string]any{}}
	st.cfn.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(s.logFormat),
	})
	st.cfn.SetRouteSettings(awscdk.Lazy_Any(st, &awscdk.LazyAnyValueOptions{OmitEmptyArray: jsii.Bool(true)}))
	s.stages = append(s.stages, st)
	s.made = append(s.made, made)
	for _, t := range s.throttled {
		st.addRouteThrottle(t)
	}
	return made
}

// Throttle limits route routeKey on every stage, present and future; a nil t does nothing.
func (s *Stages[T]) Throttle(routeKey string, route constructs.IConstruct, t *awsapigatewayv2.ThrottleSettings) {
	if t == nil {
		return
	}
	rt := routeThrottle{key: routeKey, route: route, throttle: t}
	s.throttled = append(s.throttled, rt)
	for _, st := range s.stages {
		st.addRouteThrottle(rt)
	}
}

type routeThrottle struct {
	key      string
	route    constructs.IConstruct
	throttle *awsapigatewayv2.ThrottleSettings
}

type stage struct {
	name string
	cfn  awsapigatewayv2.CfnStage
	// routeSettings is CloudFormation's RouteSettings map, read lazily at synth.
	routeSettings map[string]any
}

// addRouteThrottle records t in the stage's RouteSettings. The stage must wait for the route:
// CloudFormation rejects settings for a route key that does not exist yet.
func (s *stage) addRouteThrottle(t routeThrottle) {
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
