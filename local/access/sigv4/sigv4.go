// Package sigv4 verifies AWS Signature Version 4 on requests to API Gateway (service
// execute-api), in the Authorization header form and the presigned query-string form, and
// answers each failure as API Gateway does. The canonical request is built by aws-sdk-go-v2's
// own signer (sign.go); this package parses what the client claims, checks dates, scope, key and
// session token, and compares the SDK's signature with the client's in constant time.
package sigv4

import (
	"crypto/hmac"
	"net/http"
	"time"

	"github.com/portico-dev/portico/local/access/check"
)

// Key is one local principal's credentials and the caller they identify.
type Key struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials (a role session): a request signed with the
	// key must then carry it; a request with a token for a key without one is refused.
	SessionToken string
	Caller       check.Caller
}

// Keys finds the key of an access key ID.
type Keys interface {
	Key(accessKeyID string) (Key, bool)
}

// Verifier verifies SigV4 signatures against Keys.
type Verifier struct {
	Keys Keys
	// Now is the clock the signing time is checked against; nil is time.Now.
	Now func() time.Time
}

const (
	service    = "execute-api"
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	// skew is how far X-Amz-Date may be from the gateway's clock ("Signature expired: ... (... -
	// 5 min.)" as API Gateway answers, see denials.go).
	skew = 5 * time.Minute
	// maxExpires is the longest X-Amz-Expires of a presigned request: one week.
	maxExpires = 604800
)

// Verify checks r's signature (with body, what the payload hash covers) for the API's region
// and returns the caller who signed it. Errors are *check.Denial with API Gateway's answer. The
// checks run in the cloud's order (denials.go): parse, date, host signed, algorithm, credential
// scope, access key, signature, session token.
func (v *Verifier) Verify(r *http.Request, body []byte, region string) (*check.Caller, error) {
	c, d := parse(r)
	if d != nil {
		return nil, d
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if d := c.checkTime(now().UTC()); d != nil {
		return nil, d
	}
	if d := c.checkForm(region); d != nil {
		return nil, d
	}
	k, ok := Key{}, false
	if v.Keys != nil {
		k, ok = v.Keys.Key(c.accessKeyID)
	}
	if !ok {
		return nil, invalidToken("access key " + quote(c.accessKeyID) + " is not a local principal's")
	}
	if d := c.checkSignature(r, body, k.SecretAccessKey, region); d != nil {
		return nil, d
	}
	if d := c.checkToken(k.SessionToken); d != nil {
		return nil, d
	}
	caller := k.Caller
	caller.AccessKey = k.AccessKeyID
	return &caller, nil
}

// checkToken compares the request's session token with the key's: required and equal when the
// key has one, absent when it has none.
func (c *claim) checkToken(want string) *check.Denial {
	switch {
	case want == "" && c.token != "":
		return invalidToken("the request carries a session token but the key " + quote(c.accessKeyID) + " has none")
	case want != "" && c.token == "":
		return invalidToken("the key " + quote(c.accessKeyID) + " is temporary and the request carries no X-Amz-Security-Token")
	case !hmac.Equal([]byte(c.token), []byte(want)):
		return invalidToken("the X-Amz-Security-Token is not the key " + quote(c.accessKeyID) + "'s session token")
	}
	return nil
}
