package gofunction_test

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/gofunction"
	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/internal/testmodule"
)

const helloEntry = "../../functions/hello/cmd"

// synth puts one GoFunction in a fresh stack, synthesizes it into outdir and returns the
// stack's template and the function's asset folder.
func synth(t *testing.T, outdir string, props *gofunction.GoFunctionProps) (assertions.Template, string) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir: jsii.String(outdir),
		// As the CDK CLI does: record each asset's folder in the template metadata.
		Context: &map[string]any{"aws:cdk:enable-asset-metadata": true},
	})
	stack := awscdk.NewStack(app, jsii.String("Stack"), nil)
	gofunction.NewGoFunction(stack, jsii.String("Fn"), props)
	template := assertions.Template_FromStack(stack, nil)
	fns := template.FindResources(jsii.String("AWS::Lambda::Function"), nil)
	for _, r := range *fns {
		asset := (*r)["Metadata"].(map[string]any)["aws:asset:path"].(string)
		return template, filepath.Join(outdir, asset)
	}
	t.Fatal("no AWS::Lambda::Function in the template")
	return nil, ""
}

func TestGoFunctionDefaults(t *testing.T) {
	// GIVEN a GoFunction with only an entry
	template, asset := synth(t, t.TempDir(), &gofunction.GoFunctionProps{Entry: jsii.String(helloEntry)})

	// THEN it is a provided.al2023 arm64 function with our defaults
	template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime":       "provided.al2023",
		"Handler":       "bootstrap",
		"Architectures": []any{"arm64"},
		"MemorySize":    256,
		"Timeout":       10,
		"LoggingConfig": map[string]any{
			"LogFormat": "JSON",
			"LogGroup":  map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^FnLogGroup"))},
		},
	})
	template.HasResource(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Metadata": map[string]any{contract.MetadataEntry: "github.com/portico-dev/portico/functions/hello/cmd"},
	})
	template.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
	// no deprecated logRetention custom resource, no managed policy
	template.ResourceCountIs(jsii.String("Custom::LogRetention"), jsii.Number(0))
	template.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"ManagedPolicyArns": assertions.Match_Absent(),
	})
	// the role may write to the function's own log group only
	template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^FnLogGroup")), "Arn"}},
		}}},
	})

	// AND the asset holds a linux/arm64 ELF bootstrap
	assertELF(t, filepath.Join(asset, "bootstrap"), elf.EM_AARCH64)
}

func TestGoFunctionOptions(t *testing.T) {
	// GIVEN a GoFunction with options of every kind set
	template, asset := synth(t, t.TempDir(), &gofunction.GoFunctionProps{
		Entry:             jsii.String(helloEntry),
		LogGroupRetention: awslogs.RetentionDays_ONE_WEEK,
		FunctionOptions: awslambda.FunctionOptions{
			Architecture:                 awslambda.Architecture_X86_64(),
			MemorySize:                   jsii.Number(512),
			Timeout:                      awscdk.Duration_Seconds(jsii.Number(3)),
			Tracing:                      awslambda.Tracing_ACTIVE,
			Environment:                  &map[string]*string{"GREETING": jsii.String("Hi")},
			Description:                  jsii.String("greets"),
			ReservedConcurrentExecutions: jsii.Number(5),
		},
	})

	// THEN each reaches the template
	template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Architectures":                []any{"x86_64"},
		"MemorySize":                   512,
		"Timeout":                      3,
		"TracingConfig":                map[string]any{"Mode": "Active"},
		"Environment":                  map[string]any{"Variables": map[string]any{"GREETING": "Hi"}},
		"Description":                  "greets",
		"ReservedConcurrentExecutions": 5,
	})
	template.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 7})
	assertELF(t, filepath.Join(asset, "bootstrap"), elf.EM_X86_64)
}

func TestGoFunctionIsReproducible(t *testing.T) {
	// GIVEN two synths of the same function in a row
	props := &gofunction.GoFunctionProps{Entry: jsii.String(helloEntry)}
	dirA, dirB := t.TempDir(), t.TempDir()
	_, assetA := synth(t, dirA, props)
	_, assetB := synth(t, dirB, props)

	// THEN the binaries and the templates are byte-identical
	binA, errA := os.ReadFile(filepath.Join(assetA, "bootstrap"))
	binB, errB := os.ReadFile(filepath.Join(assetB, "bootstrap"))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !bytes.Equal(binA, binB) {
		t.Error("two builds of the same entry differ")
	}
	tmplA, _ := os.ReadFile(filepath.Join(dirA, "Stack.template.json"))
	tmplB, _ := os.ReadFile(filepath.Join(dirB, "Stack.template.json"))
	if len(tmplA) == 0 || !bytes.Equal(tmplA, tmplB) {
		t.Error("two synths in a row give different templates")
	}
	// AND the asset is named by the binary's hash, not by the source folder
	if filepath.Base(assetA) != filepath.Base(assetB) {
		t.Errorf("asset %s != %s", filepath.Base(assetA), filepath.Base(assetB))
	}
}

func TestGoFunctionBadEntry(t *testing.T) {
	tests := []struct {
		name  string
		entry string
		want  []string
	}{
		{"missing folder", "./testdata/nope", []string{`"./testdata/nope": no such directory`, entryForms}},
		{"missing absolute folder", abs("testdata/nope"), []string{fmt.Sprintf("%q: no such directory", abs("testdata/nope")), entryForms}},
		{"unknown import path", "example.com/nope/cmd", []string{`"example.com/nope/cmd": no package with this import path in the module at ` + abs("../.."), "no required module provides package example.com/nope/cmd", entryForms}},
		{"folder without ./", "testdata/notmain", []string{`"testdata/notmain": no package with this import path`, `(to name the folder, write "./testdata/notmain")`, entryForms}},
		{"file", "./gofunction_test.go", []string{`"./gofunction_test.go": a file, not the folder of a Go main package`, entryForms}},
		{"folder without Go files", "./testdata", []string{`"./testdata": not a Go package`, entryForms}},
		{"not a main package", "./testdata/notmain", []string{`"./testdata/notmain" is package "notmain", not a main package`}},
		{"compile error", "./testdata/broken", []string{`"./testdata/broken" does not build for linux/arm64`, "undefined: undefinedFunction"}},
		{"no entry", "", []string{"Entry is required", entryForms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a stack
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			stack := awscdk.NewStack(app, jsii.String("Stack"), nil)

			// WHEN a GoFunction gets a bad entry
			msg := panicMessage(func() {
				gofunction.NewGoFunction(stack, jsii.String("Bad"), &gofunction.GoFunctionProps{Entry: jsii.String(tt.entry)})
			})

			// THEN synth fails naming the construct path, the entry and the compiler's output
			for _, want := range append(tt.want, "GoFunction Stack/Bad") {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
		})
	}
}

// entryForms is the end of every message that refuses an entry: what Entry may be.
const entryForms = `Entry is the folder of a Go main package, relative to the app's working directory ("./functions/hello/cmd") or absolute, or its import path in the app's module or a module the app requires ("github.com/portico-dev/portico/authorizers/resttoken/cmd")`

func abs(path string) string {
	p, err := filepath.Abs(path)
	if err != nil {
		panic(err)
	}
	return p
}

// TestGoFunctionSameEntryInTwoApps: two apps (clones, worktrees, projects) whose functions
// have the same relative entry each deploy their own code, although they share the user's
// build cache.
func TestGoFunctionSameEntryInTwoApps(t *testing.T) {
	useTempCache(t)
	for _, name := range []string{"one", "two"} {
		// GIVEN an app module with its own hello at ./functions/hello/cmd
		msg := "hello from app " + name
		mod := testmodule.New(t, "example.com/"+name, map[string]string{"functions/hello/cmd/main.go": testmodule.Main(msg)})

		// WHEN the app synthesizes a GoFunction of it from its own folder
		t.Chdir(mod)
		template, asset := synth(t, t.TempDir(), &gofunction.GoFunctionProps{Entry: jsii.String("./functions/hello/cmd")})

		// THEN the function records this app's package and its asset holds this app's code
		template.HasResource(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Metadata": map[string]any{contract.MetadataEntry: "example.com/" + name + "/functions/hello/cmd"},
		})
		assertContains(t, filepath.Join(asset, "bootstrap"), msg)
	}
}

// TestGoFunctionEntryFromAnotherModule: an app takes one of Portico's authorizers by import
// path, from the Portico module its go.mod requires, beside a function of its own.
func TestGoFunctionEntryFromAnotherModule(t *testing.T) {
	useTempCache(t)
	// GIVEN an app module that requires Portico and has its own function
	app := testmodule.RequiringPortico(t, "example.com/app", map[string]string{
		"functions/own/cmd/main.go": testmodule.Main("the app's own function"),
	})
	t.Chdir(app)
	tests := []struct{ entry, importPath, contains string }{
		{"github.com/portico-dev/portico/authorizers/resttoken/cmd", "github.com/portico-dev/portico/authorizers/resttoken/cmd", "tokenauth"},
		{"./functions/own/cmd", "example.com/app/functions/own/cmd", "the app's own function"},
		{filepath.Join(app, "functions/own/cmd"), "example.com/app/functions/own/cmd", "the app's own function"},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			// WHEN the app synthesizes a GoFunction of the entry
			template, asset := synth(t, t.TempDir(), &gofunction.GoFunctionProps{Entry: jsii.String(tt.entry)})

			// THEN it records the package's import path, which portico serve resolves in the
			// same module, and its asset holds that package's code for linux/arm64
			template.HasResource(jsii.String("AWS::Lambda::Function"), map[string]any{
				"Metadata": map[string]any{contract.MetadataEntry: tt.importPath},
			})
			assertELF(t, filepath.Join(asset, "bootstrap"), elf.EM_AARCH64)
			assertContains(t, filepath.Join(asset, "bootstrap"), tt.contains)
		})
	}
}

// useTempCache gives the test's GoFunctions a build cache of their own (the user cache folder
// is $XDG_CACHE_HOME on Linux), keeping Go's build cache where it is.
func useTempCache(t *testing.T) {
	t.Helper()
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

func assertContains(t *testing.T, path, s string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(s)) {
		t.Errorf("%s does not contain %q", path, s)
	}
}

func TestGoFunctionRefusesLogRetention(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Stack"), nil)
	msg := panicMessage(func() {
		gofunction.NewGoFunction(stack, jsii.String("Fn"), &gofunction.GoFunctionProps{
			Entry: jsii.String(helloEntry),
			//lint:ignore SA1019 the test checks that the deprecated field is refused
			FunctionOptions: awslambda.FunctionOptions{LogRetention: awslogs.RetentionDays_ONE_DAY},
		})
	})
	if !strings.Contains(msg, "set LogGroupRetention instead") {
		t.Errorf("got %q", msg)
	}
}

func assertELF(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	defer f.Close()
	if f.Machine != machine || f.Type != elf.ET_EXEC {
		t.Errorf("bootstrap is %v %v, want %v executable", f.Machine, f.Type, machine)
	}
}

func panicMessage(f func()) (msg string) {
	defer func() { msg = fmt.Sprint(recover()) }()
	f()
	return "no panic"
}
