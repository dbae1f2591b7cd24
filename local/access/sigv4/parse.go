package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/local/access/check"
)

// claim is what a request says about its signature, from either form.
type claim struct {
	presigned     bool
	algorithm     string
	credential    string // AKID/yyyymmdd/region/service/aws4_request
	signedHeaders string // lower-case names joined by ';'
	signature     string
	date          string // X-Amz-Date
	time          time.Time
	expires       int  // X-Amz-Expires in seconds, when expiresSet
	expiresSet    bool // presigned with X-Amz-Expires
	token         string

	accessKeyID string // set by checkForm
}

// timeFormat is X-Amz-Date's layout (ISO 8601 basic format, UTC).
const timeFormat = "20060102T150405Z"

// The presigned form's query parameters.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qToken         = "X-Amz-Security-Token"
)

// parse reads the Authorization header or, without one, the presigned query string.
func parse(r *http.Request) (*claim, *check.Denial) {
	if auth, ok := r.Header["Authorization"]; ok {
		return parseHeader(strings.Join(auth, ","), r.Header)
	}
	q := r.URL.Query()
	if q.Has(qAlgorithm) || q.Has(qCredential) || q.Has(qSignature) {
		return parseQuery(q)
	}
	return nil, missingToken()
}

// parseHeader reads "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." and the
// date headers, refusing what lacks a part as the cloud does.
func parseHeader(auth string, h http.Header) (*claim, *check.Denial) {
	scheme, rest, _ := strings.Cut(auth, " ")
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, missingEqualSign(part, auth)
		}
		params[k] = v
	}
	c := &claim{algorithm: scheme, credential: params["Credential"], signedHeaders: params["SignedHeaders"],
		signature: params["Signature"], date: h.Get("X-Amz-Date"), token: h.Get(qToken)}
	var missing strings.Builder
	for _, p := range []struct{ name, value string }{{"Credential", c.credential}, {"Signature", c.signature}, {"SignedHeaders", c.signedHeaders}} {
		if p.value == "" {
			missing.WriteString("Authorization header requires '" + p.name + "' parameter. ")
		}
	}
	if c.date == "" && h.Get("Date") == "" {
		missing.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if missing.Len() > 0 {
		return nil, incomplete(missing.String()+"Authorization="+auth, "the Authorization header lacks a part")
	}
	if c.date == "" {
		// aws-sdk-go-v2's signer always signs X-Amz-Date, so it cannot rebuild a canonical
		// request dated by the Date header alone; no SDK or curl signs that way.
		return nil, mismatch("", "the request is dated by the Date header only: Portico verifies signatures dated by X-Amz-Date")
	}
	return c, nil
}

// parseQuery reads the presigned form's X-Amz-* parameters.
func parseQuery(q map[string][]string) (*claim, *check.Denial) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	c := &claim{presigned: true, algorithm: get(qAlgorithm), credential: get(qCredential), signedHeaders: get(qSignedHeaders),
		signature: get(qSignature), date: get(qDate), token: get(qToken)}
	if c.algorithm == "" || c.credential == "" || c.signature == "" || c.date == "" || c.signedHeaders == "" {
		// S3's wording (AuthorizationQueryParametersError); API Gateway's is not recorded.
		return nil, incomplete("AWS query-string parameters must include '"+qAlgorithm+"', '"+qCredential+"', '"+qSignature+
			"', '"+qDate+"', '"+qSignedHeaders+"'. Re-examine the query-string parameters.", "the presigned query string lacks a part")
	}
	if e, ok := q[qExpires]; ok {
		n, err := strconv.Atoi(e[0])
		switch {
		case err != nil:
			return nil, incomplete("X-Amz-Expires should be a number", "X-Amz-Expires "+quote(e[0])+" is not a number of seconds")
		case n < 0:
			return nil, incomplete("X-Amz-Expires must be non-negative", "X-Amz-Expires "+quote(e[0])+" is negative")
		case n > maxExpires:
			return nil, incomplete("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds",
				"X-Amz-Expires "+quote(e[0])+" is more than 604800 seconds")
		}
		c.expires, c.expiresSet = n, true
	}
	return c, nil
}

// checkTime parses X-Amz-Date and holds it to the clock: within 5 minutes either way, or for a
// presigned request with X-Amz-Expires, not older than that many seconds.
func (c *claim) checkTime(now time.Time) *check.Denial {
	t, err := time.Parse(timeFormat, c.date)
	if err != nil || t.Format(timeFormat) != c.date {
		return incomplete("Date must be in ISO-8601 'basic format'. Got '"+c.date+"'. See http://en.wikipedia.org/wiki/ISO_8601",
			"X-Amz-Date "+quote(c.date)+" is not yyyymmddThhmmssZ")
	}
	c.time = t
	if c.expiresSet {
		if earliest := now.Add(-time.Duration(c.expires) * time.Second); t.Before(earliest) {
			return expired(t, earliest, now, strconv.Itoa(c.expires)+" sec.")
		}
	} else if earliest := now.Add(-skew); t.Before(earliest) {
		return expired(t, earliest, now, "5 min.")
	}
	if latest := now.Add(skew); t.After(latest) {
		return notYetCurrent(t, latest, now)
	}
	return nil
}

// checkForm checks that host is signed, the algorithm, and the credential scope against the
// API's region, execute-api, aws4_request and the request's date.
func (c *claim) checkForm(region string) *check.Denial {
	if !hasHost(c.signedHeaders) {
		return invalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.", "host is not among the signed headers "+quote(c.signedHeaders))
	}
	if c.algorithm != algorithm {
		return incomplete("Unsupported AWS 'algorithm': '"+c.algorithm+"' (only AWS4-HMAC-SHA256 for now). ", "algorithm "+quote(c.algorithm)+" is not "+algorithm)
	}
	parts := strings.Split(c.credential, "/")
	if len(parts) != 5 {
		return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+c.credential+"'",
			"credential "+quote(c.credential)+" is not keyid/date/region/service/aws4_request")
	}
	var wrong []string
	if parts[2] != region {
		wrong = append(wrong, "Credential should be scoped to a valid region, not '"+parts[2]+"'.")
	}
	if parts[3] != service {
		wrong = append(wrong, "Credential should be scoped to correct service: '"+service+"'.")
	}
	if parts[4] != terminator {
		wrong = append(wrong, "Credential should be scoped with a valid terminator: '"+terminator+"', not '"+parts[4]+"'.")
	}
	if day := c.date[:8]; parts[1] != day {
		wrong = append(wrong, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+parts[1]+"' != '"+day+"', from '"+c.date+"'.")
	}
	if len(wrong) > 0 {
		return invalidSignature(strings.Join(wrong, " "), "credential scope "+quote(c.credential)+" is not */"+c.date[:8]+"/"+region+"/"+service+"/"+terminator)
	}
	c.accessKeyID = parts[0]
	return nil
}

// hasHost reports whether host is among the signed headers (names compared as the cloud does,
// without regard to case).
func hasHost(signedHeaders string) bool {
	for _, h := range strings.Split(signedHeaders, ";") {
		if strings.EqualFold(h, "host") {
			return true
		}
	}
	return false
}

// quote quotes a client's value for a log line, cut to a readable length.
func quote(s string) string {
	const max = 120
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}
