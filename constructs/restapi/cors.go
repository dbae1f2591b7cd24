package restapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/apigw"
	"github.com/portico-dev/portico/constructs/policy"
)

// Cors is what a REST API tells browsers about cross-origin calls. Each path with a route gets
// an OPTIONS method that answers the browser's preflight itself (a MOCK integration, as
// awsapigateway.Resource.AddCorsPreflight makes it), without an authorizer or API key: a
// browser sends neither on a preflight. The preflight only permits the call; the route's own
// response must still carry Access-Control-Allow-Origin (and Access-Control-Allow-Credentials),
// which with a Lambda proxy integration only the handler can add ("Enabling CORS for a REST API
// resource": for proxy integrations the backend returns the CORS headers). On the API,
// GatewayResponses DEFAULT_4XX and DEFAULT_5XX get these headers too (see GatewayResponses).
type Cors struct {
	// AllowOrigins are the origins allowed to call: "*" alone, or full origins written as a
	// browser sends them, scheme://host[:port] in lower case, without a path, a trailing "/" or
	// a default port ("https://app.example.com", "http://localhost:5173"). With several
	// origins the preflight answers with the caller's Origin when it is listed.
	// Default: none; required.
	AllowOrigins *[]*string

	// AllowMethods the preflight allows: GET, PUT, HEAD, POST, DELETE, PATCH, OPTIONS, or ANY
	// alone for all of them.
	// Default: all of them (awsapigateway.Cors_ALL_METHODS).
	AllowMethods *[]*string

	// AllowHeaders a request may send, e.g. "Authorization", "Content-Type". A "*" is not a
	// wildcard for requests with credentials, and never covers Authorization (Fetch standard).
	// Default: awsapigateway.Cors_DEFAULT_HEADERS (Content-Type, X-Amz-Date, Authorization,
	// X-Api-Key, X-Amz-Security-Token, X-Amz-User-Agent).
	AllowHeaders *[]*string

	// ExposeHeaders are response headers, beyond the CORS-safelisted ones, that the page's
	// script may read.
	// Default: none.
	ExposeHeaders *[]*string

	// AllowCredentials lets the page send cookies or TLS client certificates (fetch with
	// credentials: "include") and read the answer. It needs explicit origins, never "*".
	// Default: false.
	AllowCredentials *bool

	// MaxAgeSeconds is how long a browser may cache the preflight's answer, a whole number 0 or
	// more. CDK writes no Access-Control-Max-Age for 0, so 0 means the browser's default (5
	// seconds in the Fetch standard).
	// Default: none (the browser's default).
	MaxAgeSeconds *float64
}

var (
	// corsMethods are the methods CDK's Cors.ALL_METHODS lists.
	corsMethods = []string{"OPTIONS", "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"}
	// hostRe is a lower-case DNS name or IPv4 address, or a bracketed IPv6 address.
	hostRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$|^\[[0-9a-f:.]+\]$`)
	portRe = regexp.MustCompile(`^[1-9][0-9]{0,4}$`)
	// tokenRe is an HTTP header name (RFC 9110 token).
	tokenRe = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// check returns the first rule c breaks, in the user's words.
func (c *Cors) check() error {
	if c.AllowOrigins == nil || len(*c.AllowOrigins) == 0 {
		return fmt.Errorf(`Cors.AllowOrigins needs at least one origin, e.g. "https://app.example.com", or "*"`)
	}
	origins := strs(c.AllowOrigins)
	for _, o := range origins {
		if err := checkOrigin(o); err != nil {
			return err
		}
	}
	credentials := c.AllowCredentials != nil && *c.AllowCredentials
	if slices.Contains(origins, "*") {
		if len(origins) > 1 {
			return fmt.Errorf(`Cors.AllowOrigins: "*" allows every origin and cannot be listed with others, got %q`, origins)
		}
		if credentials {
			return fmt.Errorf(`Cors.AllowCredentials cannot be used with AllowOrigins "*": browsers refuse credentialed responses to "*" (Fetch standard, CORS check); list the origins that may send credentials`)
		}
	}
	if c.AllowMethods != nil {
		methods := strs(c.AllowMethods)
		for _, m := range methods {
			if m == "ANY" && len(methods) > 1 {
				return fmt.Errorf("Cors.AllowMethods: ANY stands for every method and cannot be listed with others, got %q", methods)
			}
			if m != "ANY" && !slices.Contains(corsMethods, m) {
				return fmt.Errorf("Cors.AllowMethods must be HTTP methods among %s, or ANY alone, got %q", strings.Join(corsMethods, ", "), m)
			}
		}
	}
	for _, f := range []struct {
		field string
		list  *[]*string
	}{{"AllowHeaders", c.AllowHeaders}, {"ExposeHeaders", c.ExposeHeaders}} {
		field := f.field
		for _, h := range strs(f.list) {
			if !tokenRe.MatchString(h) {
				return fmt.Errorf("the header names of Cors.%s may have letters, digits and !#$%%&'*+.^_`|~-, got %q", field, h)
			}
			if h == "*" && credentials {
				return fmt.Errorf(`"*" in Cors.%s is no wildcard for requests with credentials (Fetch standard); name the headers`, field)
			}
		}
	}
	if m := c.MaxAgeSeconds; m != nil && (*m < 0 || *m != float64(int64(*m))) {
		return fmt.Errorf("Cors.MaxAgeSeconds must be a whole number 0 or more, got %v", *m)
	}
	return nil
}

// checkOrigin accepts "*" and an origin as a browser serializes it in the Origin header, since
// API Gateway and the browser compare the strings exactly.
func checkOrigin(o string) error {
	if o == "*" || *awscdk.Token_IsUnresolved(jsii.String(o)) {
		return nil
	}
	u, err := url.Parse(o)
	bad := err != nil || u.Scheme == "" || u.Opaque != "" || u.User != nil || u.Path != "" || strings.ContainsAny(o, "?#") ||
		!hostRe.MatchString(u.Hostname()) || u.Scheme != strings.ToLower(u.Scheme)
	if !bad && u.Port() != "" {
		bad = !portRe.MatchString(u.Port()) ||
			(u.Scheme == "https" && u.Port() == "443") || (u.Scheme == "http" && u.Port() == "80")
	}
	if bad {
		return fmt.Errorf(`Cors.AllowOrigins entries are "*" or origins scheme://host[:port] as a browser sends them: lower case, no path or trailing "/", no default port (e.g. "https://app.example.com", "http://localhost:5173"), got %q`, o)
	}
	return nil
}

// options are the CDK preflight options for c.
func (c *Cors) options() *awsapigateway.CorsOptions {
	o := &awsapigateway.CorsOptions{
		AllowOrigins:     c.AllowOrigins,
		AllowMethods:     c.AllowMethods,
		AllowHeaders:     c.AllowHeaders,
		ExposeHeaders:    c.ExposeHeaders,
		AllowCredentials: c.AllowCredentials,
	}
	if c.MaxAgeSeconds != nil {
		o.MaxAge = awscdk.Duration_Seconds(c.MaxAgeSeconds)
	}
	return o
}

// key identifies c's settings: routes on one path share one preflight.
func (c *Cors) key() string {
	b, _ := json.Marshal(c)
	return string(b)
}

func strs(list *[]*string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, 0, len(*list))
	for _, s := range *list {
		out = append(out, deref(s))
	}
	return out
}

// addPreflight gives path an OPTIONS method that answers CORS preflights per c, once per path;
// every route on the path must use the same settings. where names the route for messages.
// cdk-nag needs no suppression: its AwsSolutions-APIG4 and -COG4 rules skip OPTIONS methods
// whose method responses declare CORS headers (cdk-nag 2.38, APIGWAuthorization.js and
// CognitoUserPoolAPIGWAuthorizer.js), as a browser sends no credentials on a preflight.
func (a *restApi) addPreflight(path, where string, c *Cors) {
	key := c.key()
	if prev, ok := a.preflights[path]; ok {
		if prev != key {
			panic(fmt.Errorf("%s: its Cors differs from that of another route on %s; one OPTIONS preflight answers for the whole path, so give its routes the same Cors (got %s, before %s)", where, path, key, prev))
		}
		return
	}
	if _, ok := a.routes["OPTIONS "+path]; ok {
		panic(fmt.Errorf("%s: Cors needs the OPTIONS method of %s for its preflight, but route OPTIONS %s is defined; drop that route or the Cors", where, path, path))
	}
	a.api.Root().ResourceForPath(jsii.String(path)).AddCorsPreflight(c.options())
	a.preflights[path] = key
	a.addToDeployment(map[string]any{"preflight": map[string]any{"path": path, "cors": key}})
	if a.policyDoc != nil && a.allowPreflights {
		a.preflightScopes = append(a.preflightScopes, policy.Scope{Method: "OPTIONS", Path: apigw.ArnPath(path)})
		a.renderPolicy()
	}
}

// renderPolicy writes the resource policy with an Allow of the preflight methods for everyone
// its Deny statements let in: a browser's preflight carries no signature or credentials, so it
// matches no Allow by account or role.
func (a *restApi) renderPolicy() {
	doc := a.policyDoc.Clone().Allow(policy.Anyone(), a.preflightScopes...)
	out, err := doc.JSON(a.policyKind)
	if err != nil {
		panic(fmt.Errorf("RestApi %s: with the Allow of the CORS preflights: %w", a.path(), err))
	}
	a.api.Node().DefaultChild().(awsapigateway.CfnRestApi).SetPolicy(out)
}
