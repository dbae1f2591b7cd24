// Package check defines what every access check of the local gateway reads and returns: the
// Request as access control sees it, and the Denial, the typed refusal that the gateway maps to
// API Gateway's answer. It is the leaf that local/access and its children (authorizer, usage)
// share, so the parent can compose them.
package check

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/portico-dev/portico/local/access/iam"
)

// Request is what the gateway knows about a request when access control runs.
type Request struct {
	Partition string // Default: "aws"
	Region    string
	AccountID string
	APIID     string
	Stage     string
	RequestID string
	// Private is set for PRIVATE REST APIs: aws:SourceIp is then absent and aws:VpcSourceIp is
	// the client address.
	Private bool

	Method       string      // GET
	Path         string      // the request path without the stage, e.g. /pets/7
	ResourcePath string      // REST resource, e.g. /pets/{id}
	RouteKey     string      // HTTP and WebSocket route key, e.g. "GET /pets/{id}" or "$connect"
	Headers      http.Header // canonical keys, as net/http gives them
	Query        url.Values
	PathParams   map[string]string
	StageVars    map[string]string

	SourceIP netip.Addr
	VpceID   string // the VPC endpoint the request arrived through (private APIs)
	VpcID    string // that endpoint's VPC
	// Caller is the IAM identity of the request, nil when anonymous: set by the IAM check of an
	// AWS_IAM route once the signature is verified, or beforehand by `portico explain --caller`
	// (the check then skips the signature). Resource policies match it on every route.
	Caller *Caller
	// HTTP is the request as received (method, escaped path with the stage, raw query, Host,
	// headers) and Body its body: what a SigV4 signature covers. HTTP is nil in explain without
	// a signed request.
	HTTP *http.Request
	Body []byte

	// Trace, when set, receives each access decision as a line (portico explain).
	Trace func(line string)
}

// Caller is the IAM identity that signed a request with SigV4, as events and policies see it.
type Caller struct {
	// AccessKey is the access key ID the request was signed with.
	AccessKey string
	// AccountID is the caller's AWS account.
	AccountID string
	// ARN is the caller as events show it (userArn): for a role session
	// arn:aws:sts::{account}:assumed-role/{role name}/{session}, for a user
	// arn:aws:iam::{account}:user/{path}{name}, for an account's root arn:aws:iam::{account}:root.
	ARN string
	// PrincipalARN is the caller as policies match it (Principal, aws:PrincipalArn): a role
	// session's role ARN (arn:aws:iam::{account}:role/{path}{name}), else ARN.
	PrincipalARN string
	// UserID is the caller's unique id as events show it (caller, user): "AROA...:{session}"
	// for a role session, "AIDA..." for a user, the account ID for root.
	UserID string
}

// Tracef records an access decision when the request is traced; serving skips the formatting.
func (r *Request) Tracef(format string, args ...any) {
	if r.Trace != nil {
		r.Trace(fmt.Sprintf(format, args...))
	}
}

// MethodARN is the execute-api ARN that policies are evaluated against:
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}. For WebSocket routes
// (RouteKey starting with "$" or a custom key with no Method) it is .../{stage}/{routeKey}.
func (r *Request) MethodARN() string {
	api := iam.Scope{Partition: r.Partition, Region: r.Region, Account: r.AccountID, APIID: r.APIID}
	if r.Method == "" {
		return api.ARN("/" + r.Stage + "/" + r.RouteKey)
	}
	return api.ARN("/" + r.Stage + "/" + r.Method + "/" + strings.TrimPrefix(r.Path, "/"))
}

// PolicyRequest is the request as a policy sees it.
func (r *Request) PolicyRequest() iam.Request {
	pr := iam.Request{
		Resource:        r.MethodARN(),
		SecureTransport: true, // the cloud serves only HTTPS; loopback HTTP stands in for it
	}
	if r.Caller != nil {
		pr.PrincipalARN, pr.PrincipalAccount = r.Caller.PrincipalARN, r.Caller.AccountID
	}
	if r.Private {
		pr.VpcSourceIP = r.SourceIP
		pr.SourceVpce = r.VpceID
		pr.SourceVpc = r.VpcID
	} else {
		pr.SourceIP = r.SourceIP
	}
	return pr
}

// Denial is a refused request: the status and body API Gateway sends, and who decided and why
// for the log. It is an error so that each step can return it and one place maps it to a response.
type Denial struct {
	Status int
	// Message is the body's message, e.g. "Forbidden".
	Message string
	// MessageKey is the body's key: "message", or "Message" for resource-policy denials (as the
	// cloud spells it).
	MessageKey string
	// Type is the REST x-amzn-ErrorType, e.g. "AccessDeniedException".
	Type string
	// ResponseType is the REST gateway response type that shapes the answer, e.g. "ACCESS_DENIED"
	// ("Gateway response types for API Gateway", supported-gateway-response-types.html).
	ResponseType string
	// Header holds extra response headers (e.g. WWW-Authenticate); may be nil.
	Header http.Header
	// By names the decider: "resource policy", "authorizer MyAuth", "usage plan Gold", ...
	By string
	// Reason says why, in the words of the decider's configuration.
	Reason string
}

func (d *Denial) Error() string { return d.String() }

// String is the one log line for the decision.
func (d *Denial) String() string {
	return fmt.Sprintf("%d %s by %s: %s", d.Status, http.StatusText(d.Status), d.By, d.Reason)
}

// Body is the JSON response body.
func (d *Denial) Body() []byte {
	key := d.MessageKey
	if key == "" {
		key = "message"
	}
	b, _ := json.Marshal(map[string]string{key: d.Message}) // a map of strings always marshals
	return b
}

// The messages API Gateway sends for 403s decided by an authorizer's policy.
const (
	MsgExplicitDeny = "User is not authorized to access this resource with an explicit deny"
	MsgImplicitDeny = "User is not authorized to access this resource"
)

// AuthorizerDenial is the 403 of a REST Lambda authorizer whose policy does not allow the method:
// explicit when the policy denies it, implicit when it is silent.
func AuthorizerDenial(name string, d iam.Decision) *Denial {
	msg := MsgImplicitDeny
	if d.Effect == iam.Deny {
		msg = MsgExplicitDeny
	}
	return &Denial{Status: http.StatusForbidden, Message: msg, Type: "AccessDeniedException", ResponseType: "ACCESS_DENIED", By: "authorizer " + name, Reason: d.String()}
}
