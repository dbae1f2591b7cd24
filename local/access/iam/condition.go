package iam

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/wildcard"
)

type opKind int

const (
	opStringEquals opKind = iota
	opStringLike
	opIP
	opARN
	opBool
)

type operator struct {
	kind   opKind
	negate bool
}

// operators are the supported condition operators (without the IfExists suffix).
var operators = map[string]operator{
	"StringEquals":    {opStringEquals, false},
	"StringNotEquals": {opStringEquals, true},
	"StringLike":      {opStringLike, false},
	"StringNotLike":   {opStringLike, true},
	"IpAddress":       {opIP, false},
	"NotIpAddress":    {opIP, true},
	"ArnEquals":       {opARN, false}, // IAM gives ArnEquals the same wildcard matching as ArnLike
	"ArnLike":         {opARN, false},
	"ArnNotEquals":    {opARN, true},
	"ArnNotLike":      {opARN, true},
	"Bool":            {opBool, false},
}

type keyID int

const (
	keySourceIP keyID = iota
	keyVpcSourceIP
	keySourceVpce
	keySourceVpc
	keyPrincipalArn
	keyPrincipalAccount
	keySecureTransport
)

type keyType int

const (
	typeString keyType = iota
	typeIP
	typeARN
	typeBool
)

type keyInfo struct {
	id  keyID
	typ keyType
}

// conditionKeys are the supported condition keys, lower-cased (IAM key names are case-insensitive).
var conditionKeys = map[string]keyInfo{
	"aws:sourceip":         {keySourceIP, typeIP},
	"aws:vpcsourceip":      {keyVpcSourceIP, typeIP},
	"aws:sourcevpce":       {keySourceVpce, typeString},
	"aws:sourcevpc":        {keySourceVpc, typeString},
	"aws:principalarn":     {keyPrincipalArn, typeARN},
	"aws:principalaccount": {keyPrincipalAccount, typeString},
	"aws:securetransport":  {keySecureTransport, typeBool},
}

const supportedKeys = "aws:SourceIp, aws:VpcSourceIp, aws:SourceVpce, aws:SourceVpc, aws:PrincipalArn, aws:PrincipalAccount, aws:SecureTransport"

const supportedOperators = "StringEquals, StringNotEquals, StringLike, StringNotLike, IpAddress, NotIpAddress, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, Bool, each also with the IfExists suffix"

// condition is one operator applied to one key, with its values parsed for that operator.
type condition struct {
	name     string // operator as written, e.g. StringNotEqualsIfExists
	keyName  string // key as written
	key      keyID
	op       operator
	ifExists bool
	values   []string
	prefixes []netip.Prefix
	arns     []arnPattern
}

func parseConditions(raw json.RawMessage) ([]condition, error) {
	var block map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &block); err != nil {
		return nil, fmt.Errorf("must map operators to {key: values}: %w", err)
	}
	var out []condition
	for _, name := range slices.Sorted(maps.Keys(block)) {
		base, ifExists := strings.CutSuffix(name, "IfExists")
		op, ok := operators[base]
		if !ok {
			return nil, fmt.Errorf("condition operator %q is not supported (allowed: %s)", name, supportedOperators)
		}
		for _, keyName := range slices.Sorted(maps.Keys(block[name])) {
			info, ok := conditionKeys[strings.ToLower(keyName)]
			if !ok {
				return nil, fmt.Errorf("condition key %q is not supported (allowed: %s)", keyName, supportedKeys)
			}
			c, err := newCondition(name, op, ifExists, keyName, info, block[name][keyName])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", name, keyName, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func newCondition(name string, op operator, ifExists bool, keyName string, info keyInfo, raw json.RawMessage) (condition, error) {
	values, err := scalarOrList(raw)
	if err != nil {
		return condition{}, err
	}
	if len(values) == 0 {
		return condition{}, fmt.Errorf("needs at least one value")
	}
	c := condition{name: name, keyName: keyName, key: info.id, op: op, ifExists: ifExists, values: values}
	// Each operator family works on one key type; a mismatch would never match in IAM either, so
	// it is refused here rather than silently never applying.
	switch {
	case op.kind == opIP && info.typ != typeIP:
		return condition{}, fmt.Errorf("%s needs an IP address key (aws:SourceIp, aws:VpcSourceIp)", name)
	case op.kind == opARN && info.typ != typeARN:
		return condition{}, fmt.Errorf("%s needs an ARN key (aws:PrincipalArn)", name)
	case op.kind == opBool && info.typ != typeBool:
		return condition{}, fmt.Errorf("%s needs a boolean key (aws:SecureTransport)", name)
	case op.kind != opBool && info.typ == typeBool:
		return condition{}, fmt.Errorf("%s is a boolean key: use Bool", keyName)
	}
	switch op.kind {
	case opIP:
		for _, v := range values {
			p, err := parseIP(v)
			if err != nil {
				return condition{}, err
			}
			c.prefixes = append(c.prefixes, p)
		}
	case opARN:
		for _, v := range values {
			c.arns = append(c.arns, newARNPattern(v))
		}
	case opBool:
		for _, v := range values {
			if _, err := strconv.ParseBool(v); err != nil || (v != "true" && v != "false") {
				return condition{}, fmt.Errorf("a Bool condition takes true or false, got %q", v)
			}
		}
	}
	return c, nil
}

// value is the request's value for the condition's key; ok is false when the key is absent.
func (c *condition) value(r *Request) (s string, ip netip.Addr, ok bool) {
	switch c.key {
	case keySourceIP:
		return "", r.SourceIP, r.SourceIP.IsValid()
	case keyVpcSourceIP:
		return "", r.VpcSourceIP, r.VpcSourceIP.IsValid()
	case keySourceVpce:
		return r.SourceVpce, ip, r.SourceVpce != ""
	case keySourceVpc:
		return r.SourceVpc, ip, r.SourceVpc != ""
	case keyPrincipalArn:
		return r.PrincipalARN, ip, r.PrincipalARN != ""
	case keyPrincipalAccount:
		acct := r.principalAccount()
		return acct, ip, acct != ""
	default: // keySecureTransport
		return strconv.FormatBool(r.SecureTransport), ip, true
	}
}

// holds evaluates the condition as IAM does: values of one key are ORed (NOR for negated
// operators); an absent key fails a positive operator, passes a negated one, and passes any
// ...IfExists operator.
func (c *condition) holds(r *Request) bool {
	s, ip, ok := c.value(r)
	if !ok {
		return c.ifExists || c.op.negate
	}
	if ip.IsValid() && c.op.kind != opIP {
		s = ip.String()
	}
	return c.anyMatch(s, ip) != c.op.negate
}

func (c *condition) anyMatch(s string, ip netip.Addr) bool {
	switch c.op.kind {
	case opIP:
		for _, p := range c.prefixes {
			if p.Contains(ip.Unmap()) {
				return true
			}
		}
	case opARN:
		for _, a := range c.arns {
			if a.match(s) {
				return true
			}
		}
	case opStringLike:
		for _, v := range c.values {
			if wildcard.Match(v, s) {
				return true
			}
		}
	default: // StringEquals, Bool
		for _, v := range c.values {
			if v == s {
				return true
			}
		}
	}
	return false
}

// describe says what the condition asked and what the request had, for explanations.
func (c *condition) describe(r *Request) string {
	s, ip, ok := c.value(r)
	got := "absent"
	switch {
	case ip.IsValid():
		got = ip.String()
	case ok:
		got = strconv.Quote(s)
	}
	return fmt.Sprintf("%s %s %q (request: %s)", c.name, c.keyName, c.values, got)
}
