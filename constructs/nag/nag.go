// Package nag provides PorticoChecks, a cdk-nag rule pack with Portico's own REST API rules.
// Apply it beside AwsSolutions to any stack, including stacks that do not use Portico's
// constructs: the rules read the CloudFormation resources (AWS::ApiGateway::RestApi, Stage,
// Method, UsagePlan and AWS::Lambda::Permission, Alias), not the constructs that made them.
// Findings are suppressed like any cdk-nag finding, with NagSuppressions and the rule ID.
package nag

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// PackName prefixes every rule ID, e.g. "Portico-REST1".
const PackName = "Portico"

// rule is one Portico check of a REST API and the stack around it.
type rule struct {
	// ID is the suffix of the rule ID: "REST1" is reported as "Portico-REST1".
	ID          string
	Level       cdknag.NagMessageLevel
	Info        string
	Explanation string
	check       func(s *stackModel, api *apiModel) (verdict, []string)
}

// rules are Portico's rules, in ID order.
var rules = []rule{
	{ID: "REST1", Level: cdknag.NagMessageLevel_ERROR,
		Info:        "The PRIVATE REST API has no resource policy statement that denies callers outside its VPC endpoints or VPCs.",
		Explanation: "A PRIVATE API without a resource policy refuses every call, and one without a Deny on aws:SourceVpce or aws:SourceVpc can be called through any execute-api endpoint of any account that the policy allows.",
		check:       simple(denyOutsideEndpoints)},
	{ID: "REST2", Level: cdknag.NagMessageLevel_ERROR,
		Info:        "The PRIVATE REST API's resource policy uses aws:SourceIp.",
		Explanation: "Calls to a PRIVATE API arrive through a VPC endpoint, so aws:SourceIp never holds the caller's address; use aws:VpcSourceIp.",
		check:       simple(noSourceIPOnPrivate)},
	{ID: "REST3", Level: cdknag.NagMessageLevel_ERROR,
		Info:        "A Lambda function or alias named through a stage variable has no invoke permission for this REST API.",
		Explanation: "API Gateway cannot add permissions for a function whose ARN it only learns from a stage variable at request time (aws-cdk issue 6143); without an AWS::Lambda::Permission for each alias every call on that stage fails with 500.",
		check:       stageVariableTargetsInvokable},
	{ID: "REST4", Level: cdknag.NagMessageLevel_ERROR,
		Info:        "A method requires an API key on a stage that no usage plan covers.",
		Explanation: "API keys are only accepted through a usage plan of the stage; without one every call to the method is refused with 403 Forbidden.",
		check:       keyedStagesHavePlans},
	{ID: "REST5", Level: cdknag.NagMessageLevel_WARN,
		Info:        "The public REST API's resource policy allows Principal * with no condition.",
		Explanation: "An unconditional Allow to everyone makes every other Allow in the policy moot; narrow it by source CIDR, account or role, or drop the resource policy.",
		check:       simple(noUnconditionalAllowOnPublic)},
	{ID: "REST6", Level: cdknag.NagMessageLevel_WARN,
		Info:        "A method with a Lambda or Cognito authorizer is on a REST API whose resource policy only allows: it restricts no caller of that method.",
		Explanation: "When an authorizer allows a caller and the resource policy neither allows nor denies it, API Gateway lets the caller in, so Allow statements (by CIDR, account or role) keep no one out of such methods. Add an explicit Deny for everyone else, e.g. with policy.AllowOnly (a Deny with NotIpAddress aws:SourceIp), which API Gateway applies before the authorizer runs.",
		check:       allowOnlyWithAuthorizers},
}

type pack struct {
	cdknag.NagPack
}

// NewPorticoChecks returns the rule pack as an aspect: awscdk.Aspects_Of(app).Add(nag.NewPorticoChecks(nil), nil).
func NewPorticoChecks(props *cdknag.NagPackProps) cdknag.NagPack {
	p := &pack{}
	cdknag.NewNagPack_Override(p, props)
	p.SetPackName(jsii.String(PackName))
	return p
}

// Visit applies every rule to each REST API; other resources are not applicable.
func (p *pack) Visit(node constructs.IConstruct) {
	api, ok := node.(awsapigateway.CfnRestApi)
	if !ok || !*awscdk.CfnResource_IsCfnResource(node) {
		return
	}
	for i := range rules {
		p.ApplyRule(&applyRule{rule: &rules[i], node: api})
	}
}

// applyRule adapts a Rule to cdk-nag's IApplyRule callback interface.
type applyRule struct {
	rule       *rule
	node       awscdk.CfnResource
	ignore     cdknag.INagSuppressionIgnore
	level      cdknag.NagMessageLevel
	info, expl *string
	suffix     *string
}

func (a *applyRule) Rule(node awscdk.CfnResource) any {
	api, ok := node.(awsapigateway.CfnRestApi)
	if !ok {
		return cdknag.NagRuleCompliance_NOT_APPLICABLE
	}
	s := newStackModel(awscdk.Stack_Of(node))
	m := s.api(api)
	v, findings := a.rule.check(s, m)
	switch {
	case v == nonCompliant && findings != nil:
		// cdk-nag reports each finding as "Portico-RESTn[finding]", suppressible one by one.
		return &findings
	case v == nonCompliant:
		return cdknag.NagRuleCompliance_NON_COMPLIANT
	case v == compliant:
		return cdknag.NagRuleCompliance_COMPLIANT
	}
	return cdknag.NagRuleCompliance_NOT_APPLICABLE
}

func (a *applyRule) Explanation() *string {
	if a.expl != nil {
		return a.expl
	}
	return jsii.String(a.rule.Explanation)
}
func (a *applyRule) SetExplanation(e *string) { a.expl = e }
func (a *applyRule) IgnoreSuppressionCondition() cdknag.INagSuppressionIgnore {
	return a.ignore
}
func (a *applyRule) SetIgnoreSuppressionCondition(i cdknag.INagSuppressionIgnore) { a.ignore = i }
func (a *applyRule) Info() *string {
	if a.info != nil {
		return a.info
	}
	return jsii.String(a.rule.Info)
}
func (a *applyRule) SetInfo(i *string) { a.info = i }
func (a *applyRule) Level() cdknag.NagMessageLevel {
	if a.level != "" {
		return a.level
	}
	return a.rule.Level
}
func (a *applyRule) SetLevel(l cdknag.NagMessageLevel) { a.level = l }
func (a *applyRule) Node() awscdk.CfnResource          { return a.node }
func (a *applyRule) SetNode(n awscdk.CfnResource)      { a.node = n }
func (a *applyRule) RuleSuffixOverride() *string {
	if a.suffix != nil {
		return a.suffix
	}
	return jsii.String(a.rule.ID)
}
func (a *applyRule) SetRuleSuffixOverride(r *string) { a.suffix = r }

// simple adapts a check without findings.
func simple(f func(*stackModel, *apiModel) verdict) func(*stackModel, *apiModel) (verdict, []string) {
	return func(s *stackModel, a *apiModel) (verdict, []string) { return f(s, a), nil }
}
