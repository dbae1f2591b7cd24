// Command hello is the Lambda entry point of the hello handler.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portico-dev/portico/functions/hello"
)

func main() {
	greeting := os.Getenv("GREETING")
	if greeting == "" {
		greeting = "Hello"
	}
	lambda.Start(hello.Handler{Greeting: greeting}.Handle)
}
