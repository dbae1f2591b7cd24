// Package eventkeys compares the shape of the Lambda events Portico builds with the events
// aws-lambda-go captured from API Gateway (the JSON files of its events/testdata folder, read
// from the module cache): a Portico event must have every key path the capture has.
//
// A key path names a key from the root, with dots: "requestContext.identity.sourceIp". The
// elements of an array share one path, written with "[]": "cookies[]", "a[].b". The children of
// free-form maps (headers, query strings, stage variables, authorizer context...) are the
// request's own data, not the event's shape: only the map's key itself is a path.
package eventkeys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/portico-dev/portico/local/access/check"
)

// Module is the module whose events/testdata holds the captures.
const Module = "github.com/aws/aws-lambda-go"

// Maps are the free-form maps every proxy and authorizer event may carry.
var Maps = []string{
	"headers", "multiValueHeaders",
	"queryStringParameters", "multiValueQueryStringParameters",
	"pathParameters", "stageVariables",
}

// FreeFormV1 are the free-form maps of REST (payload 1.0) and WebSocket events and of the
// authorizer events: requestContext.authorizer holds the authorizer's context values
// (principalId, claims of a Cognito authorizer...).
var FreeFormV1 = append(slices.Clone(Maps), "requestContext.authorizer")

// FreeFormV2 are the free-form maps of HTTP API payload 2.0 events, whose authorizer has a
// fixed shape (jwt, lambda, iam) around free-form claims and Lambda context.
var FreeFormV2 = append(slices.Clone(Maps), "requestContext.authorizer.lambda", "requestContext.authorizer.jwt.claims")

var (
	dirOnce sync.Once
	dir     string
	dirErr  error
)

// FixtureDir is aws-lambda-go's events/testdata folder in the module cache, found with
// `go list -m` from the current directory (a package of this module, under go test).
func FixtureDir() (string, error) {
	dirOnce.Do(func() {
		cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", Module)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			dirErr = fmt.Errorf("go list -m %s: %w: %s", Module, err, strings.TrimSpace(stderr.String()))
			return
		}
		d := strings.TrimSpace(string(out))
		if d == "" {
			dirErr = fmt.Errorf("go list -m %s gave no folder: the module is not in the module cache (run go mod download %s)", Module, Module)
			return
		}
		dir = filepath.Join(d, "events", "testdata")
		if _, err := os.Stat(dir); err != nil {
			dirErr = fmt.Errorf("%s has no captured events: %w", Module, err)
		}
	})
	return dir, dirErr
}

// Fixture returns the captured event name (e.g. "apigw-request.json") or fails t.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	d, err := FixtureDir()
	if err != nil {
		t.Fatalf("cannot find aws-lambda-go's captured events: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(d, name))
	if err != nil {
		t.Fatalf("cannot read aws-lambda-go's captured event: %v", err)
	}
	return b
}

// Paths returns the key paths of the JSON document doc, sorted. A key whose value is null is a
// path with no children.
func Paths(doc []byte, freeForm []string) ([]string, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, errors.New("decode event: not a JSON object")
	}
	set := map[string]bool{}
	walk(v, "", freeForm, set)
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths, nil
}

func walk(v any, prefix string, freeForm []string, set map[string]bool) {
	if prefix != "" && slices.Contains(freeForm, prefix) {
		return // the map's own key is the path, its keys are the request's data
	}
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			set[p] = true
			walk(child, p, freeForm, set)
		}
	case []any:
		for _, el := range v {
			set[prefix+"[]"] = true
			walk(el, prefix+"[]", freeForm, set)
		}
	}
}

// Diff compares event with the capture want: missing are the capture's paths that event lacks
// and that allow does not list; stale are the paths of allow that event has after all (the
// list must shrink when a path is added). allow maps a path to why it may be missing.
func Diff(want, event []byte, freeForm []string, allow map[string]string) (missing, stale []string, err error) {
	wantPaths, err := Paths(want, freeForm)
	if err != nil {
		return nil, nil, fmt.Errorf("capture: %w", err)
	}
	gotPaths, err := Paths(event, freeForm)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range wantPaths {
		_, allowed := allow[p]
		_, found := slices.BinarySearch(gotPaths, p)
		switch {
		case !found && !allowed:
			missing = append(missing, p)
		case found && allowed:
			stale = append(stale, p)
		}
	}
	for p := range allow {
		if !slices.Contains(wantPaths, p) {
			stale = append(stale, p)
		}
	}
	slices.Sort(stale)
	return missing, stale, nil
}

// Check fails t, naming every path at once, when event lacks a key path of the captured event
// fixture (a file of aws-lambda-go's events/testdata), apart from those listed in allow, or
// when allow lists a path the capture does not have or the event has.
func Check(t testing.TB, fixture string, event []byte, freeForm []string, allow map[string]string) {
	t.Helper()
	missing, stale, err := Diff(Fixture(t, fixture), event, freeForm, allow)
	if err != nil {
		t.Fatalf("%s: %v", fixture, err)
	}
	if len(missing) > 0 {
		t.Errorf("the event lacks %d key paths of %s (captured on AWS by aws-lambda-go):\n\t%s\nevent: %s",
			len(missing), fixture, strings.Join(missing, "\n\t"), event)
	}
	if len(stale) > 0 {
		t.Errorf("allow-listed paths that are not missing from the event, or not in %s: remove them from the list:\n\t%s",
			fixture, strings.Join(stale, "\n\t"))
	}
}

// Lookup follows the dotted key path p through v (a decoded JSON object); ok is false when a
// key is missing (a key whose value is null is found, with a nil value).
func Lookup(v any, p string) (value any, ok bool) {
	for _, key := range strings.Split(p, ".") {
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil, false
		}
		if v, isMap = m[key]; !isMap {
			return nil, false
		}
	}
	return v, true
}

// RoleSession is the IAM caller the event tests sign as: a role session, in the forms the cloud
// shows such a caller, userArn the assumed-role ARN and caller/user "AROA...:{session}"
// (blog.daringkoala.com/posts/apigw-lambda-integration-payloads, recorded on AWS).
var RoleSession = check.Caller{
	AccessKey:    "ASIAPORTICOEXAMPLE01",
	AccountID:    "123456789012",
	ARN:          "arn:aws:sts::123456789012:assumed-role/Notifier/portico",
	PrincipalARN: "arn:aws:iam::123456789012:role/Notifier",
	UserID:       "AROAPORTICOEXAMPLE01:portico",
}
