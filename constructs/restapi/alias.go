package restapi

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// aliasUse is one stage's alias of a route's function, selected through a stage variable.
type aliasUse struct {
	route, stage, variable, alias string
	fn                            awslambda.IFunction
	arn                           *string // the alias's ARN once found
}

// versionRe matches a version number, which a stage variable may name instead of an alias.
var versionRe = regexp.MustCompile(`^[0-9]+$`)

// checked reports whether the alias is a literal alias name, not a version or a token.
func (u *aliasUse) checked() bool {
	return !versionRe.MatchString(u.alias) && !*awscdk.Token_IsUnresolved(jsii.String(u.alias))
}

// aliasFunctionName is the FunctionName of the invoke permission of one stage's alias: the
// alias's own ARN, a reference that makes CloudFormation create the alias before the
// permission (a joined "function-arn:alias" does not: aws-cdk#2084). The alias may be declared
// after the route, so the name is settled when the template is written; until an alias is
// found it is the joined ARN, and the validation added here fails synth.
func (a *restApi) aliasFunctionName(u *aliasUse) *string {
	joined := *u.fn.FunctionArn() + ":" + u.alias
	if !u.checked() {
		return jsii.String(joined)
	}
	if a.aliasUses == nil {
		a.Node().AddValidation(&aliasesDefined{a})
	}
	a.aliasUses = append(a.aliasUses, u)
	return awscdk.Lazy_String(&aliasArn{a: a, u: u, joined: joined}, nil)
}

type aliasArn struct {
	a      *restApi
	u      *aliasUse
	joined string
}

func (p *aliasArn) Produce() *string {
	if arn := p.a.findAlias(p.u); arn != nil {
		return arn
	}
	return jsii.String(p.joined)
}

// findAlias returns the ARN of the awslambda.Alias of the use's function and name anywhere in
// the app, or nil. The app's aliases are listed once, and again when a use is not among them
// (aliases may be added after the first look).
func (a *restApi) findAlias(u *aliasUse) *string {
	if u.arn == nil && a.aliases != nil {
		u.arn = matchAlias(a.aliases, u)
	}
	if u.arn == nil {
		a.aliases = appAliases(a)
		u.arn = matchAlias(a.aliases, u)
	}
	return u.arn
}

func matchAlias(aliases []awslambda.Alias, u *aliasUse) *string {
	for _, al := range aliases {
		if *al.AliasName() == u.alias && sameFunction(al.Version().Lambda(), u.fn) {
			return al.FunctionArn()
		}
	}
	return nil
}

func appAliases(c constructs.Construct) []awslambda.Alias {
	out := []awslambda.Alias{}
	for _, n := range *c.Node().Root().Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if al, ok := n.(awslambda.Alias); ok {
			out = append(out, al)
		}
	}
	return out
}

func sameFunction(x, y awslambda.IFunction) bool {
	return *x.Node().Path() == *y.Node().Path() || *x.FunctionArn() == *y.FunctionArn()
}

// aliasesDefined fails synth for a stage whose alias no awslambda.Alias in the app defines:
// the permission would name a function that does not exist, and every call on that stage
// would fail.
type aliasesDefined struct{ a *restApi }

func (v *aliasesDefined) Validate() *[]*string {
	errs := []*string{}
	for _, u := range v.a.aliasUses {
		if v.a.findAlias(u) != nil {
			continue
		}
		errs = append(errs, jsii.String(fmt.Sprintf(
			"RestApi %s route %s: stage %q selects alias %q of function %s through stage variable %q, but no awslambda.Alias in the app defines %q for that function; create it (awslambda.NewAlias with AliasName %q) or set the stage variable to an alias that exists",
			v.a.path(), u.route, u.stage, u.alias, *u.fn.Node().Path(), u.variable, u.alias, u.alias)))
	}
	return &errs
}
