package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/assembly"
)

// Verifier checks the SigV4 signature of a request to an AWS_IAM route or to @connections and
// returns its caller; refusals are *check.Denial with the cloud's answer. region is the API's.
// *sigv4.Verifier is the one `portico serve` uses.
type Verifier interface {
	Verify(r *http.Request, body []byte, region string) (*check.Caller, error)
}

// apiKind is what kind of API an IAM request is to: REST APIs have resource policies and answer
// IAM denials with IAM's messages; HTTP APIs and WebSocket $connect have neither.
type apiKind int

const (
	restAPI apiKind = iota
	v2API
)

// The bodies of REST 403s decided by the caller's identity-based policies. The implicit one is
// what REST APIs answer to a signed caller without an Allow (reported by users of many APIs, e.g.
// "no identity-based policy allows the execute-api:Invoke action" in public issue threads); the
// explicit one is chosen by analogy (IAM names the policy type the same way in "with an explicit
// deny in an identity-based policy").
const (
	msgIdentityImplicit = "User is not authorized to access this resource because no identity-based policy allows the execute-api:Invoke action"
	msgIdentityExplicit = "User is not authorized to access this resource with an explicit deny in an identity-based policy"
)

// authenticate is the first step of IAM authorization: the caller explain assumes (--caller),
// else the request's verified signature.
func (g *Gate) authenticate(r *check.Request, region string) (*check.Caller, error) {
	if r.Caller != nil {
		r.Tracef("signature: skipped, the caller is given (%s)", r.Caller.ARN)
		return r.Caller, nil
	}
	if r.HTTP == nil {
		return nil, errors.New("IAM authorization: the gateway passed no request to verify the signature of")
	}
	c, err := g.cfg.Verify.Verify(r.HTTP, r.Body, region)
	if err != nil {
		return nil, err
	}
	r.Tracef("signature: verified, caller %s (principal %s, account %s)", c.ARN, c.PrincipalARN, c.AccountID)
	return c, nil
}

// authorizeIAM runs the IAM authorization of "How API Gateway resource policies affect
// authorization workflow" on r, whose API (in r.Region, r.AccountID) has the resource policy p
// (nil: none; HTTP APIs and WebSocket APIs never have one): signature, then the resource policy
// and the caller's identity-based policies combined by the same-account or cross-account table.
// It sets r.Caller and returns the caller admitted.
func (g *Gate) authorizeIAM(r *check.Request, kind apiKind, p *iam.Policy) (*check.Caller, error) {
	caller, err := g.authenticate(r, r.Region)
	if err != nil {
		return nil, err
	}
	r.Caller = caller
	var resource *iam.Decision
	if kind == restAPI {
		resource = EvaluateResourcePolicy(p, r)
	}
	if resource != nil {
		r.Tracef("resource policy: %s", resource)
	} else {
		r.Tracef("resource policy: none")
	}
	id := g.identityOf(caller)
	if id.err != nil {
		return nil, identityDenial(kind, iam.Decision{Reason: id.err.Error()}, "portico")
	}
	d := id.policies.Evaluate(r.PolicyRequest())
	r.Tracef("identity-based policy of %s (%s): %s", caller.PrincipalARN, id.source, d)
	cell := tableCell(caller, r.AccountID, resource, d)
	r.Tracef("%s", cell)
	if cell.allowed() {
		return caller, nil
	}
	var denial *check.Denial
	if kind == restAPI && (resource != nil && resource.Effect == iam.Deny || d.Effect == iam.Allow) {
		// The resource policy denies explicitly, or (cross account) does not allow.
		if resource == nil {
			resource = &iam.Decision{Effect: iam.ImplicitDeny, Reason: "the API has no resource policy"}
		}
		denial = resourceDenial(r, resource)
	} else {
		denial = identityDenial(kind, d, "identity-based policy of "+caller.PrincipalARN)
	}
	denial.Reason += "; " + cell.String()
	return nil, denial
}

// identityDenial is the 403 of a caller whose identity-based policies do not allow the request.
func identityDenial(kind apiKind, d iam.Decision, by string) *check.Denial {
	if kind == v2API {
		return &check.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "AccessDeniedException", ResponseType: "ACCESS_DENIED", By: by, Reason: d.String()}
	}
	msg := msgIdentityImplicit
	if d.Effect == iam.Deny {
		msg = msgIdentityExplicit
	}
	return &check.Denial{Status: http.StatusForbidden, Message: msg, MessageKey: "Message", Type: "AccessDeniedException", ResponseType: "ACCESS_DENIED", By: by, Reason: d.String()}
}

// cell is one cell of the outcome tables of "How API Gateway resource policies affect
// authorization workflow": Table A when caller and API share an account, Table B otherwise.
type cell struct {
	same                bool
	callerAcct, apiAcct string
	identity, resource  iam.Effect
	hasResource         bool
}

func tableCell(c *check.Caller, apiAccount string, resource *iam.Decision, identity iam.Decision) cell {
	x := cell{same: c.AccountID == apiAccount, callerAcct: c.AccountID, apiAcct: apiAccount, identity: identity.Effect, hasResource: resource != nil}
	if resource != nil {
		x.resource = resource.Effect
	}
	return x
}

// allowed applies the table: an explicit Deny in either policy denies; in the same account an
// Allow in either allows; across accounts both must allow. Without a resource policy (HTTP,
// WebSocket, or a REST API without one) the resource side is silent, so a cross-account caller is
// denied: it must assume a role in the API's account.
func (x cell) allowed() bool {
	if x.identity == iam.Deny || x.resource == iam.Deny {
		return false
	}
	if x.same {
		return x.identity == iam.Allow || x.resource == iam.Allow
	}
	return x.identity == iam.Allow && x.resource == iam.Allow
}

func (x cell) String() string {
	table := "Table A (same account"
	if !x.same {
		table = "Table B (cross account"
	}
	resource := "none"
	if x.hasResource {
		resource = x.resource.String()
	}
	outcome := "Allow"
	switch {
	case x.identity == iam.Deny || x.resource == iam.Deny:
		outcome = "explicit Deny"
	case !x.allowed():
		outcome = "implicit deny"
	}
	return fmt.Sprintf("%s: caller %s, API %s): IAM policy %s, resource policy %s -> %s", table, x.callerAcct, x.apiAcct, x.identity, resource, outcome)
}

// connectionsResource is the execute-api ARN @connections calls are authorized on. The cloud
// evaluates the route template, not the connection id: its AccessDeniedException names
// .../{stage}/POST/@connections/{connectionId} literally (messages quoted in public issue
// threads and posts about PostToConnection; "Control access to WebSocket APIs with IAM
// authorization" gives the form .../{stage-name}/POST/@connections).
func connectionsResource(api *assembly.V2API, stage, method string) string {
	return iam.Scope{Region: api.Region, Account: api.Account, APIID: api.ID}.ARN("/" + stage + "/" + method + "/@connections/{connectionId}")
}

// ManageConnections returns the access check of the @connections API of a WebSocket API's
// stage: the request's SigV4 signature, then the caller's identity-based policies must allow
// execute-api:ManageConnections (no resource policy applies: a caller of another account is
// refused). Refusals are *check.Denial: 403 AccessDeniedException with IAM's message, as
// PostToConnection reports it.
func (g *Gate) ManageConnections(api *assembly.V2API, stage string) func(ctx context.Context, r *http.Request, body []byte, connectionID string) error {
	return func(_ context.Context, hr *http.Request, body []byte, connectionID string) error {
		if g.cfg.Verify == nil {
			return errors.New("@connections: no SigV4 verifier configured")
		}
		caller, err := g.cfg.Verify.Verify(hr, body, api.Region)
		if err != nil {
			return err
		}
		resource := connectionsResource(api, stage, hr.Method)
		id := g.identityOf(caller)
		d := iam.Decision{Reason: fmt.Sprint(id.err)}
		if id.err == nil {
			pr := iam.Request{Action: iam.ActionManageConnections, Resource: resource, PrincipalARN: caller.PrincipalARN, PrincipalAccount: caller.AccountID, SecureTransport: true}
			d = id.policies.Evaluate(pr)
		}
		x := tableCell(caller, api.Account, nil, d)
		if x.allowed() {
			return nil
		}
		msg := "User: " + caller.ARN + " is not authorized to perform: execute-api:ManageConnections on resource: " + resource
		if d.Effect == iam.Deny {
			msg += " with an explicit deny"
		}
		return &check.Denial{Status: http.StatusForbidden, Message: msg, MessageKey: "Message", Type: "AccessDeniedException",
			By: "identity-based policy of " + caller.PrincipalARN, Reason: fmt.Sprintf("connection %s: %s; %s", connectionID, d, x)}
	}
}
