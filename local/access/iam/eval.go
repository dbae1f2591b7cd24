// Package iam evaluates IAM policy documents (API Gateway resource policies and the policies
// Lambda authorizers return) against execute-api requests as AWS does: an explicit Deny wins,
// then an Allow, else the request is implicitly denied.
package iam

import (
	"net/netip"
	"strings"

	"github.com/portico-dev/portico/internal/wildcard"
)

// The execute-api actions: Invoke for every API call, ManageConnections for the @connections
// API of WebSocket stages.
const (
	ActionInvoke            = "execute-api:Invoke"
	ActionManageConnections = "execute-api:ManageConnections"
)

// Request is what a policy is evaluated against.
type Request struct {
	// Action defaults to ActionInvoke.
	Action string
	// Resource is the method ARN: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}.
	Resource string
	// SourceIP is aws:SourceIp; leave it invalid on private APIs, where the endpoint hides it.
	SourceIP netip.Addr
	// VpcSourceIP is aws:VpcSourceIp (private APIs only).
	VpcSourceIP netip.Addr
	// SourceVpce and SourceVpc are aws:SourceVpce and aws:SourceVpc (private APIs only).
	SourceVpce, SourceVpc string
	// PrincipalARN is the caller's identity, if any ("" is anonymous).
	PrincipalARN string
	// PrincipalAccount defaults to the account of PrincipalARN.
	PrincipalAccount string
	// SecureTransport is aws:SecureTransport (always true in the cloud, which only serves HTTPS).
	SecureTransport bool
}

func (r *Request) principalAccount() string {
	if r.PrincipalAccount != "" {
		return r.PrincipalAccount
	}
	return arnAccount(r.PrincipalARN)
}

// Effect is the outcome of evaluating a policy.
type Effect int

const (
	// ImplicitDeny means no statement applied (the policy is silent).
	ImplicitDeny Effect = iota
	// Allow means an Allow statement applied and no Deny did.
	Allow
	// Deny means a Deny statement applied (it wins over any Allow).
	Deny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "explicit Deny"
	default:
		return "implicit deny"
	}
}

// Decision is an evaluation outcome with the reason, for the log.
type Decision struct {
	Effect Effect
	// Reason names the deciding statement and its conditions, or, for an implicit deny, why each
	// Allow statement did not apply.
	Reason string
}

func (d Decision) String() string { return d.Effect.String() + ": " + d.Reason }

// Evaluate applies IAM's logic: an applicable Deny statement wins, then an applicable Allow,
// otherwise the request is implicitly denied.
func (p *Policy) Evaluate(r Request) Decision {
	if r.Action == "" {
		r.Action = ActionInvoke
	}
	action := strings.ToLower(r.Action)
	allowed := -1
	for i := range p.statements {
		s := &p.statements[i]
		if s.allow && allowed >= 0 {
			continue // one Allow is enough; only a Deny can change the outcome now
		}
		if ok, _ := s.applies(action, &r, false); !ok {
			continue
		}
		if !s.allow {
			return Decision{Effect: Deny, Reason: p.prefix() + s.because(&r)}
		}
		allowed = i
	}
	if allowed >= 0 {
		return Decision{Effect: Allow, Reason: p.prefix() + p.statements[allowed].because(&r)}
	}
	return Decision{Effect: ImplicitDeny, Reason: p.prefix() + p.silence(action, &r)}
}

// prefix names the policy in front of its explanations.
func (p *Policy) prefix() string {
	if p.name == "" {
		return ""
	}
	return "policy " + p.name + ": "
}

// Policies are the identity-based policies of one principal, evaluated together.
type Policies []*Policy

// Evaluate applies IAM's logic across the policies: an explicit Deny in any of them wins, then
// an Allow in any, otherwise the request is implicitly denied.
func (ps Policies) Evaluate(r Request) Decision {
	allow := Decision{Effect: ImplicitDeny}
	var silent []string
	for _, p := range ps {
		d := p.Evaluate(r)
		switch {
		case d.Effect == Deny:
			return d
		case d.Effect == Allow && allow.Effect != Allow:
			allow = d
		case d.Effect == ImplicitDeny:
			silent = append(silent, d.Reason)
		}
	}
	if allow.Effect == Allow {
		return allow
	}
	if len(silent) == 0 {
		return Decision{Effect: ImplicitDeny, Reason: "no identity-based policy"}
	}
	allow.Reason = strings.Join(silent, "; ")
	return allow
}

// applies reports whether the statement applies to the request; when explain is set and it does
// not, why says which part failed (explanations are only built for denials, off the fast path).
func (s *statement) applies(action string, r *Request, explain bool) (ok bool, why string) {
	switch {
	case s.principals != nil && !s.principals.match(r):
		if explain {
			caller := r.PrincipalARN
			if caller == "" {
				caller = "anonymous"
			}
			why = "principal does not match caller " + caller
		}
	case s.matchAction(action) == s.notAction:
		if explain {
			why = "action " + r.Action + " not covered"
		}
	case s.matchResource(r.Resource) == s.notResource:
		if explain {
			why = "resource not covered"
		}
	default:
		for i := range s.conditions {
			if !s.conditions[i].holds(r) {
				if explain {
					why = "condition " + s.conditions[i].describe(r) + " not met"
				}
				return false, why
			}
		}
		return true, ""
	}
	return false, why
}

func (s *statement) matchAction(action string) bool {
	for _, a := range s.actions {
		if wildcard.Match(a, action) {
			return true
		}
	}
	return false
}

func (s *statement) matchResource(arn string) bool {
	for _, p := range s.resources {
		if p.match(arn) {
			return true
		}
	}
	return false
}

func (p *principals) match(r *Request) bool {
	if p.any {
		return true
	}
	for _, a := range p.arns {
		if a == r.PrincipalARN {
			return true
		}
	}
	acct := r.principalAccount()
	for _, a := range p.accounts {
		if acct != "" && a == acct {
			return true
		}
	}
	return false
}

// because explains why an applicable statement decided.
func (s *statement) because(r *Request) string {
	var b strings.Builder
	b.WriteString("statement ")
	b.WriteString(s.label)
	for i := range s.conditions {
		if i == 0 {
			b.WriteString(" when ")
		} else {
			b.WriteString(" and ")
		}
		b.WriteString(s.conditions[i].describe(r))
	}
	return b.String()
}

// silence explains an implicit deny: why each Allow statement did not apply.
func (p *Policy) silence(action string, r *Request) string {
	var b strings.Builder
	b.WriteString("no statement allows ")
	b.WriteString(r.Resource)
	for i := range p.statements {
		s := &p.statements[i]
		if !s.allow {
			continue
		}
		b.WriteString("; statement ")
		b.WriteString(s.label)
		b.WriteString(": ")
		_, why := s.applies(action, r, true)
		b.WriteString(why)
	}
	return b.String()
}
