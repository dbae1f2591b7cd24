package serve_test

import (
	"context"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/serve"
)

// TestStartRefusesValuesOutOfRange: an assembly with a value CloudFormation would refuse does
// not start (it was served, every request answered 504 "timed out after 0s"); the error names
// the stack, the function, the property and the value, and says what is allowed
// (AWS::Lambda::Function Timeout: "The maximum allowed value is 900 seconds"; Lambda API
// reference, CreateFunction: minimum 1; AWS::Lambda::Function MemorySize: 128 to 10,240 MB,
// Lambda developer guide, Configure Lambda function memory).
func TestStartRefusesValuesOutOfRange(t *testing.T) {
	dir := editNotifications(t, func(res map[string]map[string]any) {
		props(res, "Handler27ECDDB2")["Timeout"] = 1e300
		props(res, "Authorizer86142796")["MemorySize"] = -256
	})
	out := &syncBuffer{}
	run, err := serve.Start(context.Background(), serve.Config{AssemblyDir: dir, CacheDir: cacheDir, Out: out})
	if err == nil {
		run.Close()
		t.Fatal("started an assembly with a function timeout of 1e300 s and a negative memory size")
	}
	for _, want := range []string{
		"stack PorticoNotifications: AWS::Lambda::Function Handler27ECDDB2: Timeout is 1e+300; CloudFormation accepts an integer from 1 to 900 (seconds)",
		"stack PorticoNotifications: AWS::Lambda::Function Authorizer86142796: MemorySize is -256; CloudFormation accepts an integer from 128 to 10240 (MB)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(out.String(), "http://") {
		t.Errorf("routes were printed before the refusal:\n%s", out)
	}
}
