package gateway

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/textlist"
)

// CORS of HTTP APIs as the API Gateway developer guide's "Configure CORS for HTTP APIs in API
// Gateway" (http-api-cors.html) describes it, quoted next to each rule. Where the page is silent
// the choice is Portico's, marked "choice" (README, Known differences).

// preflight reports whether the request is a CORS preflight: "For the OPTIONS method, your
// request must contain an origin header and an Access-Control-Request-Method header."
func (x *Exchange) preflight() bool {
	h := x.Request.Header
	return x.Request.Method == http.MethodOptions && h.Get("Origin") != "" && h.Get("Access-Control-Request-Method") != ""
}

// answersPreflight reports whether the gateway answers the request itself, a preflight no route
// takes: "If you configure CORS for an API, API Gateway automatically sends a response to
// preflight OPTIONS requests, even if there isn't an OPTIONS route configured for your API."
// A route that takes OPTIONS (an OPTIONS or ANY route, or $default) gets the preflight, its
// authorizer included: "The $default route catches requests for all methods and routes that you
// haven't explicitly defined, including OPTIONS requests. To support unauthorized OPTIONS
// requests, add an OPTIONS /{proxy+} route to your API that doesn't require authorization".
func (x *Exchange) answersPreflight() bool { return x.API.Cors != nil && x.preflight() }

// answerPreflight writes the gateway's own answer to a preflight: 204 without a body, with the
// CORS headers when the configuration allows the origin, method and headers. The page names no
// status; public notes of live HTTP APIs report 204 ("CORS preflight still 204" after a deploy;
// a probe table of an HTTP API with apigw-requestid headers: "OPTIONS /background-checks 204").
// Choice: a refused preflight gets the same 204 without any CORS header, which the browser
// refuses (no capture of a refusal found).
func (x *Exchange) answerPreflight(w http.ResponseWriter) int {
	h := w.Header()
	setRequestID(h, x)
	x.corsHeaders(h)
	w.WriteHeader(http.StatusNoContent)
	return http.StatusNoContent
}

// corsHeaders sets the CORS headers of an answer of an API with a CORS configuration: every
// answer goes through it, the integration's, the gateway's errors and authorizer denials alike.
// "If you configure CORS for an API, API Gateway ignores CORS headers returned from your backend
// integration." "For a CORS request, API Gateway adds the configured CORS headers to the
// response from an integration." "To return CORS headers, your request must contain an origin
// header."
//
// An allowed origin is echoed with "vary: origin", and "access-control-allow-credentials: true"
// when configured, also on a JWT authorizer's 401: a public curl capture of an HTTP API with CORS
// (host x7jzrjfuv8.execute-api.us-east-1.amazonaws.com, apigw-requestid aQLT9hqNoAMEbuA=,
// 2024-07-01, GET /getUser from Origin http://localhost:5173: 401 {"message":"Unauthorized"},
// www-authenticate: Bearer, access-control-allow-origin: http://localhost:5173, vary: origin,
// access-control-allow-credentials: true). An API allowing "*" answers "*" without vary (a curl
// capture of nckbku0m91.execute-api.eu-central-1.amazonaws.com, GET /cars from Origin
// https://example.com: "Access-Control-Allow-Origin: *", on its 200, 400 and 404 alike). The
// index that found both names no repository (README, Known differences).
//
// A preflight gets Allow-Methods, Allow-Headers and Max-Age as configured when its method and
// every requested header are allowed, else no CORS header at all (choice); other requests get
// Expose-Headers. Lists are sent as configured, joined with "," (choice).
func (x *Exchange) corsHeaders(h http.Header) {
	if x.API == nil || x.API.Cors == nil {
		return
	}
	for k := range h {
		if strings.HasPrefix(http.CanonicalHeaderKey(k), "Access-Control-") {
			delete(h, k)
		}
	}
	c := x.API.Cors
	r := x.Request
	origin, ok := allowOrigin(c.AllowOrigins, r.Header.Get("Origin"))
	preflight := x.preflight()
	if !ok || preflight && !(allowMethod(c.AllowMethods, r.Header.Get("Access-Control-Request-Method")) && allowHeaders(c.AllowHeaders, r.Header.Values("Access-Control-Request-Headers"))) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if origin != "*" {
		h.Add("Vary", "origin")
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if !preflight {
		setList(h, "Access-Control-Expose-Headers", c.ExposeHeaders)
		return
	}
	setList(h, "Access-Control-Allow-Methods", c.AllowMethods)
	setList(h, "Access-Control-Allow-Headers", c.AllowHeaders)
	if c.MaxAge != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(*c.MaxAge))
	}
}

// allowOrigin is the Access-Control-Allow-Origin of origin under allowed, the first entry that
// matches: "*" ("allow all origins") gives "*"; "https://*" ("allow any origin that begins with
// https://") and "http://*" match by prefix and, as an exact origin does, echo the origin.
// Choice: origins compare case-insensitively (browsers send them in lower case).
func allowOrigin(allowed []string, origin string) (string, bool) {
	if origin == "" {
		return "", false
	}
	for _, a := range allowed {
		switch {
		case a == "*":
			return "*", true
		case strings.HasSuffix(a, "://*") && len(origin) > len(a)-1 && strings.EqualFold(origin[:len(a)-1], a[:len(a)-1]),
			strings.EqualFold(a, origin):
			return origin, true
		}
	}
	return "", false
}

// allowMethod reports whether allowed (allowMethods: "GET, POST, DELETE, *") lets method in.
// Choice: methods compare case-insensitively.
func allowMethod(allowed []string, method string) bool {
	return containsFold(allowed, method)
}

// allowHeaders reports whether allowed (allowHeaders: "authorization, *") lets in every header
// the preflight's Access-Control-Request-Headers name; header names are case-insensitive.
func allowHeaders(allowed []string, requested []string) bool {
	for _, line := range requested {
		for _, name := range textlist.Split(line) {
			if !containsFold(allowed, name) {
				return false
			}
		}
	}
	return true
}

// containsFold reports whether list has "*" or s in any case.
func containsFold(list []string, s string) bool {
	for _, v := range list {
		if v == "*" || strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// setList sets header name to the list's values joined with ","; nothing when the list is empty.
func setList(h http.Header, name string, list []string) {
	if len(list) > 0 {
		h.Set(name, strings.Join(list, ","))
	}
}
