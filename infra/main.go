// Command infra is the Portico sample CDK app: `cdk synth` runs it through cdk.json.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/infra/stacks"
)

func main() {
	defer jsii.Close()
	// Constructs report bad input by panicking (as CDK's own constructs throw); print the
	// message without a goroutine dump.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "synth failed: %v\n", r)
			jsii.Close()
			os.Exit(1)
		}
	}()
	app := awscdk.NewApp(nil)
	stacks.Build(app)
	app.Synth(nil)
}
