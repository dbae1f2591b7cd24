// Command orders is the Lambda entry point of the orders handler.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portico-dev/portico/functions/orders"
)

func main() {
	lambda.Start(orders.Handler{Store: &orders.MemoryStore{}, AllowOrigin: os.Getenv(orders.AllowOriginEnv)}.Handle)
}
