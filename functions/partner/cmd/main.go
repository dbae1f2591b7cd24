// Command partner is the Lambda entry point of the partner quotes handler.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portico-dev/portico/functions/partner"
)

func main() {
	lambda.Start(partner.Handler{Prices: map[string]float64{"ACME": 12.5, "GLOBX": 80.25, "INITE": 3.1}}.Handle)
}
