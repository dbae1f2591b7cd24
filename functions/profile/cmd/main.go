// Command profile is the Lambda entry point of the profile handler.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portico-dev/portico/functions/profile"
)

func main() {
	lambda.Start(profile.Handler{}.Handle)
}
