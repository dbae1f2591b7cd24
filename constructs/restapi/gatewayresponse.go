package restapi

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
)

// GatewayResponse shapes an answer API Gateway makes itself, without reaching the integration:
// an authorizer's 401 or 403, a missing route's 403, a throttle's 429, an integration timeout's
// 504, and so on ("Gateway responses for REST APIs in API Gateway").
type GatewayResponse struct {
	// StatusCode replaces the type's status code, e.g. "404"; on DEFAULT_4XX and DEFAULT_5XX it
	// replaces the status of every response of that class that is not customized.
	// Default: the type's own (e.g. 401 for UNAUTHORIZED).
	StatusCode *string

	// Headers to add, name to value: a literal in single quotes ("'https://app.example.com'") or
	// a value of the request: "method.request.header.<name>", "method.request.querystring.<name>",
	// "method.request.path.<name>", "stageVariables.<name>" or "context.<name>".
	// Default: none (and the CORS headers, when the API sets Cors).
	Headers *map[string]*string

	// Templates are bodies by media type, e.g. "application/json" ->
	// `{"message":$context.error.messageString}`. They are not VTL: API Gateway only substitutes
	// variables such as $context.error.messageString and $stageVariables.<name>.
	// Default: API Gateway's {"message":$context.error.messageString}.
	Templates *map[string]*string
}

// GatewayResponseTypes are the response types API Gateway lets an API customize ("Gateway
// response types for API Gateway", developer guide).
var GatewayResponseTypes = []string{
	"ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "AUTHORIZER_FAILURE",
	"BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX", "EXPIRED_TOKEN",
	"INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE",
	"MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND",
	"THROTTLED", "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED",
}

// defaultTemplate is the body API Gateway gives every response type until it is customized (API
// Gateway API reference, GetGatewayResponses: the example response lists
// {"message":$context.error.messageString} as each default's application/json template).
const defaultTemplate = `{"message":$context.error.messageString}`

var (
	statusRe = regexp.MustCompile(`^[1-5][0-9][0-9]$`)
	// headerValueRe is a literal in single quotes or a request value ("Gateway responses":
	// static values and mappings from method.request, stageVariables and context).
	headerValueRe = regexp.MustCompile(`^('.*'|method\.request\.(header|querystring|path)\.[A-Za-z0-9._$-]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9._]+)$`)
)

// CORS headers a gateway response carries when the API sets Cors.
const (
	headerAllowOrigin      = "Access-Control-Allow-Origin"
	headerAllowCredentials = "Access-Control-Allow-Credentials"
	headerExposeHeaders    = "Access-Control-Expose-Headers"
)

// addGatewayResponses creates the API's gateway responses: the user's, and, when cors is set,
// DEFAULT_4XX and DEFAULT_5XX, each with the CORS headers the user did not set.
func (a *restApi) addGatewayResponses(responses *map[string]*GatewayResponse, cors *Cors) {
	all := map[string]*GatewayResponse{}
	if responses != nil {
		for typ, r := range *responses {
			if r == nil {
				r = &GatewayResponse{}
			}
			all[typ] = r
		}
	}
	if cors != nil {
		for _, typ := range []string{"DEFAULT_4XX", "DEFAULT_5XX"} {
			if all[typ] == nil {
				all[typ] = &GatewayResponse{}
			}
		}
	}
	types := make([]string, 0, len(all))
	for typ := range all {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		where := fmt.Sprintf("RestApi %s gateway response %s", a.path(), typ)
		r := all[typ]
		if err := r.check(typ); err != nil {
			panic(fmt.Errorf("%s: %w", where, err))
		}
		headers := map[string]*string{}
		if r.Headers != nil {
			for k, v := range *r.Headers {
				headers[k] = v
			}
		}
		if cors != nil {
			if err := addCorsHeaders(headers, cors); err != nil {
				panic(fmt.Errorf("%s: %w", where, err))
			}
		}
		var params *map[string]*string
		if len(headers) > 0 {
			params = &headers
		}
		templates := r.Templates
		if templates == nil {
			templates = &map[string]*string{"application/json": jsii.String(defaultTemplate)}
		}
		gr := awsapigateway.NewGatewayResponse(a, jsii.String("GatewayResponse_"+typ), &awsapigateway.GatewayResponseProps{
			RestApi:         a.api,
			Type:            awsapigateway.ResponseType_Of(jsii.String(typ)),
			StatusCode:      r.StatusCode,
			ResponseHeaders: params,
			Templates:       templates,
		})
		// API Gateway serves gateway responses from the deployment's snapshot.
		a.deployment.Node().AddDependency(gr)
		a.addToDeployment(map[string]any{"gatewayResponse": map[string]any{
			"type": typ, "status": r.StatusCode, "headers": headers, "templates": templates,
		}})
	}
}

// check validates r, a response of type typ.
func (r *GatewayResponse) check(typ string) error {
	if !slices.Contains(GatewayResponseTypes, typ) {
		return fmt.Errorf("unknown type %q; API Gateway's types are %s", typ, strings.Join(GatewayResponseTypes, ", "))
	}
	if r.StatusCode != nil && !statusRe.MatchString(*r.StatusCode) {
		return fmt.Errorf(`StatusCode must be an HTTP status code of three digits, 100 to 599, e.g. "404", got %q`, *r.StatusCode)
	}
	if r.Headers != nil {
		for name, v := range *r.Headers {
			if !tokenRe.MatchString(name) {
				return fmt.Errorf("header name %q is not an HTTP header name", name)
			}
			if v == nil || !headerValueRe.MatchString(*v) {
				return fmt.Errorf(`header %s must be a literal in single quotes ("'value'") or a request value (method.request.header.<name>, method.request.querystring.<name>, method.request.path.<name>, stageVariables.<name>, context.<name>), got %q`, name, deref(v))
			}
		}
	}
	if r.Templates != nil {
		for media := range *r.Templates {
			if !mediaTypeRe.MatchString(media) || strings.Contains(media, "*") {
				return fmt.Errorf(`the keys of Templates are media types "type/subtype", e.g. "application/json", got %q`, media)
			}
		}
	}
	return nil
}

// addCorsHeaders adds to headers the CORS headers of cors that it does not name (in any case). A
// gateway response header is a literal or a request value: API Gateway cannot choose the value
// per origin, so with several allowed origins the user must write Access-Control-Allow-Origin.
func addCorsHeaders(headers map[string]*string, cors *Cors) error {
	has := func(name string) bool {
		for k := range headers {
			if strings.EqualFold(k, name) {
				return true
			}
		}
		return false
	}
	origins := strs(cors.AllowOrigins)
	if !has(headerAllowOrigin) {
		if len(origins) != 1 {
			return fmt.Errorf(`Cors allows several origins %q, and a gateway response cannot pick the caller's among them (its headers are literals or request values, its templates are not VTL): set header %s yourself, "'<origin>'" for one of them or "method.request.header.Origin" to echo every caller's origin on API Gateway's errors, or allow one origin`,
				origins, headerAllowOrigin)
		}
		headers[headerAllowOrigin] = quote(origins[0])
	}
	if cors.AllowCredentials != nil && *cors.AllowCredentials && !has(headerAllowCredentials) {
		headers[headerAllowCredentials] = quote("true")
	}
	if cors.ExposeHeaders != nil && len(*cors.ExposeHeaders) > 0 && !has(headerExposeHeaders) {
		headers[headerExposeHeaders] = quote(strings.Join(strs(cors.ExposeHeaders), ","))
	}
	return nil
}

func quote(s string) *string { return jsii.String("'" + s + "'") }
