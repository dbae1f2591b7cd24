package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/local/runtime"
)

// What API Gateway does to the headers of requests and answers, per API type. The captures
// the rules come from are named next to each; README "Known differences" lists the choices
// made where no capture says.

// droppedRequest are the request headers no integration receives: LocalStack's AWS-validated
// list (localstack/localstack, localstack/services/apigateway/next_gen/execute_api/
// header_utils.py, DROPPED_FROM_REQUEST_COMMON). Its capture on AWS agrees: the REST events of
// tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json
// (test_lambda_aws_proxy_integration) lack the Connection python-requests sends and, on the
// POST with a body, Content-Length. HTTP APIs set content-length themselves (see headers).
var droppedRequest = canonicalSet("Connection", "Content-Length", "Content-MD5", "Expect", "Max-Forwards",
	"Proxy-Authenticate", "Server", "TE", "Transfer-Encoding", "Trailer", "Upgrade", "WWW-Authenticate")

// cloudSpelled are client headers whose name the event spells the cloud's way, whatever the
// client wrote: REST "Authorization" (localstack/localstack PR #10500, snapshot
// test_lambda_aws_proxy_integration: "authorization" sent, "Authorization" received); HTTP
// payload 1.0 also "User-Agent" (aws/aws-sam-cli issue #1860, event of a deployed API).
var cloudSpelled = map[headerForm]map[string]bool{
	restV1: canonicalSet("Authorization"),
	httpV1: canonicalSet("Authorization", "User-Agent"),
}

func canonicalSet(names ...string) map[string]bool {
	set := map[string]bool{}
	for _, n := range names {
		set[textproto.CanonicalMIMEHeaderKey(n)] = true
	}
	return set
}

// headerForm is how an event spells header names.
type headerForm int

const (
	restV1 headerForm = iota // as the client spelled them (test_lambda_aws_proxy_integration: "tEsT-HEADeR")
	httpV1                   // lower case (aws-sam-cli issue #1860: "X-Test-Camel-Dashes" arrives "x-test-camel-dashes")
	httpV2                   // lower case, all of them (apigw-v2-request-no-authorizer.json)
)

func (x *Exchange) headerForm() headerForm {
	switch {
	case x.API.Kind == REST:
		return restV1
	case x.Route.Integration.PayloadFormatVersion == "2.0":
		return httpV2
	}
	return httpV1
}

// clientName is the event's name for a header the client sent.
func (x *Exchange) clientName(f headerForm, canon string) string {
	switch {
	case f == httpV2:
		return strings.ToLower(canon)
	case cloudSpelled[f][canon]:
		return canon
	case f == httpV1:
		return strings.ToLower(canon)
	case x.spelled[canon] != "":
		return x.spelled[canon]
	}
	return canon // the head was not recorded: Go's spelling
}

// headers returns the request headers as the event carries them: the client's, less the
// dropped ones, then the gateway's own, which replace any the client sent under their names.
func (x *Exchange) headers() http.Header {
	f := x.headerForm()
	own := x.gatewayHeaders(f)
	taken := map[string]bool{}
	for name := range own {
		taken[textproto.CanonicalMIMEHeaderKey(name)] = true
	}
	h := http.Header{}
	for canon, v := range x.Request.Header {
		if !droppedRequest[canon] && !taken[canon] {
			h[x.clientName(f, canon)] = v
		}
	}
	for name, v := range own {
		if f == httpV2 {
			name = strings.ToLower(name)
		}
		h[name] = []string{v}
	}
	return h
}

// gatewayHeaders are the request headers API Gateway sets, named as payload 1.0 spells them.
// Every capture has Host, X-Forwarded-For/-Port/-Proto and the trace id (apigw-request.json,
// apigw-v2-request-no-authorizer.json, test_lambda_aws_proxy_integration); HTTP APIs add
// content-length (apigw-v2-request-no-authorizer.json: "0" for curl's GET without a body);
// EDGE REST APIs get CloudFront's headers.
func (x *Exchange) gatewayHeaders(f headerForm) map[string]string {
	own := map[string]string{
		"Host":              x.Request.Host,
		"X-Forwarded-For":   x.SourceIP,
		"X-Forwarded-Proto": "http",
		"X-Amzn-Trace-Id":   x.trace,
	}
	if _, port, err := net.SplitHostPort(x.Request.Host); err == nil {
		own["X-Forwarded-Port"] = port
	}
	if f != restV1 {
		own["Content-Length"] = strconv.Itoa(len(x.Body))
	}
	if x.API.Edge {
		x.cloudFrontRequest(own)
	}
	return own
}

// stamp gives the exchange what is read off the wire or made up once per request: the
// client's spelling of header names, the request ids and the trace id.
func (x *Exchange) stamp() {
	x.RequestID, x.ExtendedRequestID = requestUUID(x.Request), newExtendedRequestID()
	x.spelled = spellings(x.Request)
	x.trace = traceID(x.Request.Header.Get("X-Amzn-Trace-Id"), x.Start)
}

// cloudFront is the X-Amz-Cf-Id and Via of an EDGE API's request and answer, made on first use
// (only EDGE APIs need them).
func (x *Exchange) cloudFront() (id, via string) {
	if x.cfID == "" {
		x.cfID = base64.URLEncoding.EncodeToString(random(40))
		x.via = fmt.Sprintf("%d.%d %s.cloudfront.net (CloudFront)", x.Request.ProtoMajor, x.Request.ProtoMinor, hex.EncodeToString(random(16)))
	}
	return x.cfID, x.via
}

// traceID keeps the Root of the caller's X-Amzn-Trace-Id, else makes one in X-Ray's form
// Root=1-{epoch seconds, 8 hex}-{24 hex} (apigw-v2-request-no-authorizer.json:
// "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c").
func traceID(caller string, now time.Time) string {
	for _, part := range strings.Split(caller, ";") {
		if root, ok := strings.CutPrefix(strings.TrimSpace(part), "Root="); ok && validRoot(root) {
			return "Root=" + root
		}
	}
	return fmt.Sprintf("Root=1-%08x-%s", now.Unix(), hex.EncodeToString(random(12)))
}

// validRoot reports whether root has X-Ray's form 1-{8 hex}-{24 hex}.
func validRoot(root string) bool {
	version, rest, _ := strings.Cut(root, "-")
	epoch, id, _ := strings.Cut(rest, "-")
	_, errEpoch := hex.DecodeString(epoch)
	_, errID := hex.DecodeString(id)
	return version == "1" && len(epoch) == 8 && len(id) == 24 && errEpoch == nil && errID == nil
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Values CloudFront derives from where the viewer is, which a local gateway cannot know:
// ISO 3166's user-assigned "ZZ" (unknown country), AS 0 (RFC 7607: no AS) and a POP named for
// what it is.
const (
	localCountry = "ZZ"
	localASN     = "0"
	localPOP     = "LOCAL-P1"
)

// cloudFrontRequest adds the headers CloudFront puts on the requests of an EDGE API, as the
// newest capture has them (test_lambda_aws_proxy_integration, recorded 2024; apigw-request.json
// has the same without CloudFront-Viewer-ASN). The device headers are a desktop viewer's:
// CloudFront reads them off the User-Agent, Portico does not. X-Forwarded-For gets the edge's
// address (here the gateway's listener) after the client's ("54.240.196.186, 54.182.214.83").
func (x *Exchange) cloudFrontRequest(own map[string]string) {
	own["CloudFront-Forwarded-Proto"] = "http"
	own["CloudFront-Is-Desktop-Viewer"] = "true"
	own["CloudFront-Is-Mobile-Viewer"] = "false"
	own["CloudFront-Is-SmartTV-Viewer"] = "false"
	own["CloudFront-Is-Tablet-Viewer"] = "false"
	own["CloudFront-Viewer-ASN"] = localASN
	own["CloudFront-Viewer-Country"] = localCountry
	own["X-Amz-Cf-Id"], own["Via"] = x.cloudFront()
	if addr, ok := x.Request.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if host, _, err := net.SplitHostPort(addr.String()); err == nil {
			own["X-Forwarded-For"] = x.SourceIP + ", " + host
		}
	}
}

// answerHeaders adds to an answer the headers API Gateway and CloudFront add. REST answers of
// an integration carry the trace id (LocalStack's AWS-validated header_utils.py,
// set_default_response_headers: not on gateway responses); EDGE answers, errors included,
// carry CloudFront's (Via and X-Amz-Cf-Id as on the request, X-Amz-Cf-Pop, X-Cache: answers of
// CloudFront distributions, e.g. "x-cache: Miss from cloudfront", "x-amz-cf-pop: FRA56-C1";
// API Gateway's distribution does not cache).
func (x *Exchange) answerHeaders(h http.Header, fromIntegration bool) {
	if x.API == nil {
		return
	}
	if x.API.Kind == REST && fromIntegration {
		h.Set("X-Amzn-Trace-Id", x.trace)
	}
	if x.API.Edge {
		id, via := x.cloudFront()
		h.Set("Via", via)
		h.Set("X-Amz-Cf-Id", id)
		h.Set("X-Amz-Cf-Pop", localPOP)
		h.Set("X-Cache", "Miss from cloudfront")
	}
}

// uuidForm is the form of a REST request id: a UUID.
var uuidForm = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// requestUUID is a REST request's id: the client's x-amzn-RequestId when it is a UUID, which
// "Access logging for REST APIs" (set-up-access-logging.html, $context.requestId) lets clients
// override, else a new one.
func requestUUID(r *http.Request) string {
	if id := r.Header.Get("X-Amzn-Requestid"); uuidForm.MatchString(id) {
		return id
	}
	return runtime.NewRequestID()
}

// newExtendedRequestID is an id in the form of the cloud's extendedRequestId and HTTP API
// requestId: 11 random bytes in URL-safe base64, 16 characters ending in "=" ("LV7fzho-PHcEJPw="
// in aws-lambda-go's events/testdata/apigw-v2-request-no-authorizer.json, "TWegAcC4EowCHnA=" in
// apigw-request.json).
func newExtendedRequestID() string {
	return base64.URLEncoding.EncodeToString(random(11))
}

// requestID is requestContext.requestId: the UUID on REST APIs, the extended id on HTTP APIs
// (whose payload 1.0 and 2.0 events and apigw-requestid answers carry the 16-character form).
func (x *Exchange) requestID() string {
	if x.API != nil && x.API.Kind == HTTP {
		return x.ExtendedRequestID
	}
	return x.RequestID
}

// setRequestID adds the request ids API Gateway answers with ("Variables for access logging":
// $context.requestId is returned in x-amzn-RequestId, $context.extendedRequestId in
// x-amz-apigw-id; an HTTP API answers with apigw-requestid).
func setRequestID(h http.Header, x *Exchange) {
	if x.API != nil && x.API.Kind == HTTP {
		h.Set("Apigw-Requestid", x.ExtendedRequestID)
		return
	}
	h.Set("X-Amzn-Requestid", x.RequestID)
	h.Set("X-Amz-Apigw-Id", x.ExtendedRequestID)
}
