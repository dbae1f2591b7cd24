// Package contract holds the names that the constructs, the code that runs in Lambda and the
// local gateway must agree on: template metadata keys and environment variables. It imports
// nothing, so every side of the dependency rule (see docs/ARCHITECTURE.md) may use it, and each
// name is defined once.
package contract

// MetadataEntry is the template metadata key on an AWS::Lambda::Function resource that records
// the Go import path of the function's main package (GoFunction writes it), so local tooling
// can build the same code.
const MetadataEntry = "portico:entry"

// CallbackURLEnv is the environment variable holding a WebSocket stage's @connections endpoint,
// https://{apiId}.execute-api.{region}.amazonaws.com/{stage}. `portico serve` points it at the
// local stage.
const CallbackURLEnv = "PORTICO_CALLBACK_URL"

// The environment variables that configure a Go authorizer's JWT verification (package
// authorizers/jwt). `portico serve` points JWTJWKSURLEnv at the local issuer of JWTIssuerEnv.
const (
	JWTIssuerEnv         = "PORTICO_JWT_ISSUER"
	JWTJWKSURLEnv        = "PORTICO_JWT_JWKS_URL"
	JWTClientIDsEnv      = "PORTICO_JWT_CLIENT_IDS"
	JWTTokenUseEnv       = "PORTICO_JWT_TOKEN_USE"
	JWTRequiredScopesEnv = "PORTICO_JWT_REQUIRED_SCOPES"
	JWTRequiredGroupsEnv = "PORTICO_JWT_REQUIRED_GROUPS"
)
