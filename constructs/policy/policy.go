// Package policy builds API Gateway REST API resource policies: allow or deny callers by VPC
// endpoint, VPC, source CIDR, AWS account or IAM role, scoped to a stage, method and path, let in
// only some callers (AllowOnly: the Allows plus an explicit Deny for everyone else), plus raw
// statements. Render checks the result against what API Gateway accepts for the API's
// endpoint type and returns an awsiam.PolicyDocument for awsapigateway.RestApiProps.Policy.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/apigw"
)

// MaxLength is the most characters API Gateway accepts in a REST API resource policy.
const MaxLength = 8192

// Kind is the endpoint type a policy is rendered for: the valid condition keys differ.
type Kind int

const (
	// Public is a REGIONAL or EDGE API: callers are told apart by aws:SourceIp.
	Public Kind = iota
	// Private is a PRIVATE API, reached through execute-api VPC endpoints: aws:SourceIp holds the
	// endpoint's address, so callers are told apart by aws:VpcSourceIp, aws:SourceVpce and
	// aws:SourceVpc.
	Private
)

func (k Kind) String() string {
	if k == Private {
		return "PRIVATE"
	}
	return "public (REGIONAL or EDGE)"
}

// Condition keys that Portico writes or checks.
const (
	KeySourceIP     = "aws:SourceIp"
	KeyVpcSourceIP  = "aws:VpcSourceIp"
	KeySourceVpce   = "aws:SourceVpce"
	KeySourceVpc    = "aws:SourceVpc"
	KeyPrincipalAcc = "aws:PrincipalAccount"
	KeyPrincipalArn = "aws:PrincipalArn"
)

// Caller says who a statement is about. Build one with Anyone, VpcEndpoints, Vpcs, Cidrs,
// Accounts or Roles.
type Caller struct {
	what   string   // for error messages, e.g. "VPC endpoints"
	values []string // endpoint IDs, VPC IDs, CIDRs, accounts or role ARNs
	kind   callerKind
}

type callerKind int

const (
	anyone callerKind = iota
	vpcEndpoints
	vpcs
	cidrs
	accounts
	roles
)

// isPrincipal reports whether callers of kind k are IAM principals, known to API Gateway only
// from a SigV4-signed request to an AWS_IAM method.
func (k callerKind) isPrincipal() bool { return k == accounts || k == roles }

// Anyone is every caller (Principal "*", no condition).
func Anyone() Caller { return Caller{what: "anyone", kind: anyone} }

// VpcEndpoints matches calls through the given execute-api interface VPC endpoints
// (aws:SourceVpce; PRIVATE APIs only).
func VpcEndpoints(ids ...string) Caller {
	return Caller{what: "VPC endpoints", values: ids, kind: vpcEndpoints}
}

// Vpcs matches calls from the given VPCs (aws:SourceVpc; PRIVATE APIs only).
func Vpcs(ids ...string) Caller { return Caller{what: "VPCs", values: ids, kind: vpcs} }

// Cidrs matches callers whose address is in one of the CIDR ranges: aws:SourceIp on public APIs,
// aws:VpcSourceIp (the caller's address inside its VPC) on private ones.
func Cidrs(ranges ...string) Caller { return Caller{what: "CIDR ranges", values: ranges, kind: cidrs} }

// Accounts matches IAM principals of the given 12-digit AWS account IDs (cross-account callers
// that sign their requests with SigV4).
func Accounts(ids ...string) Caller { return Caller{what: "AWS accounts", values: ids, kind: accounts} }

// Roles matches the given IAM role ARNs, e.g. "arn:aws:iam::098765432109:role/MyRole".
func Roles(arns ...string) Caller { return Caller{what: "IAM roles", values: arns, kind: roles} }

// Scope narrows a statement to part of the API. Empty fields mean every stage, method or path.
type Scope struct {
	// Stage name, e.g. "prod".
	// Default: every stage.
	Stage string
	// Method, e.g. "GET"; "ANY" or "" for every method.
	// Default: every method.
	Method string
	// Path, e.g. "/orders/*"; a path parameter matches with "*".
	// Default: every path.
	Path string
}

// All is the whole API: execute-api:/*.
var All = Scope{}

var (
	stageRe   = regexp.MustCompile(`^(\*|[A-Za-z0-9_-]+)$`)
	segmentRe = regexp.MustCompile(`^(\*|[A-Za-z0-9._:*-]+)$`)
	methods   = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true, "ANY": true, "*": true}
)

// Resource is the short-form resource of the scope, e.g. "execute-api:/prod/GET/orders/*". The
// short form refers to the API that holds the policy, so the API does not reference itself.
func (s Scope) Resource() (string, error) {
	if s == All {
		return "execute-api:/*", nil
	}
	stage, method, path := or(s.Stage, "*"), strings.ToUpper(or(s.Method, "*")), or(s.Path, "/*")
	if !stageRe.MatchString(stage) {
		return "", fmt.Errorf("policy scope stage must be letters, digits, '-' or '_', or \"*\", got %q", s.Stage)
	}
	if !methods[method] {
		return "", fmt.Errorf("policy scope method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY or \"*\", got %q", s.Method)
	}
	method = apigw.ArnMethod(method)
	if !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("policy scope path must start with \"/\", got %q", s.Path)
	}
	if path != "/" {
		for _, seg := range strings.Split(path[1:], "/") {
			if !segmentRe.MatchString(seg) {
				return "", fmt.Errorf("policy scope path %q has segment %q: segments are letters, digits, '.', '_', ':', '-' or \"*\" for a path parameter", s.Path, seg)
			}
		}
	}
	return "execute-api:/" + stage + "/" + method + path, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

type effect string

const (
	allow effect = "Allow"
	deny  effect = "Deny"
)

type statement struct {
	effect  effect
	negate  bool     // DenyUnless, AllowOnly: deny everyone but the callers
	only    bool     // the Deny of AllowOnly
	caller  Caller   // Allow, Deny
	callers []Caller // DenyUnless (one), AllowOnly (any number)
	scopes  []Scope
	raw     map[string]any
}

// Document is a resource policy under construction. The zero value is empty and ready to use.
// Methods return the document so calls chain; errors are reported by Render.
type Document struct {
	statements []statement
}

// New returns an empty document.
func New() *Document { return &Document{} }

// Allow lets the caller invoke the scopes (all of the API when none are given).
func (d *Document) Allow(c Caller, scopes ...Scope) *Document {
	d.statements = append(d.statements, statement{effect: allow, caller: c, scopes: scopes})
	return d
}

// Deny refuses the caller on the scopes. An explicit Deny wins over every Allow and is applied
// before any authorizer runs.
func (d *Document) Deny(c Caller, scopes ...Scope) *Document {
	d.statements = append(d.statements, statement{effect: deny, caller: c, scopes: scopes})
	return d
}

// DenyUnless refuses everyone except the caller on the scopes, e.g. DenyUnless(VpcEndpoints(id))
// for the canonical private API policy.
func (d *Document) DenyUnless(c Caller, scopes ...Scope) *Document {
	d.statements = append(d.statements, statement{effect: deny, negate: true, callers: []Caller{c}, scopes: scopes})
	return d
}

// AllowOnly lets only the callers invoke the API: an Allow for each, and one explicit Deny for
// everyone who is none of them (its conditions are ANDed: not from these CIDRs, and not this
// role, ...). Use it instead of Allow statements alone whenever a route has a Lambda or Cognito
// authorizer: an authorizer's Allow with a resource policy that neither allows nor denies the
// caller lets the caller in, so only the explicit Deny keeps others out. Roles and Accounts are
// known only from SigV4-signed requests to IAM-authorized methods; every other caller is
// matched by address alone.
func (d *Document) AllowOnly(callers ...Caller) *Document {
	for _, c := range callers {
		d.Allow(c)
	}
	d.statements = append(d.statements, statement{effect: deny, negate: true, only: true, callers: callers})
	return d
}

// AddStatements appends raw IAM statements (JSON objects with Effect, Principal, Action,
// Resource, Condition) for what the helpers do not cover.
func (d *Document) AddStatements(raw ...map[string]any) *Document {
	for _, r := range raw {
		d.statements = append(d.statements, statement{raw: r})
	}
	return d
}

// Principals lists the IAM principals the document names: the values of its Roles and Accounts
// callers, and each AWS principal of a raw statement other than "*". API Gateway knows a
// caller's principal only on a SigV4-signed request to an AWS_IAM method, so a statement about
// principals matches nothing on an API without one.
func (d *Document) Principals() []string {
	var out []string
	for _, s := range d.statements {
		for _, c := range append([]Caller{s.caller}, s.callers...) {
			if c.kind.isPrincipal() {
				out = append(out, c.values...)
			}
		}
		if s.raw != nil {
			out = append(out, rawPrincipals(s.raw)...)
		}
	}
	return out
}

// rawPrincipals are the AWS principals of a raw statement (Principal or NotPrincipal, in any
// case), other than "*", read from the JSON the statement marshals to.
func rawPrincipals(raw map[string]any) []string {
	var stmt map[string]any
	if b, err := json.Marshal(raw); err != nil || json.Unmarshal(b, &stmt) != nil {
		return nil
	}
	var out []string
	for k, v := range stmt {
		if !strings.EqualFold(k, "Principal") && !strings.EqualFold(k, "NotPrincipal") {
			continue
		}
		m, _ := v.(map[string]any)
		for pk, pv := range m {
			if !strings.EqualFold(pk, "AWS") {
				continue
			}
			list, ok := pv.([]any)
			if !ok {
				list = []any{pv}
			}
			for _, p := range list {
				if str, ok := p.(string); ok && str != "*" {
					out = append(out, str)
				}
			}
		}
	}
	return out
}

// HasAllow reports whether the document has an Allow statement (built or raw).
func (d *Document) HasAllow() bool {
	for _, s := range d.statements {
		if s.effect == allow || (s.raw != nil && s.raw["Effect"] == string(allow)) {
			return true
		}
	}
	return false
}

// JSON renders the document for an API of the given kind and checks it: condition keys that do
// not work for that kind, malformed IDs, CIDRs, accounts and ARNs, and the 8,192-character limit.
func (d *Document) JSON(kind Kind) (map[string]any, error) {
	if d == nil || len(d.statements) == 0 {
		return nil, errors.New("resource policy has no statements")
	}
	var errs []error
	stmts := make([]any, 0, len(d.statements))
	for i, s := range d.statements {
		out, err := s.render(kind)
		if err != nil {
			errs = append(errs, fmt.Errorf("statement %d: %w", i+1, err))
			continue
		}
		stmts = append(stmts, out)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	doc := map[string]any{"Version": "2012-10-17", "Statement": stmts}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("resource policy: %w", err)
	}
	if len(b) > MaxLength {
		return nil, fmt.Errorf("resource policy is %d characters; API Gateway allows at most %d: merge statements or list more values per statement", len(b), MaxLength)
	}
	return doc, nil
}

// Render is JSON converted to the awsiam.PolicyDocument that awsapigateway.RestApiProps takes.
func (d *Document) Render(kind Kind) (awsiam.PolicyDocument, error) {
	doc, err := d.JSON(kind)
	if err != nil {
		return nil, err
	}
	return awsiam.PolicyDocument_FromJson(doc), nil
}

func (s statement) render(kind Kind) (map[string]any, error) {
	if s.raw != nil {
		if key, ok := conditionKey(s.raw, KeySourceIP); kind == Private && ok {
			return nil, fmt.Errorf("condition key %q does not work on a PRIVATE API (API Gateway sees the VPC endpoint's address); use %s", key, KeyVpcSourceIP)
		}
		return s.raw, nil
	}
	resources := []any{}
	scopes := s.scopes
	if len(scopes) == 0 {
		scopes = []Scope{All}
	}
	for _, sc := range scopes {
		r, err := sc.Resource()
		if err != nil {
			return nil, err
		}
		resources = append(resources, r)
	}
	out := map[string]any{
		"Effect":    string(s.effect),
		"Principal": "*",
		"Action":    "execute-api:Invoke",
		"Resource":  oneOrList(resources),
	}
	if s.negate {
		cond, err := s.unless(kind)
		if err != nil {
			return nil, err
		}
		out["Condition"] = cond
		return out, nil
	}
	c := s.caller
	if c.kind == anyone {
		return out, nil
	}
	values, err := c.checked(kind)
	if err != nil {
		return nil, err
	}
	if c.kind.isPrincipal() {
		// As "API Gateway resource policy examples" writes them ("Allow roles in another AWS
		// account to use an API"): {"AWS": [ARNs]}; one value as a string, which IAM reads the
		// same and awsiam.PolicyDocument writes into the template anyway.
		out["Principal"] = map[string]any{"AWS": oneOrList(values)}
	} else {
		op, key := c.condition(kind, false)
		out["Condition"] = map[string]any{op: map[string]any{key: oneOrList(values)}}
	}
	return out, nil
}

// unless is the condition of a Deny for everyone but the callers: each caller's negated
// condition, ANDed (values of one key merged, so they stay ORed within the key).
func (s statement) unless(kind Kind) (map[string]any, error) {
	name := "DenyUnless"
	if s.only {
		name = "AllowOnly"
	}
	if len(s.callers) == 0 {
		return nil, fmt.Errorf("%s needs at least one caller", name)
	}
	type opKey struct{ op, key string }
	merged := map[opKey][]any{}
	var order []opKey
	for _, c := range s.callers {
		if c.kind == anyone {
			if s.only {
				return nil, errors.New("AllowOnly(Anyone()) restricts no one; name the callers to let in")
			}
			return nil, errors.New("DenyUnless(Anyone()) denies no one; use Allow or Deny")
		}
		values, err := c.checked(kind)
		if err != nil {
			return nil, err
		}
		op, key := c.condition(kind, true)
		k := opKey{op, key}
		if _, seen := merged[k]; !seen {
			order = append(order, k)
		}
		merged[k] = append(merged[k], values...)
	}
	cond := map[string]any{}
	for _, k := range order {
		block, _ := cond[k.op].(map[string]any)
		if block == nil {
			block = map[string]any{}
			cond[k.op] = block
		}
		block[k.key] = oneOrList(merged[k])
	}
	return cond, nil
}

// checked validates the caller's values for kind and returns them for a policy.
func (c Caller) checked(kind Kind) ([]any, error) {
	if len(c.values) == 0 {
		return nil, fmt.Errorf("%s: give at least one value", c.what)
	}
	if err := c.check(kind); err != nil {
		return nil, err
	}
	values := make([]any, len(c.values))
	for i, v := range c.values {
		values[i] = v
	}
	return values, nil
}

// condition is the operator and key that match (or, negated, exclude) the caller. A caller
// without a principal (an unsigned request) has no aws:PrincipalArn, and its aws:PrincipalAccount
// is "anonymous": a negated condition on either is true for it, so the Deny of DenyUnless and
// AllowOnly refuses it ("AWS global condition context keys", IAM User Guide; negated operators
// match a missing key: "Condition operators").
func (c Caller) condition(kind Kind, negate bool) (op, key string) {
	op, not := "StringEquals", "StringNotEquals"
	switch c.kind {
	case vpcEndpoints:
		key = KeySourceVpce
	case vpcs:
		key = KeySourceVpc
	case accounts:
		key = KeyPrincipalAcc
	case roles:
		// aws:PrincipalArn is of type ARN: "AWS recommends that you use ARN operators instead of
		// string operators when comparing ARNs" ("AWS global condition context keys").
		op, not = "ArnEquals", "ArnNotEquals"
		key = KeyPrincipalArn
	case cidrs:
		op, not = "IpAddress", "NotIpAddress"
		key = KeySourceIP
		if kind == Private {
			key = KeyVpcSourceIP
		}
	}
	if negate {
		return not, key
	}
	return op, key
}

var (
	vpceRe    = regexp.MustCompile(`^vpce-[0-9a-f]{8,17}$`)
	vpcRe     = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	roleRe    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)
)

// check validates the caller's values (skipping unresolved CDK tokens) for the API kind.
func (c Caller) check(kind Kind) error {
	if kind != Private && (c.kind == vpcEndpoints || c.kind == vpcs) {
		return fmt.Errorf("%s (%s, %s) only apply to PRIVATE APIs; on a public API match callers by CIDR, account or role", c.what, KeySourceVpce, KeySourceVpc)
	}
	for _, v := range c.values {
		if *awscdk.Token_IsUnresolved(jsii.String(v)) {
			continue
		}
		var ok bool
		allowed := ""
		switch c.kind {
		case vpcEndpoints:
			ok, allowed = vpceRe.MatchString(v), `"vpce-" and 8 to 17 hex digits`
		case vpcs:
			ok, allowed = vpcRe.MatchString(v), `"vpc-" and 8 to 17 hex digits`
		case accounts:
			ok, allowed = accountRe.MatchString(v), "a 12-digit AWS account ID"
		case roles:
			ok, allowed = roleRe.MatchString(v), `an IAM role ARN like "arn:aws:iam::123456789012:role/Name"`
		case cidrs:
			_, err := netip.ParsePrefix(v)
			ok, allowed = err == nil, `an IPv4 or IPv6 CIDR like "203.0.113.0/24"`
		}
		if !ok {
			return fmt.Errorf("%s: got %q, want %s", c.what, v, allowed)
		}
	}
	return nil
}

func oneOrList(v []any) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}

// conditionKey finds key (in any case) among the keys of a raw statement's condition block,
// however the block is typed in Go: the statement is walked as the JSON it marshals to, which is
// what API Gateway receives. It returns the key as written.
func conditionKey(raw map[string]any, key string) (string, bool) {
	b, err := json.Marshal(raw)
	if err != nil {
		return "", false
	}
	var stmt map[string]any
	if json.Unmarshal(b, &stmt) != nil {
		return "", false
	}
	for k, v := range stmt {
		if strings.EqualFold(k, "Condition") {
			if found, ok := findKey(v, key); ok {
				return found, true
			}
		}
	}
	return "", false
}

func findKey(v any, key string) (string, bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, inner := range x {
			if strings.EqualFold(k, key) {
				return k, true
			}
			if found, ok := findKey(inner, key); ok {
				return found, true
			}
		}
	case []any:
		for _, inner := range x {
			if found, ok := findKey(inner, key); ok {
				return found, true
			}
		}
	}
	return "", false
}

// Clone returns a copy that can be extended without changing d.
func (d *Document) Clone() *Document {
	return &Document{statements: append([]statement(nil), d.statements...)}
}
