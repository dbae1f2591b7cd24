package assembly

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// bound is the range of values CloudFormation accepts for a numeric property.
type bound struct {
	min, max float64
	integer  bool   // the property's type is Integer
	unit     string // of the value, for messages ("seconds"); "" for a count
}

// maxInteger bounds the Integer properties whose reference page gives no maximum: the services
// take them as 32-bit integers (their API shapes are Java ints). A larger value could not be
// deployed; locally it would overflow.
const maxInteger = math.MaxInt32

// The ranges of the numbers portico serve reads from templates, each from the page of the
// CloudFormation template reference (or the service API reference it defers to) that says so.
var (
	// AWS::Lambda::Function, Timeout: "The amount of time (in seconds) that Lambda allows a
	// function to run before stopping it. The default is 3 seconds. The maximum allowed value
	// is 900 seconds." (Lambda API reference, CreateFunction, Timeout: "Valid Range: Minimum
	// value of 1.")
	functionTimeout = bound{min: 1, max: 900, integer: true, unit: "seconds"}
	// AWS::Lambda::Function, MemorySize: "You can configure memory between 128 MB and
	// 10,240 MB in 1-MB increments." (Lambda developer guide, Configure Lambda function memory)
	functionMemory = bound{min: 128, max: 10240, integer: true, unit: "MB"}
	// AWS::Lambda::Function, ReservedConcurrentExecutions: "Valid Range: Minimum value of 0."
	// (Lambda API reference, Concurrency)
	reservedConcurrency = bound{min: 0, max: maxInteger, integer: true}
	// AWS::ApiGateway::Authorizer and AWS::ApiGatewayV2::Authorizer,
	// AuthorizerResultTtlInSeconds: "If it equals 0, authorization caching is disabled. [...]
	// The maximum value is 3600, or 1 hour."
	authorizerTTL = bound{min: 0, max: 3600, integer: true, unit: "seconds"}
	// AWS::ApiGateway::Method Integration, TimeoutInMillis: "Custom timeout between 50 and
	// 29,000 milliseconds." Quotas for configuring and running a REST API in API Gateway:
	// "Integration timeout for edge-optimized APIs: 50 milliseconds - 29 seconds [...] Can be
	// increased: No"; for Regional and private APIs the same, "Can be increased: Yes*":
	// restRaisedTimeout.
	restTimeout       = bound{min: 50, max: 29000, integer: true, unit: "milliseconds"}
	restRaisedTimeout = bound{min: 50, max: maxInteger, integer: true, unit: "milliseconds"}
	// AWS::ApiGatewayV2::Integration, TimeoutInMillis: "Custom timeout between 50 and 29,000
	// milliseconds for WebSocket APIs and between 50 and 30,000 milliseconds for HTTP APIs."
	httpTimeout      = bound{min: 50, max: 30000, integer: true, unit: "milliseconds"}
	webSocketTimeout = bound{min: 50, max: 29000, integer: true, unit: "milliseconds"}
	// Throttles (AWS::ApiGateway::Stage MethodSetting ThrottlingBurstLimit: Integer,
	// ThrottlingRateLimit: Number; AWS::ApiGatewayV2::Stage RouteSettings, likewise;
	// AWS::ApiGateway::UsagePlan ThrottleSettings BurstLimit: Integer, RateLimit: Number). The
	// pages give no minimum; a token bucket has none below 0 (Portico's choice, README).
	burstLimit = bound{min: 0, max: maxInteger, integer: true}
	rateLimit  = bound{min: 0, max: math.MaxFloat64, unit: "requests per second"}
	// AWS::ApiGateway::UsagePlan QuotaSettings, Limit and Offset: Integer, "The target maximum
	// number of requests" and "The number of requests subtracted from the given limit in the
	// initial time period"; counts, so not below 0. (The offset's maximum depends on Period and
	// is checked with the plan, in local/access/usage.)
	quotaCount = bound{min: 0, max: maxInteger, integer: true}
	// AWS::ApiGatewayV2::Api Cors, MaxAge: Integer, no range given.
	corsMaxAge = bound{min: math.MinInt32, max: maxInteger, integer: true, unit: "seconds"}
)

// quotaPeriods are AWS::ApiGateway::UsagePlan QuotaSettings Period's values: "Valid values are
// "DAY", "WEEK" or "MONTH"." (API Gateway API reference, QuotaSettings)
var quotaPeriods = []string{"DAY", "WEEK", "MONTH"}

func (b bound) String() string {
	kind, lo, hi := "a number", strconv.FormatFloat(b.min, 'f', -1, 64), strconv.FormatFloat(b.max, 'f', -1, 64)
	if b.integer {
		kind = "an integer"
	}
	s := fmt.Sprintf("%s from %s to %s", kind, lo, hi)
	if b.max == math.MaxFloat64 {
		s = fmt.Sprintf("%s of at least %s", kind, lo)
	}
	if b.unit != "" {
		s += " (" + b.unit + ")"
	}
	return s
}

// accepts reports whether b admits x.
func (b bound) accepts(x float64) bool {
	return !math.IsNaN(x) && x >= b.min && x <= b.max && (!b.integer || x == math.Trunc(x))
}

// number reads the value v of property prop of r, checked against b: false when v is absent, a
// value the resolver could not resolve (it has warned), or one CloudFormation would refuse,
// which is recorded for Load to refuse the assembly. A JSON number or a numeric string is read,
// as CloudFormation reads both.
func (a *Assembly) number(st *Stack, r *resource, prop string, v any, b bound) (float64, bool) {
	var x float64
	switch t := v.(type) {
	case nil:
		return 0, false
	case float64:
		x = t
	case string:
		if strings.HasPrefix(t, unresolvedPrefix) {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			a.refuse(st, r, prop, v, b)
			return 0, false
		}
		x = f
	default:
		a.refuse(st, r, prop, v, b)
		return 0, false
	}
	if !b.accepts(x) {
		a.refuse(st, r, prop, v, b)
		return 0, false
	}
	return x, true
}

// integer is number for the Integer properties (b.integer).
func (a *Assembly) integer(st *Stack, r *resource, prop string, v any, b bound) (int, bool) {
	x, ok := a.number(st, r, prop, v, b)
	return int(x), ok
}

// refuse records a value CloudFormation would refuse, naming the stack, the resource and the
// property, quoting the value as the template has it and saying what is allowed.
func (a *Assembly) refuse(st *Stack, r *resource, prop string, v any, allowed fmt.Stringer) {
	quoted, err := json.Marshal(v)
	if err != nil {
		quoted = []byte(fmt.Sprint(v))
	}
	a.refusals = append(a.refusals, fmt.Sprintf("stack %s: %s %s: %s is %s; CloudFormation accepts %s (CloudFormation template reference, %s)",
		st.Name, r.Type, r.LogicalID, prop, quoted, allowed, r.Type))
}

// oneOf is the allowed values of an enumerated property, for refuse.
type oneOf []string

func (o oneOf) String() string { return "one of " + strings.Join(o, ", ") }
