// Package apigw holds the API Gateway rules that REST, HTTP and WebSocket APIs share: the form
// of a stage name, the bounds of throttles and quotas, and how a route appears in an
// execute-api ARN.
package apigw

import (
	"fmt"
	"regexp"
	"strings"
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
