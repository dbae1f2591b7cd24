package jwt

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/internal/textlist"
)

// Limits from the API Gateway and Cognito documentation (see ../shared/APIGW-FACTS.md).
const (
	// FetchTimeout bounds every JWKS request, and so the longest a verification can wait.
	FetchTimeout = 1500 * time.Millisecond
	// MaxJWKSBytes is the largest JWKS document accepted.
	MaxJWKSBytes = 150_000
	// MaxTokenBytes is the largest token accepted; Cognito tokens are a few KB and API Gateway
	// limits a header to 10 KB.
	MaxTokenBytes = 10 << 10
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = 5 * time.Second
)

// Config says which tokens a Verifier accepts.
type Config struct {
	// Issuer is the exact iss claim, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc.
	Issuer string
	// JWKSURL is where the signing keys are fetched from.
	// Default: Issuer + "/.well-known/jwks.json".
	JWKSURL string
	// ClientIDs are the app clients accepted in aud (ID tokens) or client_id (access tokens).
	ClientIDs []string
	// TokenUse is the required token_use claim: "id" or "access".
	TokenUse string
	// RequiredScopes: the token's scope claim must hold at least one of them. Default: none.
	RequiredScopes []string
	// RequiredGroups: the cognito:groups claim must hold at least one of them. Default: none.
	RequiredGroups []string
	// Leeway is the clock skew allowed on exp, nbf and iat. Default: DefaultLeeway.
	Leeway time.Duration
	// RefreshInterval is how often the JWKS is fetched again in the background. Default: 1 hour.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two fetches caused by an unknown kid.
	// Default: 5 minutes.
	UnknownKIDInterval time.Duration
	// HTTPClient fetches the JWKS; its transport is reused, its timeout is FetchTimeout.
	// Default: http.DefaultTransport.
	HTTPClient *http.Client
	// Now is the clock of the token times (exp, nbf, iat) and of UnknownKIDInterval.
	// Default: time.Now.
	Now func() time.Time
	// NewTicker paces the background refresh: it returns a channel that delivers a tick every d,
	// and a function that stops it. Default: time.NewTicker.
	NewTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
}

// ConfigFromEnv reads a Config from the PORTICO_JWT_* variables (named in package contract) through getenv (os.Getenv in a
// cmd/main.go) and validates it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Issuer:         getenv(contract.JWTIssuerEnv),
		JWKSURL:        getenv(contract.JWTJWKSURLEnv),
		ClientIDs:      textlist.Split(getenv(contract.JWTClientIDsEnv)),
		TokenUse:       getenv(contract.JWTTokenUseEnv),
		RequiredScopes: textlist.Split(getenv(contract.JWTRequiredScopesEnv)),
		RequiredGroups: textlist.Split(getenv(contract.JWTRequiredGroupsEnv)),
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("environment: %w", err)
	}
	return c, nil
}

// Validate reports every setting that cannot work, quoting the bad value.
func (c Config) Validate() error {
	var errs []error
	if err := checkURL("issuer ("+contract.JWTIssuerEnv+")", c.Issuer); err != nil {
		errs = append(errs, err)
	}
	if c.JWKSURL != "" {
		if err := checkURL("JWKS URL ("+contract.JWTJWKSURLEnv+")", c.JWKSURL); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.ClientIDs) == 0 {
		errs = append(errs, fmt.Errorf("client IDs (%s) must list at least one app client ID, got none", contract.JWTClientIDsEnv))
	}
	if c.TokenUse != "id" && c.TokenUse != "access" {
		errs = append(errs, fmt.Errorf("token use (%s) must be \"id\" or \"access\", got %q", contract.JWTTokenUseEnv, c.TokenUse))
	}
	if c.TokenUse == "id" && len(c.RequiredScopes) > 0 {
		errs = append(errs, fmt.Errorf("required scopes (%s) need token use \"access\" (ID tokens carry no scope), got token use %q", contract.JWTRequiredScopesEnv, c.TokenUse))
	}
	if c.Leeway < 0 || c.Leeway > 5*time.Minute {
		errs = append(errs, fmt.Errorf("leeway must be between 0 and 5m, got %s", c.Leeway))
	}
	return errors.Join(errs...)
}

// checkURL accepts https URLs, and http only on loopback (the local issuer).
func checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s must be an absolute https URL without query, got %q", what, raw)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%s must use https (http only on 127.0.0.1, ::1 or localhost), got %q", what, raw)
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// withDefaults fills the optional fields.
func (c Config) withDefaults() Config {
	if c.JWKSURL == "" {
		c.JWKSURL = strings.TrimSuffix(c.Issuer, "/") + "/.well-known/jwks.json"
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.RefreshInterval == 0 {
		c.RefreshInterval = time.Hour
	}
	if c.UnknownKIDInterval == 0 {
		c.UnknownKIDInterval = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NewTicker == nil {
		c.NewTicker = systemTicker
	}
	return c
}

func systemTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
