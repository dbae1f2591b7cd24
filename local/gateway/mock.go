package gateway

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/local/assembly"
)

// mockAnswer is what a REST MOCK integration answers, settled at start-up: "API Gateway
// responds to a mock integration request" with the integration response its request template's
// statusCode selects ("Set up mock integrations in API Gateway", how-to-mock-integration.html).
// Only static shapes are served: a request template that is a literal {"statusCode": N}, literal
// response parameters, and static response templates (or the one VTL template CDK's
// addCorsPreflight writes for several origins).
type mockAnswer struct {
	status  int         // the method response status; 0: no integration response matches
	headers http.Header // the literal method.response.header values
	bodies  map[string]string
	// origins are the further allowed origins of CDK's preflight template: a request Origin
	// equal to one of them is sent back as Access-Control-Allow-Origin.
	origins []string
}

// statusTemplate is a request template that is a literal statusCode, as the docs
// ({"statusCode": 200}) and CDK's MockIntegration for preflights ({ statusCode: 200 }) write it.
var statusTemplate = regexp.MustCompile(`^\s*\{\s*"?statusCode"?\s*:\s*(\d+)\s*\}\s*$`)

// settleMock checks a MOCK integration and selects its answer. Anything that needs more of VTL
// than a literal is an error naming the template or parameter.
func settleMock(in assembly.Integration) (*mockAnswer, error) {
	selector, err := mockStatus(in.RequestTemplates)
	if err != nil {
		return nil, err
	}
	ir, err := selectResponse(in.Responses, selector)
	if err != nil {
		return nil, err
	}
	if ir == nil {
		return &mockAnswer{}, nil
	}
	m := &mockAnswer{headers: http.Header{}, bodies: map[string]string{}}
	if m.status, err = strconv.Atoi(ir.StatusCode); err != nil || m.status < 100 || m.status > 599 {
		return nil, fmt.Errorf("integration response StatusCode %q: want an HTTP status", ir.StatusCode)
	}
	for _, key := range slices.Sorted(maps.Keys(ir.ResponseParameters)) {
		name, ok := strings.CutPrefix(key, "method.response.header.")
		src := ir.ResponseParameters[key]
		if !ok || !isLiteral(src) {
			return nil, fmt.Errorf("response parameter %s = %q: only method.response.header.{name} = 'literal' is emulated", key, src)
		}
		m.headers.Set(name, strings.Trim(src, "'"))
	}
	for ct, text := range ir.ResponseTemplates {
		switch origins, ok := corsOriginTemplate(text); {
		case ok:
			m.origins, m.bodies[ct] = origins, "" // its directives print nothing
		case strings.ContainsAny(text, "$#"):
			return nil, fmt.Errorf("response template %s %q uses VTL: only static templates (and CDK's addCorsPreflight origin template) are emulated", ct, text)
		default:
			m.bodies[ct] = text
		}
	}
	return m, nil
}

// mockStatus is the statusCode the request templates give ("" without templates, which returns
// the default integration response). Templates for several content types must agree: Portico
// does not pick one by the request's Content-Type.
func mockStatus(templates map[string]string) (string, error) {
	status := ""
	for _, ct := range slices.Sorted(maps.Keys(templates)) {
		m := statusTemplate.FindStringSubmatch(templates[ct])
		switch {
		case m == nil:
			return "", fmt.Errorf(`request template %s %q: only a literal {"statusCode": N} is emulated`, ct, templates[ct])
		case status != "" && m[1] != status:
			return "", fmt.Errorf("request templates give statusCode %s and %s: only one statusCode for every content type is emulated", status, m[1])
		}
		status = m[1]
	}
	return status, nil
}

// selectResponse is the integration response for the mock's statusCode: the first whose
// selection pattern matches it whole, else the default one ("The default integration response
// is the one with an undefined HTTP status regex", how-to-mock-integration.html); nil when none.
func selectResponse(list []assembly.IntegrationResponse, status string) (*assembly.IntegrationResponse, error) {
	var fallback *assembly.IntegrationResponse
	for i, ir := range list {
		if ir.SelectionPattern == "" {
			fallback = cmp.Or(fallback, &list[i])
			continue
		}
		re, err := regexp.Compile(`^(?:` + ir.SelectionPattern + `)$`)
		if err != nil {
			return nil, fmt.Errorf("integration response %s: SelectionPattern %q is not a regular expression: %v", ir.StatusCode, ir.SelectionPattern, err)
		}
		if re.MatchString(status) {
			return &list[i], nil
		}
	}
	return fallback, nil
}

// corsOriginTemplate recognises the response template aws-cdk-lib's Resource.addCorsPreflight
// (aws-apigateway/lib/resource.ts, renderResponseTemplate) writes when allowOrigins lists more
// than one origin, and returns the origins after the first.
func corsOriginTemplate(text string) ([]string, bool) {
	lines := strings.Split(text, "\n")
	if len(lines) != 7 {
		return nil, false
	}
	m := corsCondition.FindStringSubmatch(lines[4])
	if m == nil {
		return nil, false
	}
	var origins []string
	for _, cond := range strings.Split(m[1], " || ") {
		origins = append(origins, strings.TrimSuffix(strings.TrimPrefix(cond, `$origin == "`), `"`))
	}
	return origins, text == corsTemplate(origins)
}

var corsCondition = regexp.MustCompile(`^#if\((\$origin == "[^"]*"(?: \|\| \$origin == "[^"]*")*)\)$`)

// corsTemplate is CDK's origin template for origins.
func corsTemplate(origins []string) string {
	conds := make([]string, len(origins))
	for i, o := range origins {
		conds[i] = `$origin == "` + o + `"`
	}
	return strings.Join([]string{
		`#set($origin = $input.params().header.get("Origin"))`,
		`#if($origin == "")`,
		`  #set($origin = $input.params().header.get("origin"))`,
		`#end`,
		`#if(` + strings.Join(conds, " || ") + `)`,
		`  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)`,
		`#end`,
	}, "\n")
}

// answer is the mock's reply to x. The request's Origin is read as the template reads it:
// under the names "Origin" and "origin" only.
func (m *mockAnswer) answer(x *Exchange) (*reply, error) {
	if m.status == 0 {
		return nil, noOutputMapping()
	}
	h := m.headers.Clone()
	if name := cmp.Or(x.spelled["Origin"], "Origin"); name == "Origin" || name == "origin" {
		if origin := x.Request.Header.Get("Origin"); slices.Contains(m.origins, origin) {
			h.Set("Access-Control-Allow-Origin", origin)
		}
	}
	ct, body, ok := pickTemplate(m.bodies, x.Request.Header.Get("Accept"))
	if !ok {
		ct = "application/json"
	}
	h.Set("Content-Type", ct)
	return &reply{status: m.status, headers: h, body: []byte(body)}, nil
}

// summary is the mock's answer as the route table shows it, e.g. "MOCK 204 (preflight)".
func (m *mockAnswer) summary(method string) string {
	s := "MOCK " + strconv.Itoa(cmp.Or(m.status, http.StatusInternalServerError))
	if method == http.MethodOptions {
		s += " (preflight)"
	}
	return s
}
