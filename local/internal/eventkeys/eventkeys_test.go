package eventkeys

import (
	"slices"
	"strings"
	"testing"
)

func TestPaths(t *testing.T) {
	doc := `{"a":{"b":1,"c":null},"headers":{"X-One":"1"},"list":[{"x":1},{"y":2}],"tags":["t"],"empty":[],
		"requestContext":{"authorizer":{"principalId":"p","n":{"deep":1}}}}`
	got, err := Paths([]byte(doc), FreeFormV1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "a.b", "a.c", "empty", "headers", "list", "list[]", "list[].x", "list[].y",
		"requestContext", "requestContext.authorizer", "tags", "tags[]"}
	if !slices.Equal(got, want) {
		t.Errorf("Paths =\n%v\nwant\n%v", got, want)
	}
}

func TestPathsV2Authorizer(t *testing.T) {
	doc := `{"requestContext":{"authorizer":{"jwt":{"claims":{"sub":"u"},"scopes":["s"]},"lambda":{"k":"v"}}}}`
	got, err := Paths([]byte(doc), FreeFormV2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"requestContext", "requestContext.authorizer", "requestContext.authorizer.jwt",
		"requestContext.authorizer.jwt.claims", "requestContext.authorizer.jwt.scopes",
		"requestContext.authorizer.jwt.scopes[]", "requestContext.authorizer.lambda"}
	if !slices.Equal(got, want) {
		t.Errorf("Paths =\n%v\nwant\n%v", got, want)
	}
}

func TestPathsRejectsNonObjects(t *testing.T) {
	for _, doc := range []string{`[1]`, `"s"`, `{`} {
		if _, err := Paths([]byte(doc), nil); err == nil {
			t.Errorf("Paths(%s) gave no error", doc)
		}
	}
}

func TestDiff(t *testing.T) {
	want := `{"requestContext":{"identity":{"sourceIp":"1.2.3.4","user":"u"},"stage":"prod"},
		"headers":{"Host":"h"},"cookies":["c"],"body":"b"}`
	tests := []struct {
		name           string
		event          string
		allow          map[string]string
		missing, stale []string
	}{
		{"same shape, other data", `{"requestContext":{"identity":{"sourceIp":"::1","user":null},"stage":"dev"},"headers":{"Other":"x"},"cookies":["d","e"],"body":""}`,
			nil, nil, nil},
		{"missing paths are all named", `{"requestContext":{"identity":{},"stage":"dev"},"headers":null,"cookies":[]}`,
			nil, []string{"body", "cookies[]", "requestContext.identity.sourceIp", "requestContext.identity.user"}, nil},
		{"null has no children", `{"requestContext":{"identity":null,"stage":"p"},"headers":{},"cookies":["c"],"body":"b"}`,
			nil, []string{"requestContext.identity.sourceIp", "requestContext.identity.user"}, nil},
		{"allowed paths are skipped", `{"requestContext":{"identity":{"sourceIp":"::1"},"stage":"dev"},"headers":{},"cookies":["c"]}`,
			map[string]string{"body": "why", "requestContext.identity.user": "why"}, nil, nil},
		{"stale allowances are reported", `{"requestContext":{"identity":{"sourceIp":"::1","user":"u"},"stage":"dev"},"headers":{},"cookies":["c"],"body":"b"}`,
			map[string]string{"body": "why", "notInCapture": "typo"}, nil, []string{"body", "notInCapture"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			missing, stale, err := Diff([]byte(want), []byte(tt.event), FreeFormV2, tt.allow)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(missing, tt.missing) || !slices.Equal(stale, tt.stale) {
				t.Errorf("Diff = missing %v, stale %v; want missing %v, stale %v", missing, stale, tt.missing, tt.stale)
			}
		})
	}
}

func TestFixture(t *testing.T) {
	dir, err := FixtureDir()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dir, "aws-lambda-go@") {
		t.Errorf("FixtureDir = %s, want aws-lambda-go's folder in the module cache", dir)
	}
	paths, err := Paths(Fixture(t, "apigw-request.json"), FreeFormV1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"requestContext.identity.sourceIp", "multiValueHeaders", "requestContext.authorizer"} {
		if !slices.Contains(paths, p) {
			t.Errorf("apigw-request.json paths %v lack %s", paths, p)
		}
	}
	if slices.Contains(paths, "headers.Accept") {
		t.Errorf("paths %v walk into the free-form headers", paths)
	}
}
