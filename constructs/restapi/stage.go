package restapi

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/apiaccount"
	"github.com/portico-dev/portico/constructs/internal/apigw"
)

// StageProps configures one stage.
type StageProps struct {
	// Name of the stage, e.g. "dev" or "prod": letters, digits, '-' and '_', up to 128.
	// Default: none; required.
	Name *string

	// Variables are the stage variables: names [A-Za-z0-9_]+ up to 64 characters, values up to
	// 512 characters of letters, digits and -._~:/?#&=, (a route's FunctionAliasVariable picks a
	// Lambda alias through one of them).
	// Default: none.
	Variables *map[string]*string

	// ThrottlingRateLimit is the stage's steady-state requests per second for every method.
	// Default: the account's limit.
	ThrottlingRateLimit *float64

	// ThrottlingBurstLimit is the stage's burst for every method.
	// Default: the account's limit.
	ThrottlingBurstLimit *float64

	// LoggingLevel of execution logs.
	// Default: ERROR.
	LoggingLevel awsapigateway.MethodLoggingLevel

	// TracingEnabled turns on X-Ray tracing.
	// Default: false.
	TracingEnabled *bool

	// AccessLogRetention of the stage's JSON access log group.
	// Default: one year.
	AccessLogRetention awslogs.RetentionDays

	// ExecutionLogRetention of the stage's execution log group,
	// API-Gateway-Execution-Logs_{apiId}/{stage}, which the construct creates (unless
	// LoggingLevel is OFF) so that API Gateway does not create it without retention.
	// Default: AccessLogRetention.
	ExecutionLogRetention awslogs.RetentionDays
}

// Stage is one stage of a RestApi.
type Stage struct {
	name     string
	api      *restApi
	stage    awsapigateway.Stage
	level    awsapigateway.MethodLoggingLevel
	throttle Throttle // the stage-wide throttle
	vars     map[string]string
	accessLg awslogs.LogGroup
	execLg   awslogs.LogGroup
}

// Name is the stage name.
func (s *Stage) Name() string { return s.name }

// Resource is the awsapigateway.Stage.
func (s *Stage) Resource() awsapigateway.Stage { return s.stage }

// AccessLogs is the stage's access log group.
func (s *Stage) AccessLogs() awslogs.LogGroup { return s.accessLg }

// ExecutionLogs is the stage's execution log group, nil when its LoggingLevel is OFF.
func (s *Stage) ExecutionLogs() awslogs.LogGroup { return s.execLg }

// Variable is the literal value of a stage variable and whether the stage sets it.
func (s *Stage) Variable(name string) (string, bool) {
	v, ok := s.vars[name]
	return v, ok
}

var (
	varNameRe  = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	varValueRe = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]{1,512}$`)
)

func newStage(a *restApi, p *StageProps) *Stage {
	if p == nil || p.Name == nil {
		panic(fmt.Errorf("RestApi %s: every stage needs a Name", a.path()))
	}
	name := *p.Name
	if !apigw.ValidStageName(name) {
		panic(fmt.Errorf("RestApi %s: stage name must be 1 to 128 letters, digits, '-' or '_', got %q", a.path(), name))
	}
	vars := map[string]string{}
	if p.Variables != nil {
		for k, v := range *p.Variables {
			if !varNameRe.MatchString(k) {
				panic(fmt.Errorf("RestApi %s stage %q: stage variable name must be 1 to 64 of [A-Za-z0-9_], got %q", a.path(), name, k))
			}
			if v == nil || (!*awscdk.Token_IsUnresolved(v) && !varValueRe.MatchString(*v)) {
				panic(fmt.Errorf("RestApi %s stage %q: stage variable %s must be 1 to 512 of letters, digits and -._~:/?#&=, got %q", a.path(), name, k, deref(v)))
			}
			vars[k] = *v
		}
	}
	level := p.LoggingLevel
	if level == "" {
		level = awsapigateway.MethodLoggingLevel_ERROR
	}
	retention := p.AccessLogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_YEAR
	}
	logs := newAccessLogs(a, "AccessLogs_"+name, retention)
	stage := awsapigateway.NewStage(a, jsii.String("Stage_"+name), &awsapigateway.StageProps{
		Deployment:           a.deployment,
		StageName:            jsii.String(name),
		Variables:            p.Variables,
		TracingEnabled:       p.TracingEnabled,
		AccessLogDestination: awsapigateway.NewLogGroupLogDestination(logs),
		AccessLogFormat:      accessLogFormat(),
	})
	s := &Stage{name: name, api: a, stage: stage, level: level,
		throttle: Throttle{RateLimit: p.ThrottlingRateLimit, BurstLimit: p.ThrottlingBurstLimit}, vars: vars, accessLg: logs}
	if level != awsapigateway.MethodLoggingLevel_OFF {
		execRetention := p.ExecutionLogRetention
		if execRetention == "" {
			execRetention = retention
		}
		s.execLg = newExecutionLogs(a, name, execRetention)
		stage.Node().AddDependency(s.execLg)
	}
	// Access logs are always on, so every stage needs the account's CloudWatch Logs role.
	if a.accountSettings {
		apiaccount.Require(stage, a.api.Node().DefaultChild())
	}
	s.setMethodSettings()
	return s
}

// setMethodSettings writes the stage-wide settings ("*/*") and one entry per throttled route.
// It is called again after each throttled route, so the stage always lists them all.
func (s *Stage) setMethodSettings() {
	settings := []any{&awsapigateway.CfnStage_MethodSettingProperty{
		HttpMethod:           jsii.String("*"),
		ResourcePath:         jsii.String("/*"),
		LoggingLevel:         jsii.String(string(s.level)),
		DataTraceEnabled:     jsii.Bool(false),
		MetricsEnabled:       jsii.Bool(true),
		ThrottlingRateLimit:  s.throttle.RateLimit,
		ThrottlingBurstLimit: s.throttle.BurstLimit,
	}}
	var keys []string
	for k := range s.api.routes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := s.api.routes[k]
		if r.throttle == nil {
			continue
		}
		settings = append(settings, &awsapigateway.CfnStage_MethodSettingProperty{
			HttpMethod:           jsii.String(apigw.ArnMethod(r.method)),
			ResourcePath:         jsii.String(r.resourcePath),
			LoggingLevel:         jsii.String(string(s.level)),
			MetricsEnabled:       jsii.Bool(true),
			ThrottlingRateLimit:  r.throttle.RateLimit,
			ThrottlingBurstLimit: r.throttle.BurstLimit,
		})
	}
	s.stage.Node().DefaultChild().(awsapigateway.CfnStage).SetMethodSettings(settings)
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
