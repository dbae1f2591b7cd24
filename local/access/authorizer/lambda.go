// Package authorizer runs API Gateway authorizers locally: Lambda authorizers (TOKEN and REQUEST,
// HTTP payload 1.0/2.0 and simple responses) with the cloud's identity-source checks and result
// cache, and Cognito user pool / JWT authorizers verified with authorizers/jwt.
package authorizer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/invoke"
)

// Authorizer types (LambdaConfig.Type).
const (
	TypeToken   = "TOKEN"
	TypeRequest = "REQUEST"
)

// Cache limits of API Gateway's authorizer result cache.
const (
	DefaultTTL = 300 * time.Second
	MaxTTL     = 3600 * time.Second
)

// LambdaConfig describes one Lambda authorizer, as the template does.
type LambdaConfig struct {
	// Name is the authorizer's name, for the log.
	Name string
	// Function is the ID the invoker runs.
	Function string
	Protocol Protocol
	// Type is TypeToken or TypeRequest; only REST has TOKEN. Default: TypeRequest.
	Type string
	// PayloadVersion is the HTTP payload format, "1.0" or "2.0". Default: "2.0".
	PayloadVersion string
	// SimpleResponses: the HTTP 2.0 authorizer answers {isAuthorized, context}. Default: false.
	SimpleResponses bool
	// IdentitySources are the identity-source expressions (REST's comma-separated value split).
	// TOKEN needs exactly one header. Default: none.
	IdentitySources []string
	// ValidationRegex is the TOKEN authorizer's identityValidationExpression. Default: none.
	ValidationRegex string
	// TTLSeconds is the result TTL (resultTtlInSeconds); 0 disables the cache. WebSocket
	// authorizers never cache. Default (nil): 300.
	TTLSeconds *int
}

// Lambda is a Lambda authorizer with its result cache. It is safe for concurrent use.
type Lambda struct {
	cfg     LambdaConfig
	inv     invoke.Invoker
	now     func() time.Time
	sources []identitySource
	regex   *regexp.Regexp
	ttl     time.Duration

	mu    sync.Mutex
	cache map[string]cacheEntry
}

type cacheEntry struct {
	resp    *response
	expires time.Time
	origin  string // the request the response was obtained for, e.g. "GET /a"
}

// NewLambda validates cfg. now is the clock of the cache (nil: time.Now).
func NewLambda(cfg LambdaConfig, inv invoke.Invoker, now func() time.Time) (*Lambda, error) {
	if now == nil {
		now = time.Now
	}
	a := &Lambda{cfg: cfg, inv: inv, now: now, ttl: DefaultTTL, cache: map[string]cacheEntry{}}
	if cfg.Type == "" {
		a.cfg.Type = TypeRequest
	}
	if cfg.PayloadVersion == "" {
		a.cfg.PayloadVersion = "2.0"
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("authorizer %q: %w", cfg.Name, err)
	}
	return a, nil
}

func (a *Lambda) validate() error {
	c := &a.cfg
	switch {
	case c.Protocol != REST && c.Protocol != HTTP && c.Protocol != WebSocket:
		return fmt.Errorf("protocol must be REST, HTTP or WEBSOCKET, got %q", c.Protocol)
	case c.Type != TypeToken && c.Type != TypeRequest:
		return fmt.Errorf("type must be TOKEN or REQUEST, got %q", c.Type)
	case c.Type == TypeToken && c.Protocol != REST:
		return fmt.Errorf("TOKEN authorizers exist only on REST APIs, got protocol %s", c.Protocol)
	case c.Protocol == HTTP && c.PayloadVersion != "1.0" && c.PayloadVersion != "2.0":
		return fmt.Errorf("payload format version must be 1.0 or 2.0, got %q", c.PayloadVersion)
	case c.SimpleResponses && (c.Protocol != HTTP || c.PayloadVersion != "2.0"):
		return fmt.Errorf("simple responses need an HTTP API with payload format 2.0")
	case c.Function == "":
		return fmt.Errorf("no function to invoke")
	}
	for _, e := range c.IdentitySources {
		s, err := parseIdentitySource(c.Protocol, e)
		if err != nil {
			return err
		}
		a.sources = append(a.sources, s)
	}
	if c.Type == TypeToken && (len(a.sources) != 1 || a.sources[0].kind != fromHeader) {
		return fmt.Errorf("a TOKEN authorizer needs exactly one header identity source, got %q", c.IdentitySources)
	}
	if c.ValidationRegex != "" {
		if c.Type != TypeToken {
			return fmt.Errorf("a validation expression applies to TOKEN authorizers only")
		}
		re, err := regexp.Compile(c.ValidationRegex)
		if err != nil {
			return fmt.Errorf("validation expression %q: %w", c.ValidationRegex, err)
		}
		a.regex = re
	}
	if c.TTLSeconds != nil {
		a.ttl = time.Duration(*c.TTLSeconds) * time.Second
	}
	if a.ttl < 0 || a.ttl > MaxTTL {
		return fmt.Errorf("result TTL must be 0 to 3600 seconds, got %d", *c.TTLSeconds)
	}
	if c.Protocol == WebSocket {
		a.ttl = 0
	}
	if a.ttl > 0 && len(a.sources) == 0 {
		return fmt.Errorf("caching (TTL %s) needs at least one identity source to key the cache", a.ttl)
	}
	return nil
}

// Result is a Lambda authorizer's answer for one request.
type Result struct {
	// Name is the authorizer's name.
	Name        string
	Protocol    Protocol
	PrincipalID string
	// Context goes to the integration as requestContext.authorizer; REST values are strings.
	Context map[string]any
	// UsageIdentifierKey is the API key for usage plans with key source AUTHORIZER (REST).
	UsageIdentifierKey string
	// Decision is the authorizer's verdict on this method: its policy evaluated against the
	// method ARN, or the simple response's isAuthorized.
	Decision iam.Decision
	// Cached is set when the answer came from the result cache.
	Cached bool
}

// Err is nil when the authorizer allows the method, else the 403 the cloud sends when no resource
// policy is involved (HTTP and WebSocket APIs have none; REST APIs with one combine both in package access).
func (r *Result) Err() error {
	if r.Decision.Effect == iam.Allow {
		return nil
	}
	if r.Protocol != REST {
		return &check.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "AccessDeniedException", ResponseType: "ACCESS_DENIED", By: "authorizer " + r.Name, Reason: r.Decision.String()}
	}
	return check.AuthorizerDenial(r.Name, r.Decision)
}

// Authorize runs the authorizer for r: it checks the identity sources (401 without invoking when
// one is missing or the token fails the validation expression), answers from the cache or invokes
// the function, and evaluates the answer against r's method ARN. Errors are *check.Denial: 401
// when the function fails with "Unauthorized", 500 for any other failure or a malformed answer.
func (a *Lambda) Authorize(ctx context.Context, r *check.Request) (*Result, error) {
	values := make([]string, len(a.sources))
	for i, s := range a.sources {
		if values[i] = s.value(r); values[i] == "" {
			return nil, a.unauthorized(fmt.Sprintf("identity source %s is missing or empty; the authorizer was not invoked", s.expr))
		}
	}
	if a.regex != nil && !a.regex.MatchString(values[0]) {
		return nil, a.unauthorized(fmt.Sprintf("token does not match the validation expression %q; the authorizer was not invoked", a.regex))
	}
	origin := r.Method + " " + r.Path
	if r.Method == "" {
		origin = r.RouteKey
	}
	key := cacheKey(r.Stage, values)
	entry, hit := a.lookup(key)
	if !hit {
		resp, err := a.invoke(ctx, r, values)
		if err != nil {
			return nil, err
		}
		entry = cacheEntry{resp: resp, expires: a.now().Add(a.ttl), origin: origin}
		a.store(key, entry)
	}
	res := &Result{Name: a.cfg.Name, Protocol: a.cfg.Protocol, PrincipalID: entry.resp.principalID, Context: entry.resp.context,
		UsageIdentifierKey: entry.resp.usageKey, Decision: entry.resp.decide(r), Cached: hit}
	switch {
	case hit && res.Decision.Effect != iam.Allow && entry.origin != origin:
		res.Decision.Reason = fmt.Sprintf("policy cached from %s (TTL %s) does not cover %s: %s", entry.origin, a.ttl, origin, res.Decision.Reason)
	case hit:
		res.Decision.Reason = "cached answer from " + entry.origin + ": " + res.Decision.Reason
	}
	return res, nil
}

// cacheKey is built from the identity-source values only (and the stage, each stage having its
// own cache), so the same identity on another method reuses the answer, as in the cloud. Each part
// is length-prefixed: values may hold any byte (a query value can be %00), and no two different
// value lists may share a key.
func cacheKey(stage string, values []string) string {
	var b strings.Builder
	for _, v := range append([]string{stage}, values...) {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

func (a *Lambda) lookup(key string) (cacheEntry, bool) {
	if a.ttl == 0 {
		return cacheEntry{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.cache[key]
	if ok && !a.now().Before(e.expires) {
		delete(a.cache, key)
		return cacheEntry{}, false
	}
	return e, ok
}

func (a *Lambda) store(key string, e cacheEntry) {
	if a.ttl == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= sweepAt {
		now := a.now()
		for k, old := range a.cache {
			if !now.Before(old.expires) {
				delete(a.cache, k)
			}
		}
	}
	a.cache[key] = e
}

// sweepAt is the cache size from which storing first drops expired entries, so a load test with
// ever-new tokens does not grow the cache without bound.
const sweepAt = 4096

func (a *Lambda) invoke(ctx context.Context, r *check.Request, values []string) (*response, error) {
	event, err := a.event(r, values)
	if err != nil {
		return nil, a.failed(fmt.Sprintf("building the event: %v", err))
	}
	res, err := a.inv.Invoke(ctx, invoke.Call{Function: a.cfg.Function, Payload: event})
	if err != nil {
		var fe *messages.InvokeResponse_Error
		if errors.As(err, &fe) && fe.Message == "Unauthorized" {
			return nil, a.unauthorized(`the function answered error "Unauthorized"`)
		}
		return nil, a.failed(fmt.Sprintf("invoking %s: %v", a.cfg.Function, err))
	}
	resp, err := a.parse(res.Payload)
	if err != nil {
		return nil, a.failed(fmt.Sprintf("malformed answer from %s: %v", a.cfg.Function, err))
	}
	return resp, nil
}

func (a *Lambda) unauthorized(reason string) *check.Denial {
	return &check.Denial{Status: http.StatusUnauthorized, Message: "Unauthorized", Type: "UnauthorizedException", ResponseType: "UNAUTHORIZED", By: "authorizer " + a.cfg.Name, Reason: reason}
}

// failed is the cloud's AuthorizerConfigurationException.
func (a *Lambda) failed(reason string) *check.Denial {
	return &check.Denial{Status: http.StatusInternalServerError, Message: "Internal Server Error",
		Type: "AuthorizerConfigurationException", ResponseType: "AUTHORIZER_CONFIGURATION_ERROR", By: "authorizer " + a.cfg.Name, Reason: reason}
}
