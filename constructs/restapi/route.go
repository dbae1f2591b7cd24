package restapi

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/apigw"
)

// Throttle is a steady-state rate (requests per second) and a burst.
type Throttle struct {
	// RateLimit is the steady-state requests per second, 0 or more.
	// Default: the limit of the enclosing stage or plan (or the account's).
	RateLimit *float64

	// BurstLimit is the burst, a whole number 0 or more.
	// Default: the limit of the enclosing stage or plan (or the account's).
	BurstLimit *float64
}

// RouteOptions configure AddRoute. A route must name an Authorizer or set IamAuthorization or
// NoAuthorizer, so a public route is always a decision, never an omission.
type RouteOptions struct {
	// Authorizer checks callers of the route.
	// Default: none; then IamAuthorization or NoAuthorizer must be true.
	Authorizer *Authorizer

	// IamAuthorization makes the route require SigV4-signed requests (AWS_IAM): API Gateway
	// admits an IAM principal by its identity-based policies and the resource policy (same
	// account: either one's Allow; another account: both). Grant callers with GrantInvoke, and
	// name callers of other accounts in the resource policy (policy.Roles, policy.Accounts).
	// Default: false.
	IamAuthorization *bool

	// NoAuthorizer makes the route callable without authorization (the resource policy and API
	// key, if any, still apply).
	// Default: false.
	NoAuthorizer *bool

	// Scopes a Cognito access token must carry one of. Setting scopes makes a Cognito authorizer
	// expect access tokens instead of ID tokens.
	// Default: the Cognito authorizer's Scopes.
	Scopes *[]*string

	// ApiKeyRequired makes callers send an API key that belongs to a usage plan of the stage.
	// Default: false.
	ApiKeyRequired *bool

	// FunctionAliasVariable names a stage variable that holds the Lambda alias (or version) to
	// invoke, so each stage can call its own alias: the integration URI ends in
	// ":${stageVariables.<name>}" and each stage's alias gets an invoke permission. Every stage
	// must set the variable, to a version number or to the name of an awslambda.Alias of the
	// function that the app defines (before or after the route; synth fails otherwise).
	// Default: invoke the function itself.
	FunctionAliasVariable *string

	// RequestParameters the method declares, e.g. {"method.request.querystring.name": true};
	// required ones are checked by the API's request validator.
	// Default: none.
	RequestParameters *map[string]*bool

	// Throttle is a method-level throttle applied on every stage.
	// Default: the stage's throttle.
	Throttle *Throttle

	// Cors answers CORS preflights on the route's path with an OPTIONS method of its own; the
	// routes of one path must agree. The handler must still add Access-Control-Allow-Origin to
	// its responses (see Cors).
	// Default: the API's Cors.
	Cors *Cors
}

type route struct {
	method, path string
	segments     []string // path without its leading "/", split; [""] for "/"
	resourcePath string   // "/~1orders~1{id}" as stage method settings want it
	throttle     *Throttle
	iam          bool // AWS_IAM authorization
	m            awsapigateway.Method
}

func isTrue(b *bool) bool { return b != nil && *b }

// authChoices names the authorization options opts sets.
func authChoices(opts *RouteOptions) []string {
	var set []string
	if opts.Authorizer != nil {
		set = append(set, "Authorizer")
	}
	if isTrue(opts.IamAuthorization) {
		set = append(set, "IamAuthorization")
	}
	if isTrue(opts.NoAuthorizer) {
		set = append(set, "NoAuthorizer")
	}
	return set
}

var (
	methodRe  = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY)$`)
	segmentRe = regexp.MustCompile(`^([A-Za-z0-9._:-]+|\{[A-Za-z0-9._-]+\+?\})$`)
)

// checkPath validates a route path the way API Gateway accepts it.
func checkPath(path string) error {
	if path == "/" {
		return nil
	}
	if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") {
		return fmt.Errorf(`route path must start with "/" and not end with "/", got %q`, path)
	}
	segs := strings.Split(path[1:], "/")
	for i, seg := range segs {
		if !segmentRe.MatchString(seg) {
			return fmt.Errorf(`route path %q has segment %q: a segment is letters, digits, '.', '_', ':', '-', or a parameter like "{id}" ("{proxy+}" last only)`, path, seg)
		}
		if strings.HasSuffix(seg, "+}") && i != len(segs)-1 {
			return fmt.Errorf("route path %q: the greedy parameter %q must be the last segment", path, seg)
		}
	}
	return nil
}

// AddRoute routes method and path to fn through a Lambda proxy integration, grants API Gateway
// permission to invoke fn for that method and path only (on every stage), and returns the
// method. method is GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY; path is like
// "/orders/{id}".
func (a *restApi) AddRoute(method, path string, fn awslambda.IFunction, opts *RouteOptions) awsapigateway.Method {
	if opts == nil {
		opts = &RouteOptions{}
	}
	name := method + " " + path
	where := fmt.Sprintf("RestApi %s route %s", a.path(), name)
	if !methodRe.MatchString(method) {
		panic(fmt.Errorf("RestApi %s: route method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY, got %q", a.path(), method))
	}
	if err := checkPath(path); err != nil {
		panic(fmt.Errorf("RestApi %s: %w", a.path(), err))
	}
	if _, dup := a.routes[name]; dup {
		panic(fmt.Errorf("%s is already defined", where))
	}
	if err := a.checkSiblingParameters(path); err != nil {
		panic(fmt.Errorf("%s: %w", where, err))
	}
	if fn == nil {
		panic(fmt.Errorf("%s: the function is nil", where))
	}
	iam, choices := isTrue(opts.IamAuthorization), authChoices(opts)
	switch {
	case len(choices) == 0:
		panic(fmt.Errorf("%s has no authorization: set Authorizer, IamAuthorization: true (SigV4-signed IAM callers), or NoAuthorizer: true to make it callable without authorization", where))
	case len(choices) > 1:
		panic(fmt.Errorf("%s sets %s; choose one: a method has one authorization type", where, strings.Join(choices, " and ")))
	case opts.Authorizer != nil && opts.Authorizer.api != a:
		panic(fmt.Errorf("%s uses authorizer %s of another API; create one with this API's Add*Authorizer", where, opts.Authorizer.id))
	}
	if opts.Scopes != nil && (opts.Authorizer == nil || opts.Authorizer.kind != awsapigateway.AuthorizationType_COGNITO) {
		panic(fmt.Errorf("%s sets Scopes, which only a Cognito authorizer checks", where))
	}
	if opts.Throttle != nil {
		a.imported.Unsupported("AddRoute with RouteOptions.Throttle", "a route throttle is a method setting of every stage, and "+stagesOwned+"; throttle the route there")
	}
	if opts.FunctionAliasVariable != nil {
		a.imported.Unsupported("AddRoute with RouteOptions.FunctionAliasVariable", "each stage's alias needs an invoke permission for that stage, and "+stagesOwned+"; add the route there")
	}
	cors := opts.Cors
	if cors == nil {
		cors = a.cors
	} else if err := cors.check(); err != nil {
		panic(fmt.Errorf("%s: %w", where, err))
	}
	if _, ok := a.preflights[path]; method == "OPTIONS" && (ok || cors != nil) {
		panic(fmt.Errorf("%s: with Cors, the OPTIONS method of a route's path answers CORS preflights itself; drop the route, or the Cors", where))
	}
	if opts.Throttle != nil {
		if err := apigw.CheckThrottle("Throttle", opts.Throttle.RateLimit, opts.Throttle.BurstLimit); err != nil {
			panic(fmt.Errorf("%s: %w", where, err))
		}
	}

	// Integration: the function itself, or the alias a stage variable names.
	fnArn := *fn.FunctionArn()
	target := fnArn
	if v := opts.FunctionAliasVariable; v != nil {
		if !varNameRe.MatchString(*v) {
			panic(fmt.Errorf("%s: FunctionAliasVariable must be a stage variable name of [A-Za-z0-9_], got %q", where, *v))
		}
		for _, s := range a.stages {
			if _, ok := s.vars[*v]; !ok {
				panic(fmt.Errorf("%s selects its function alias through stage variable %q, but stage %q does not set it", where, *v, s.name))
			}
		}
		target = fnArn + ":${stageVariables." + *v + "}"
	}
	integration := awsapigateway.NewAwsIntegration(&awsapigateway.AwsIntegrationProps{
		Proxy:   jsii.Bool(true),
		Service: jsii.String("lambda"),
		Path:    jsii.String("2015-03-31/functions/" + target + "/invocations"),
	})

	mo := &awsapigateway.MethodOptions{
		RequestValidator:  a.requestValidator(),
		ApiKeyRequired:    opts.ApiKeyRequired,
		RequestParameters: opts.RequestParameters,
	}
	var authHash any = "NONE"
	switch {
	case iam:
		mo.AuthorizationType = awsapigateway.AuthorizationType_IAM
		authHash = "AWS_IAM"
	case opts.Authorizer != nil:
		mo.Authorizer = opts.Authorizer.auth
		mo.AuthorizationType = opts.Authorizer.kind
		scopes := opts.Scopes
		if scopes == nil {
			scopes = opts.Authorizer.scopes
		}
		mo.AuthorizationScopes = scopes
		authHash = []any{opts.Authorizer.id, scopes}
	default:
		mo.AuthorizationType = awsapigateway.AuthorizationType_NONE
	}
	m := a.api.Root().ResourceForPath(jsii.String(path)).AddMethod(jsii.String(method), integration, mo)

	// Permissions: any stage for the function itself, each stage's own alias otherwise.
	principal := awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil)
	arnMethod, arnPath := jsii.String(apigw.ArnMethod(method)), jsii.String(apigw.ArnPath(path))
	if opts.FunctionAliasVariable == nil {
		fn.AddPermission(jsii.String("Invoke"), &awslambda.Permission{
			Principal: principal,
			Scope:     m,
			SourceArn: a.api.ArnForExecuteApi(arnMethod, arnPath, jsii.String("*")),
		})
	} else {
		for _, s := range a.stages {
			use := &aliasUse{route: name, stage: s.name, variable: *opts.FunctionAliasVariable, alias: s.vars[*opts.FunctionAliasVariable], fn: fn}
			awslambda.NewCfnPermission(m, jsii.String("Invoke_"+s.name), &awslambda.CfnPermissionProps{
				Action:       jsii.String("lambda:InvokeFunction"),
				FunctionName: a.aliasFunctionName(use),
				Principal:    principal.Service(),
				SourceArn:    a.api.ArnForExecuteApi(arnMethod, arnPath, jsii.String(s.name)),
			})
		}
	}

	a.addToDeployment(map[string]any{"route": map[string]any{
		"method": method, "path": path, "target": target, "auth": authHash,
		"apiKey": opts.ApiKeyRequired, "params": opts.RequestParameters,
	}})

	if cors != nil {
		a.addPreflight(path, where, cors)
	}

	r := &route{method: method, path: path, segments: strings.Split(path[1:], "/"), resourcePath: stagePath(path), throttle: opts.Throttle, iam: iam, m: m}
	a.routes[name] = r
	if r.throttle != nil {
		for _, s := range a.stages {
			s.setMethodSettings()
		}
	}
	return m
}

// checkSiblingParameters refuses a path whose parameter segment ("{name}", "{proxy+}") sits
// where a route added before has a differently named one: API Gateway allows one variable
// resource per parent and rejects the deployment ("only one is allowed").
func (a *restApi) checkSiblingParameters(path string) error {
	segs := strings.Split(path[1:], "/")
	for _, name := range a.Routes() { // sorted, so the route named is stable
		r := a.routes[name]
		for i := 0; i < len(segs) && i < len(r.segments); i++ {
			mine, theirs := segs[i], r.segments[i]
			if mine == theirs {
				continue
			}
			if strings.HasPrefix(mine, "{") && strings.HasPrefix(theirs, "{") {
				parent := "/" + strings.Join(segs[:i], "/")
				return fmt.Errorf("path parameter %q under %q conflicts with %q of route %s: API Gateway allows one path parameter (or greedy {proxy+}) per level and fails the deployment with \"only one is allowed\"; use %q in both routes",
					mine, parent, theirs, name, theirs)
			}
			break
		}
	}
	return nil
}

func (a *restApi) Routes() []string {
	var out []string
	for k := range a.routes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// stagePath encodes a path the way stage method settings key it: "/orders/{id}" is
// "/~1orders~1{id}".
func stagePath(path string) string {
	if path == "/" {
		return "/"
	}
	return "/" + strings.ReplaceAll(path, "/", "~1")
}

// requestValidator validates the body and parameters of every method. An imported API gets its
// own validator, in this stack, with its first route.
func (a *restApi) requestValidator() awsapigateway.IRequestValidator {
	if a.validator == nil {
		a.validator = awsapigateway.NewRequestValidator(a, jsii.String("Validator"), &awsapigateway.RequestValidatorProps{
			RestApi:                   a.api,
			ValidateRequestBody:       jsii.Bool(true),
			ValidateRequestParameters: jsii.Bool(true),
		})
	}
	return a.validator
}

// addToDeployment makes the deployment's logical ID, and so a redeploy, depend on v. An
// imported API's deployment belongs to the stack that created it.
func (a *restApi) addToDeployment(v map[string]any) {
	if a.deployment != nil {
		a.deployment.AddToLogicalId(v)
	}
}

// GrantInvoke lets grantee call the IAM-authorized route method path (as given to AddRoute, or
// GET of an ANY route) on each of stages.
func (a *restApi) GrantInvoke(grantee awsiam.IGrantable, method, path string, stages ...string) awsiam.Grant {
	where := fmt.Sprintf("RestApi %s: GrantInvoke %s %s", a.path(), method, path)
	if !methodRe.MatchString(method) {
		panic(fmt.Errorf("RestApi %s: GrantInvoke: method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY, got %q", a.path(), method))
	}
	if err := checkPath(path); err != nil {
		panic(fmt.Errorf("RestApi %s: GrantInvoke: %w", a.path(), err))
	}
	stage, known := a.stageName, []string(nil)
	if a.imported == nil {
		r := a.routes[method+" "+path]
		if r == nil {
			r = a.routes["ANY "+path]
		}
		switch {
		case r == nil:
			panic(fmt.Errorf("%s: no such route; add it with AddRoute first (routes: %q)", where, a.Routes()))
		case !r.iam:
			panic(fmt.Errorf("%s: the route does not use IAM authorization, so an IAM grant has no effect on it; add it with IamAuthorization: true", where))
		}
		stage, known = a.stages[0].name, a.stageNames()
	}
	stages, err := apigw.GrantStages(stages, stage, known)
	if err != nil {
		panic(fmt.Errorf("%s: %w", where, err))
	}
	return apigw.Grant(a, grantee, "execute-api:Invoke", a.api.RestApiId(), stages, apigw.ArnMethod(method), apigw.ArnPath(path))
}
