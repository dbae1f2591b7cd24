// Command barehello is the smallest aws-lambda-go handler: the baseline that `make sizes`
// compares every function binary with.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
