// Command orders is the Lambda entry point of the orders handler.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portico-dev/portico/functions/orders"
)

func main() {
	lambda.Start(orders.Handler{Store: &orders.MemoryStore{}}.Handle)
}
