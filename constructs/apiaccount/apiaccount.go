// Package apiaccount provides ApiAccount, API Gateway's settings for one account and region
// (AWS::ApiGateway::Account) with the CloudWatch Logs role that REST stages (access and
// execution logs) and WebSocket stages (access logs) need: without it API Gateway refuses such a
// stage with "CloudWatch Logs role ARN must be set in account settings to enable logging".
//
// The setting is a singleton of the account and region: whichever template sets it last wins.
// So a stack holds at most one, at its root ("ApiGatewayAccount"), made by the first REST or
// WebSocket API that needs it (Require) or by Of; and an app of several stacks names the one
// stack that owns it in the context key OwnerStackContext, so that the others depend on that
// stack instead of setting their own.
package apiaccount

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/nagsuppress"
)

// ID is the construct id of a stack's ApiAccount, a child of the stack.
const ID = "ApiGatewayAccount"

// OwnerStackContext is the context key naming, by construct path from the app (e.g.
// "PorticoHello"), the one stack of the app that holds the account settings. When it is set,
// Require in any other stack adds a dependency on that stack instead of creating settings.
const OwnerStackContext = "@portico/apigateway:accountStack"

// ApiAccount is the stack's AWS::ApiGateway::Account and its CloudWatch Logs role.
type ApiAccount interface {
	constructs.Construct
	// Role is the role API Gateway assumes to write logs (AmazonAPIGatewayPushToCloudWatchLogs),
	// retained when the stack is deleted: the account setting keeps pointing at it.
	Role() awsiam.Role
	// Resource is the AWS::ApiGateway::Account.
	Resource() awsapigateway.CfnAccount
}

type apiAccount struct {
	constructs.Construct
	role     awsiam.Role
	resource awsapigateway.CfnAccount
}

func (a *apiAccount) Role() awsiam.Role                  { return a.role }
func (a *apiAccount) Resource() awsapigateway.CfnAccount { return a.resource }

// Of returns the account settings of scope's stack, creating them the first time.
func Of(scope constructs.IConstruct) ApiAccount {
	a, _ := of(awscdk.Stack_Of(scope))
	return a
}

// of finds or creates the stack's settings and says whether it created them.
func of(stack awscdk.Stack) (ApiAccount, bool) {
	if found := stack.Node().TryFindChild(jsii.String(ID)); found != nil {
		if a, ok := found.(ApiAccount); ok {
			return a, false
		}
		panic(fmt.Errorf("%s: the construct id %q is reserved for the stack's API Gateway account settings, got a %T", *stack.Node().Path(), ID, found))
	}
	a := &apiAccount{}
	constructs.NewConstruct_Override(a, stack, jsii.String(ID))
	a.role = awsiam.NewRole(a, jsii.String("CloudWatchRole"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description:     jsii.String("Lets API Gateway write the execution and access logs of this account's REST and WebSocket stages"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonAPIGatewayPushToCloudWatchLogs"))},
	})
	// The account setting outlives the stack (deleting the resource leaves it in place), so
	// the role it names must too, or every stage of the region stops logging.
	a.role.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
	nagsuppress.Add(a.role, "AwsSolutions-IAM4",
		"The account-level API Gateway logging role uses AmazonAPIGatewayPushToCloudWatchLogs, the policy API Gateway documents for that role; it grants log writes only.",
		jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"))
	a.resource = awsapigateway.NewCfnAccount(a, jsii.String("Resource"), &awsapigateway.CfnAccountProps{
		CloudWatchRoleArn: a.role.RoleArn(),
	})
	return a, true
}

// Require makes dependent (a stage that writes logs) wait for the account settings its stack
// uses. When the app's OwnerStackContext names another stack, dependent's stack depends on that
// one; otherwise the settings are found or created in dependent's own stack, and new settings
// wait for api (the API of the stage) as aws-cdk's do, which gives the new role time to become
// assumable before API Gateway checks it.
func Require(dependent, api constructs.IConstruct) {
	stack := awscdk.Stack_Of(dependent)
	if owner := ownerStack(stack); owner != nil && *owner.Node().Path() != *stack.Node().Path() {
		for _, d := range *stack.Dependencies() {
			if *d.Node().Path() == *owner.Node().Path() {
				return
			}
		}
		stack.AddDependency(owner, jsii.String("its API Gateway stages log, with the CloudWatch Logs role the account settings of "+*owner.Node().Path()+" set"))
		stack.Node().AddValidation(&ownerHasSettings{owner: owner})
		return
	}
	a, created := of(stack)
	if created && api != nil {
		a.Resource().Node().AddDependency(api)
	}
	dependent.Node().AddDependency(a)
}

// ownerStack is the stack OwnerStackContext names, or nil when it is not set.
func ownerStack(stack awscdk.Stack) awscdk.Stack {
	v := stack.Node().TryGetContext(jsii.String(OwnerStackContext))
	if v == nil {
		return nil
	}
	path, ok := v.(string)
	if !ok || path == "" {
		panic(fmt.Errorf("context %s must be the construct path of a stack, e.g. \"Shared\", got %v", OwnerStackContext, v))
	}
	var node constructs.IConstruct = stack.Node().Root()
	for _, id := range strings.Split(path, "/") {
		if node = node.Node().TryFindChild(jsii.String(id)); node == nil {
			break
		}
	}
	owner, ok := node.(awscdk.Stack)
	if node == nil || !ok {
		panic(fmt.Errorf("%s: context %s names %q, which is not a stack of this app; create that stack before the stacks whose APIs log, or set CloudWatchRole false on APIs whose account settings are managed outside this app",
			*stack.Node().Path(), OwnerStackContext, path))
	}
	return owner
}

// ownerHasSettings fails synthesis when the owner stack ends up without account settings.
type ownerHasSettings struct{ owner awscdk.Stack }

func (v *ownerHasSettings) Validate() *[]*string {
	if v.owner.Node().TryFindChild(jsii.String(ID)) != nil {
		return &[]*string{}
	}
	return &[]*string{jsii.String(fmt.Sprintf("stack %s (context %s) holds no API Gateway account settings: give it a REST or WebSocket API, or call apiaccount.Of(stack)",
		*v.owner.Node().Path(), OwnerStackContext))}
}
