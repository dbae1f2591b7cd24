// Command resttoken is the Lambda entry point of the REST TOKEN authorizer; it is configured by
// the PORTICO_JWT_* variables (see package authorizers/jwt) and those of package tokenauth.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portico-dev/portico/authorizers/resttoken"
	"github.com/portico-dev/portico/authorizers/tokenauth"
)

func main() {
	a, err := tokenauth.FromEnv(os.Getenv, slog.Default())
	if err != nil {
		slog.Error("authorizer configuration", "error", err)
		os.Exit(1)
	}
	lambda.Start(resttoken.Handler{Authorizer: a}.Handle)
}
