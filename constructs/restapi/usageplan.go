package restapi

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/apigw"
)

// Quota is a request budget per period.
type Quota struct {
	// Limit is the number of requests per period, a whole number 1 or more.
	// Default: none; required.
	Limit float64
	// Period is DAY, WEEK or MONTH.
	// Default: none; required.
	Period awsapigateway.Period
	// Offset is the day each period starts: 0 for DAY; 0 (Sunday) to 6 (Saturday) for WEEK; 0
	// (the 1st) to 27 (the 28th) for MONTH. (The API reference once described it as requests
	// subtracted from the first period; API Gateway and Portico's local gateway read it as a day.)
	// Default: 0.
	Offset *float64
}

// MethodThrottle is a usage plan throttle for one route, on every stage of the plan.
type MethodThrottle struct {
	// Method and Path name a route added with AddRoute, e.g. "GET" and "/orders/{id}".
	// Default: none; required.
	Method, Path string
	Throttle
}

// UsagePlanProps configures AddUsagePlan.
type UsagePlanProps struct {
	// Name of the plan.
	// Default: generated.
	Name *string

	// Stages of this API the plan covers (from RestApi.Stage).
	// Default: every stage of the API.
	Stages *[]*Stage

	// Throttle for each key of the plan.
	// Default: none (the stage's and account's limits).
	Throttle *Throttle

	// Quota for each key of the plan.
	// Default: none.
	Quota *Quota

	// MethodThrottles override Throttle for single routes.
	// Default: none.
	MethodThrottles *[]*MethodThrottle

	// ApiKeys to attach. Keys from AddApiKey have values CloudFormation generates; existing keys
	// can be imported with awsapigateway.ApiKey_FromApiKeyId.
	// Default: none.
	ApiKeys *[]awsapigateway.IApiKey
}

// AddUsagePlan adds a usage plan on stages of this API.
func (a *restApi) AddUsagePlan(id *string, props *UsagePlanProps) awsapigateway.UsagePlan {
	a.imported.Unsupported("AddUsagePlan", stagesOwned+"; add the plan there")
	if props == nil {
		props = &UsagePlanProps{}
	}
	where := fmt.Sprintf("RestApi %s usage plan %q", a.path(), deref(id))
	stages := a.stages
	if props.Stages != nil {
		stages = *props.Stages
	}
	if len(stages) == 0 {
		panic(fmt.Errorf("%s: Stages is empty; name at least one stage of this API", where))
	}
	var perMethod []*awsapigateway.ThrottlingPerMethod
	if props.MethodThrottles != nil {
		for _, mt := range *props.MethodThrottles {
			r, ok := a.routes[mt.Method+" "+mt.Path]
			if !ok {
				panic(fmt.Errorf("%s: method throttle for %s %s names no route of this API; its routes are %v", where, mt.Method, mt.Path, a.Routes()))
			}
			if err := apigw.CheckThrottle(fmt.Sprintf("MethodThrottles %q Throttle", mt.Method+" "+mt.Path), mt.RateLimit, mt.BurstLimit); err != nil {
				panic(fmt.Errorf("%s: %w", where, err))
			}
			perMethod = append(perMethod, &awsapigateway.ThrottlingPerMethod{
				Method:   r.m,
				Throttle: &awsapigateway.ThrottleSettings{RateLimit: mt.RateLimit, BurstLimit: mt.BurstLimit},
			})
		}
	}
	var apiStages []*awsapigateway.UsagePlanPerApiStage
	for _, s := range stages {
		if s == nil || s.api != a {
			other := "nil"
			if s != nil {
				other = fmt.Sprintf("%q of API %s", s.name, s.api.path())
			}
			panic(fmt.Errorf("%s: stage %s is not a stage of this API; a plan added here covers its stages %v", where, other, a.stageNames()))
		}
		st := &awsapigateway.UsagePlanPerApiStage{Api: a.api, Stage: s.stage}
		if perMethod != nil {
			st.Throttle = &perMethod
		}
		apiStages = append(apiStages, st)
	}
	up := &awsapigateway.UsagePlanProps{Name: props.Name, ApiStages: &apiStages}
	if t := props.Throttle; t != nil {
		if err := apigw.CheckThrottle("Throttle", t.RateLimit, t.BurstLimit); err != nil {
			panic(fmt.Errorf("%s: %w", where, err))
		}
		up.Throttle = &awsapigateway.ThrottleSettings{RateLimit: t.RateLimit, BurstLimit: t.BurstLimit}
	}
	if q := props.Quota; q != nil {
		switch q.Period {
		case awsapigateway.Period_DAY, awsapigateway.Period_WEEK, awsapigateway.Period_MONTH:
		default:
			panic(fmt.Errorf("%s: quota Period must be DAY, WEEK or MONTH, got %q", where, q.Period))
		}
		if err := apigw.CheckQuotaLimit("Quota", q.Limit); err != nil {
			panic(fmt.Errorf("%s: %w", where, err))
		}
		if q.Offset != nil {
			if err := apigw.CheckQuotaOffset("Quota", string(q.Period), *q.Offset); err != nil {
				panic(fmt.Errorf("%s: %w", where, err))
			}
		}
		up.Quota = &awsapigateway.QuotaSettings{Limit: jsii.Number(q.Limit), Period: q.Period, Offset: q.Offset}
	}
	plan := awsapigateway.NewUsagePlan(a, id, up)
	if props.ApiKeys != nil {
		for _, k := range *props.ApiKeys {
			plan.AddApiKey(k, nil)
		}
	}
	return plan
}

// ApiKeyProps configures AddApiKey.
type ApiKeyProps struct {
	// Name of the key.
	// Default: generated.
	Name *string
	// Description of the key.
	// Default: none.
	Description *string
}

// AddApiKey creates an enabled API key whose value CloudFormation generates, so no key value is
// in code, templates or outputs (read it with `aws apigateway get-api-key --include-value`).
func (a *restApi) AddApiKey(id *string, props *ApiKeyProps) awsapigateway.IApiKey {
	if props == nil {
		props = &ApiKeyProps{}
	}
	return awsapigateway.NewApiKey(a, id, &awsapigateway.ApiKeyProps{
		ApiKeyName:  props.Name,
		Description: props.Description,
		Enabled:     jsii.Bool(true),
	})
}
