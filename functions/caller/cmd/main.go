// Command caller is the Lambda entry point of the caller handler: it calls the IAM route at
// CALLER_TARGET_URL, signed with the credentials and region of its environment.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/portico-dev/portico/functions/caller"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		slog.Error("AWS configuration", "error", err)
		os.Exit(1)
	}
	// A stuck target should fail fast, not hold the invocation until its timeout.
	h, err := caller.New(cfg, os.Getenv(caller.TargetURLEnv), &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		slog.Error("caller", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
