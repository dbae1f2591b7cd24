package access

import (
	"net/http"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
)

// AuthKind is the kind of authorizer on a method.
type AuthKind int

const (
	// NoAuthorizer: the resource policy alone decides.
	NoAuthorizer AuthKind = iota
	// LambdaAuthorizer: the authorizer's policy is evaluated together with the resource policy.
	LambdaAuthorizer
	// TokenAuthorizer: a Cognito user pool (REST) or JWT (HTTP) authorizer whose token was valid;
	// an invalid token has already been refused with 401.
	TokenAuthorizer
)

// Authorizer is an authorizer's answer for one request.
type Authorizer struct {
	Kind AuthKind
	// Name is the authorizer's name, for the log.
	Name string
	// Decision is a Lambda authorizer's policy evaluated against the method ARN (or, for HTTP
	// simple responses, Allow or ImplicitDeny); unused for other kinds.
	Decision iam.Decision
}

// EvaluateResourcePolicy evaluates the API's resource policy p (nil when the API has none). It
// returns nil when there is no policy to apply, and an implicit deny for a private API without a
// policy, which the cloud cannot even deploy.
func EvaluateResourcePolicy(p *iam.Policy, r *check.Request) *iam.Decision {
	switch {
	case p != nil:
		d := p.Evaluate(r.PolicyRequest())
		return &d
	case r.Private:
		return &iam.Decision{Effect: iam.ImplicitDeny, Reason: "private API has no resource policy"}
	default:
		return nil
	}
}

// PreAuthorize is the first phase of the cloud's flow: an explicit Deny in the resource policy
// refuses the request before any authorizer runs (and before it is invoked or billed).
func PreAuthorize(r *check.Request, resource *iam.Decision) error {
	if resource != nil && resource.Effect == iam.Deny {
		return resourceDenial(r, resource)
	}
	return nil
}

// Combine is the second phase: the resource policy decision (nil when none applies) with the
// authorizer's answer, following the same-account table of "How API Gateway resource policies
// affect authorization workflow":
//
//	resource policy  | no authorizer | Lambda Allow | Lambda silent | Lambda Deny | Cognito/JWT valid
//	none             | allow         | allow        | 403 implicit  | 403 explicit| allow
//	Allow            | allow         | allow        | allow         | 403 explicit| allow
//	silent           | 403 implicit  | allow        | 403 implicit  | 403 explicit| 403 implicit
//	Deny             | 403 explicit (refused by PreAuthorize before the authorizer runs)
//
// Cognito with a silent resource policy: the guide's flowchart requires the policy's explicit
// Allow while its table would allow; Portico takes the stricter reading and denies.
func Combine(r *check.Request, resource *iam.Decision, auth Authorizer) error {
	if resource != nil && resource.Effect == iam.Deny {
		return resourceDenial(r, resource) // PreAuthorize refuses it first; kept total
	}
	resourceAllows := resource == nil || resource.Effect == iam.Allow
	switch auth.Kind {
	case LambdaAuthorizer:
		switch {
		case auth.Decision.Effect == iam.Deny:
			return check.AuthorizerDenial(auth.Name, auth.Decision)
		case auth.Decision.Effect == iam.Allow:
			return nil
		case resource != nil && resource.Effect == iam.Allow:
			return nil // Table A: authorizer silent, resource policy Allow => Allow
		default:
			return check.AuthorizerDenial(auth.Name, auth.Decision)
		}
	default: // NoAuthorizer, TokenAuthorizer: the resource policy, if any, must allow
		if resourceAllows {
			return nil
		}
		return resourceDenial(r, resource)
	}
}

func resourceDenial(r *check.Request, d *iam.Decision) *check.Denial {
	user := "anonymous"
	if r.Caller != nil {
		user = r.Caller.ARN
	}
	msg := "User: " + user + " is not authorized to perform: execute-api:Invoke on resource: " + r.MethodARN()
	if d.Effect == iam.Deny {
		msg += " with an explicit deny"
	}
	return &check.Denial{Status: http.StatusForbidden, Message: msg, MessageKey: "Message", Type: "AccessDeniedException", ResponseType: "ACCESS_DENIED", By: "resource policy", Reason: d.String()}
}
