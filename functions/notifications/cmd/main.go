// Command notifications is the Lambda entry point of the notifications handler. It answers
// clients through PORTICO_CALLBACK_URL: SigV4-signed on AWS (https), unsigned against the local
// gateway (http on loopback).
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/portico-dev/portico/functions/notifications"
)

func main() {
	endpoint := os.Getenv("PORTICO_CALLBACK_URL")
	if endpoint == "" {
		slog.Error("PORTICO_CALLBACK_URL is not set; the WebSocketApi construct sets it through AllowCallbacks")
		os.Exit(1)
	}
	conn := notifications.Connections{Endpoint: endpoint, Client: &http.Client{Timeout: 5 * time.Second}}
	if strings.HasPrefix(endpoint, "https://") {
		cfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			slog.Error("AWS configuration", "error", err)
			os.Exit(1)
		}
		conn.Region, conn.Credentials = cfg.Region, cfg.Credentials
	}
	lambda.Start(notifications.Handler{Conn: conn}.Handle)
}
