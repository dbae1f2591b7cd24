// Package gofunction provides GoFunction, a Lambda function built from a Go main package
// with the local Go toolchain (no Docker), for the provided.al2023 runtime.
package gofunction

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/nagsuppress"
	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/internal/gobuild"
)

// GoFunctionProps configures a GoFunction. Every awslambda.FunctionOptions field is available
// through the embedded struct; GoFunction only sets defaults for the ones named below.
type GoFunctionProps struct {
	awslambda.FunctionOptions

	// Entry is the Go main package to build, in one of three forms:
	//   - a folder relative to the working directory of the CDK app (the folder holding
	//     cdk.json), starting with ".": "./functions/hello/cmd";
	//   - an absolute folder;
	//   - an import path (no leading "." or "/"), resolved with `go list` in the app's module,
	//     so that it may name a package of a module the app requires or replaces:
	//     "github.com/portico-dev/portico/authorizers/resttoken/cmd".
	// Default: none; required.
	Entry *string

	// LogGroupRetention is how long the function's log group keeps logs. Ignored when
	// FunctionOptions.LogGroup is set.
	// Default: one month.
	LogGroupRetention awslogs.RetentionDays
}

// Defaults applied when the matching FunctionOptions field is unset.
const (
	DefaultMemorySizeMB = 256
	DefaultTimeoutSecs  = 10
)

// NewGoFunction builds props.Entry with `go build` for linux and the function's architecture
// (arm64 by default) and returns the Lambda function, created as the child "Resource" of a
// construct at scope/id. It panics, naming the construct path and the entry, when the entry is
// missing, is not a main package, or does not compile.
func NewGoFunction(scope constructs.Construct, id *string, props *GoFunctionProps) awslambda.Function {
	this := constructs.NewConstruct(scope, id)
	path := *this.Node().Path()
	if props == nil || props.Entry == nil || *props.Entry == "" {
		panic(fmt.Errorf("GoFunction %s: Entry is required; %s", path, entryForms))
	}
	//lint:ignore SA1019 the deprecated field is read only to refuse it with a pointer to its replacement
	if props.LogRetention != "" {
		panic(fmt.Errorf("GoFunction %s: LogRetention creates the deprecated logRetention custom resource; set LogGroupRetention instead", path))
	}

	fnProps := &awslambda.FunctionProps{}
	copyOptions(&props.FunctionOptions, fnProps)
	if fnProps.Architecture == nil {
		fnProps.Architecture = awslambda.Architecture_ARM_64()
	}
	if fnProps.MemorySize == nil {
		fnProps.MemorySize = jsii.Number(DefaultMemorySizeMB)
	}
	if fnProps.Timeout == nil {
		fnProps.Timeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSecs))
	}
	if fnProps.LoggingFormat == "" {
		fnProps.LoggingFormat = awslambda.LoggingFormat_JSON
	}
	var logGroup awslogs.LogGroup
	if fnProps.LogGroup == nil {
		retention := props.LogGroupRetention
		if retention == "" {
			retention = awslogs.RetentionDays_ONE_MONTH
		}
		logGroup = awslogs.NewLogGroup(this, jsii.String("LogGroup"), &awslogs.LogGroupProps{Retention: retention})
		fnProps.LogGroup = logGroup
	}
	if fnProps.Role == nil {
		// Our own role instead of the AWSLambdaBasicExecutionRole managed policy: the function may
		// write only to its own log group.
		fnProps.Role = awsiam.NewRole(this, jsii.String("ServiceRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("Execution role of " + path),
		})
	}
	if logGroup != nil {
		logGroup.GrantWrite(fnProps.Role)
	}

	target := gobuild.Target{GOOS: "linux", GOARCH: goarch(fnProps.Architecture)}
	pkg, binary, err := build(*props.Entry, target)
	var entryErr *gobuild.EntryError
	if errors.As(err, &entryErr) {
		panic(fmt.Errorf("GoFunction %s: %w; %s", path, err, entryForms))
	}
	if err != nil {
		panic(fmt.Errorf("GoFunction %s: %w", path, err))
	}
	fnProps.Runtime = awslambda.Runtime_PROVIDED_AL2023()
	fnProps.Handler = jsii.String("bootstrap")
	fnProps.Code = awslambda.Code_FromAsset(jsii.String(pkg.Dir), &awss3assets.AssetOptions{
		// The asset hash is the hash of the binary: only a change in the code it contains
		// produces a new asset.
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: local bundling always succeeds, or synth has already failed.
			Image:   awscdk.DockerImage_FromRegistry(jsii.String("scratch")),
			Command: jsii.Strings(target.BuildCommand("bootstrap", pkg.ImportPath)...),
			Local:   &localBundling{binary: binary},
		},
	})

	fn := awslambda.NewFunction(this, jsii.String("Resource"), fnProps)
	fn.Node().DefaultChild().(awslambda.CfnFunction).AddMetadata(jsii.String(contract.MetadataEntry), pkg.ImportPath)
	if fnProps.Tracing != "" && fnProps.Tracing != awslambda.Tracing_DISABLED {
		nagsuppress.Add(fnProps.Role, "AwsSolutions-IAM5",
			"X-Ray's PutTraceSegments and PutTelemetryRecords do not support resource-level permissions, so tracing needs Resource \"*\".",
			jsii.String("Resource::*"))
	}
	return fn
}

// entryForms says what Entry may be, for the messages that refuse one.
const entryForms = `Entry is the folder of a Go main package, relative to the app's working directory ("./functions/hello/cmd") or absolute, or its import path in the app's module or a module the app requires ("github.com/portico-dev/portico/authorizers/resttoken/cmd")`

// build compiles entry now, so that a bad entry fails at the construct that names it, into
// the user's build cache, so that an unchanged function costs no `go build` at the next synth.
// CDK stages the asset later, at synth, through localBundling.
func build(entry string, target gobuild.Target) (*gobuild.Package, string, error) {
	pattern, err := gobuild.Pattern(entry)
	if err != nil {
		return nil, "", err
	}
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		return nil, "", fmt.Errorf("build cache: %w", err)
	}
	cache := &gobuild.Cache{Dir: filepath.Join(cacheDir, "portico")}
	// "." is the app's working directory: its module resolves import paths.
	return cache.Build(".", pattern, target)
}

// localBundling implements awscdk.ILocalBundling by copying a binary built before staging.
type localBundling struct{ binary string }

func (l *localBundling) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	data, err := os.ReadFile(l.binary)
	if err == nil {
		err = os.WriteFile(filepath.Join(*outputDir, "bootstrap"), data, 0o755)
	}
	if err != nil {
		panic(fmt.Errorf("GoFunction: copy bootstrap into the asset: %w", err))
	}
	return jsii.Bool(true)
}

func goarch(a awslambda.Architecture) string {
	if *a.Name() == *awslambda.Architecture_X86_64().Name() {
		return "amd64"
	}
	return "arm64"
}

// copyOptions copies every set field of opts into the field of the same name in props:
// FunctionProps repeats each FunctionOptions field, flattened by jsii.
func copyOptions(opts *awslambda.FunctionOptions, props *awslambda.FunctionProps) {
	src := reflect.ValueOf(opts).Elem()
	dst := reflect.ValueOf(props).Elem()
	for i := range src.NumField() {
		if f := src.Field(i); !f.IsZero() {
			dst.FieldByName(src.Type().Field(i).Name).Set(f)
		}
	}
}
