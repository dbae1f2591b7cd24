package sigv4

import (
	"os/exec"
	"testing"

	"github.com/portico-dev/portico/internal/testtool"
)

// TestCurl sends requests signed by curl --aws-sigv4 (curl 7.88 signs host, x-amz-date, and the
// headers given with -H, with the body's SHA-256 as payload hash) to the loopback server, on the
// real clock.
func TestCurl(t *testing.T) {
	testtool.Find(t, "curl", "apt-get install curl")
	srv := serve(t, nil)
	curl := func(t *testing.T, k Key, args ...string) answer {
		t.Helper()
		base := []string{"-s", "--max-time", "10", "-D", "-", "--aws-sigv4", "aws:amz:" + region + ":" + service, "--user", k.AccessKeyID + ":" + k.SecretAccessKey}
		out, err := exec.Command("curl", append(base, args...)...).Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		return parseCurl(t, out)
	}
	wrong := userKey
	wrong.SecretAccessKey = "not-the-secret"
	noToken := roleKey
	cases := []struct {
		name   string
		k      Key
		args   []string
		want   answer
		caller string
	}{
		{"GET with query", userKey, []string{srv.URL + "/prod/pets?a=1&b=2"}, ok, userKey.Caller.ARN},
		{"POST with body", userKey, []string{"-H", "Content-Type: application/json", "-d", `{"name":"rex"}`, srv.URL + "/prod/pets"}, ok, userKey.Caller.ARN},
		{"session token", roleKey, []string{"-H", "x-amz-security-token: " + roleKey.SessionToken, "-d", "hi", srv.URL + "/prod/pets"}, ok, roleKey.Caller.ARN},
		{"wrong secret", wrong, []string{srv.URL + "/prod/pets"}, mismatchPrefixAns, ""},
		{"missing session token", noToken, []string{srv.URL + "/prod/pets"}, invalidTokenAns, ""},
		{"wrong session token", roleKey, []string{"-H", "x-amz-security-token: other", srv.URL + "/prod/pets"}, invalidTokenAns, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expect(t, curl(t, c.k, c.args...), c.want, c.caller) })
	}
}
