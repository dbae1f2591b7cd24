// Package apigw holds the API Gateway rules that REST, HTTP and WebSocket APIs share: the form
// of a stage name, the bounds of throttles and quotas, how a route appears in an execute-api
// ARN, and what the importers (FromXxxAttributes) share: execute-api URLs and the refusal of
// calls an imported API cannot support.
package apigw

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

var stageNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// ValidStageName reports whether name is 1 to 128 letters, digits, "-" or "_".
func ValidStageName(name string) bool { return stageNameRe.MatchString(name) }

// CheckThrottle returns an error when rate is negative or burst is negative or fractional.
// field ("Throttle", `route "GET /x" Throttle`) starts the message.
func CheckThrottle(field string, rate, burst *float64) error {
	if rate != nil && *rate < 0 {
		return fmt.Errorf("%s.RateLimit must be 0 or more requests per second, got %v", field, *rate)
	}
	if burst != nil && (*burst < 0 || !whole(*burst)) {
		return fmt.Errorf("%s.BurstLimit must be a whole number 0 or more, got %v", field, *burst)
	}
	return nil
}

// CheckQuotaLimit returns an error unless limit is a whole number of 1 or more. field
// ("Quota") starts the message.
func CheckQuotaLimit(field string, limit float64) error {
	if limit < 1 || !whole(limit) {
		return fmt.Errorf("%s.Limit must be a whole number of 1 or more, got %v", field, limit)
	}
	return nil
}

// CheckQuotaOffset returns an error unless offset fits period (DAY, WEEK or MONTH): the offset is
// the day a period starts, 0 for DAY, 0 (Sunday) to 6 for WEEK, 0 (the 1st) to 27 for MONTH, as
// API Gateway's QuotaSettings and Portico's local gateway read it. field ("Quota") starts the
// message; an unknown period is left to the caller's own check.
func CheckQuotaOffset(field, period string, offset float64) error {
	switch period {
	case "DAY":
		if offset != 0 {
			return fmt.Errorf("%s.Offset for period DAY must be 0, got %v", field, offset)
		}
	case "WEEK":
		if offset < 0 || offset > 6 || !whole(offset) {
			return fmt.Errorf("%s.Offset for period WEEK must be a whole number from 0 to 6 (the day the week starts, 0 is Sunday), got %v", field, offset)
		}
	case "MONTH":
		if offset < 0 || offset > 27 || !whole(offset) {
			return fmt.Errorf("%s.Offset for period MONTH must be a whole number from 0 to 27 (the day the month starts, 0 is the 1st), got %v", field, offset)
		}
	}
	return nil
}

func whole(f float64) bool { return f == float64(int64(f)) }

// ArnMethod is method as execute-api ARNs and stage method settings name it: ANY is "*".
func ArnMethod(method string) string {
	if method == "ANY" {
		return "*"
	}
	return method
}

// ArnPath is a route path as it appears in an execute-api ARN: IAM matches the request's real
// path, so a parameter segment ("{id}", "{proxy+}") matches anything.
func ArnPath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

// Imported describes an API imported with a FromXxxAttributes function, for its messages. A nil
// *Imported stands for an API the app created, on which every call is supported.
type Imported struct {
	// Kind is the construct's type, e.g. "HttpApi".
	Kind string
	// Path is the import's construct path, e.g. "Other/Api".
	Path string
}

// NewImport makes api, the Go struct of an imported API of type kind and a jsii subclass of
// constructs.Construct, a construct in scope, and returns the Imported its messages name.
func NewImport(api constructs.Construct, scope constructs.Construct, id *string, kind string) *Imported {
	constructs.NewConstruct_Override(api, scope, id)
	return &Imported{Kind: kind, Path: *api.Node().Path()}
}

// Require panics unless the attribute field of the import is set.
func (i *Imported) Require(field string, value *string) {
	if value == nil || *value == "" {
		panic(fmt.Errorf("%s %s: %s is required to import an API", i.Kind, i.Path, field))
	}
}

// StageName is the stage an import names: given, or dflt when given is nil. It panics unless the
// name is 1 to 128 letters, digits, "-" or "_", or one of special (e.g. "$default").
func (i *Imported) StageName(given *string, dflt string, special ...string) string {
	name := dflt
	if given != nil {
		name = *given
	}
	if !ValidStageName(name) && !slices.Contains(special, name) {
		also := ""
		for _, s := range special {
			also += fmt.Sprintf(" or %q", s)
		}
		panic(fmt.Errorf("%s %s: StageName must be 1 to 128 letters, digits, \"-\" or \"_\"%s, got %q", i.Kind, i.Path, also, name))
	}
	return name
}

// StagesOwned is why an imported API cannot reach its stages.
const StagesOwned = "the API's stages belong to the stack that created it"

// Unsupported panics, on an imported API, for method, which it cannot support; why says what the
// stack that created the API owns and what to do instead. On an API the app created (i is nil)
// it does nothing.
func (i *Imported) Unsupported(method, why string) {
	if i == nil {
		return
	}
	panic(fmt.Errorf("%s %s: %s is not supported on an imported API: %s", i.Kind, i.Path, method, why))
}

// ExecuteApiEndpoint is scheme://{apiId}.execute-api.{region}.{urlSuffix}, the endpoint API
// Gateway gives an API of scope's stack; its stages are served below it.
func ExecuteApiEndpoint(scope constructs.IConstruct, scheme string, apiId *string) *string {
	stack := awscdk.Stack_Of(scope)
	return jsii.String(scheme + "://" + *apiId + ".execute-api." + *stack.Region() + "." + *stack.UrlSuffix())
}

// GrantStages returns the stages a grant covers: stages, or dflt when none are named. On an API
// the app created, known lists its stages and each named stage must be one of them; on an
// imported API (known is nil) each must be a valid stage name or one of special ("$default").
func GrantStages(stages []string, dflt string, known []string, special ...string) ([]string, error) {
	if len(stages) == 0 {
		return []string{dflt}, nil
	}
	for _, s := range stages {
		switch {
		case known != nil && !slices.Contains(known, s):
			return nil, fmt.Errorf("no stage %q; the API's stages are %q", s, known)
		case known == nil && !ValidStageName(s) && !slices.Contains(special, s):
			also := ""
			for _, sp := range special {
				also += fmt.Sprintf(" or %q", sp)
			}
			return nil, fmt.Errorf("stage name must be 1 to 128 letters, digits, \"-\" or \"_\"%s, got %q", also, s)
		}
	}
	return stages, nil
}

// Grant lets grantee perform action ("execute-api:Invoke", "execute-api:ManageConnections") on
// one route of each of stages of the API apiId in scope's stack:
// arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{method}{path}, with method and
// path as ArnMethod and ArnPath write them ("*", "/orders/*").
func Grant(scope constructs.IConstruct, grantee awsiam.IGrantable, action string, apiId *string, stages []string, method, path string) awsiam.Grant {
	api := awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{Service: jsii.String("execute-api"), Resource: apiId})
	arns := make([]*string, 0, len(stages))
	for _, s := range stages {
		arns = append(arns, jsii.String(*api+"/"+s+"/"+method+path))
	}
	return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(action),
		ResourceArns: &arns,
	})
}
