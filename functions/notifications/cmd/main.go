// Command notifications is the Lambda entry point of the notifications handler. It answers
// clients through the @connections API at PORTICO_CALLBACK_URL with the aws-sdk-go-v2 client:
// SigV4-signed on AWS (https), unsigned against the local gateway (http on loopback).
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/functions/notifications"
)

func main() {
	callbackURL := os.Getenv(contract.CallbackURLEnv)
	if callbackURL == "" {
		slog.Error("PORTICO_CALLBACK_URL is not set; the WebSocketApi construct sets it through AllowCallbacks")
		os.Exit(1)
	}
	// A stuck @connections call should fail fast, not hold the invocation until its timeout.
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(5*time.Second)))
	if err != nil {
		slog.Error("AWS configuration", "error", err)
		os.Exit(1)
	}
	conn, err := notifications.NewConnections(cfg, callbackURL)
	if err != nil {
		slog.Error("PORTICO_CALLBACK_URL", "error", err)
		os.Exit(1)
	}
	lambda.Start(notifications.Handler{Conn: conn}.Handle)
}
