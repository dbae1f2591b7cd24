package credentials_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/credentials"
)

func open(t *testing.T, cacheDir string) *credentials.Store {
	t.Helper()
	s, err := credentials.Open(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func principal(t *testing.T, s *credentials.Store, arn string) credentials.Principal {
	t.Helper()
	p, err := s.For(arn)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The shapes come from the IAM User Guide, "IAM identifiers" (reference_identifiers.html),
// "Understanding unique ID prefixes": AKIA access key, ASIA temporary (AWS STS) keys, AROA role,
// AIDA user; its unique IDs are 21 characters (AIDAJQABLZS4A3QDU576Q). Access key IDs of 20
// characters are Portico's choice. A role session's ARN and ID are those STS AssumeRole returns (AWS CLI
// example awscli/examples/sts/assume-role.rst: "AssumedRoleId": "AROA3XFRBF535PLBIFPI4:s3-access-example",
// "Arn": "arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example"): the role's
// name without its path, then the session name.
func TestPrincipalShapes(t *testing.T) {
	s := open(t, t.TempDir())
	tests := []struct {
		arn       string
		key, user *regexp.Regexp
		token     bool
		caller    check.Caller // AccessKey and UserID checked by pattern
	}{
		{"arn:aws:iam::098765432109:role/team/MyRole", regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`), regexp.MustCompile(`^AROA[A-Z2-7]{17}:portico$`), true,
			check.Caller{AccountID: "098765432109", ARN: "arn:aws:sts::098765432109:assumed-role/MyRole/portico", PrincipalARN: "arn:aws:iam::098765432109:role/team/MyRole"}},
		{"arn:aws:iam::123456789012:user/Bob", regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`), regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`), false,
			check.Caller{AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/Bob", PrincipalARN: "arn:aws:iam::123456789012:user/Bob"}},
		{"123456789012", regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`), regexp.MustCompile(`^123456789012$`), false,
			check.Caller{AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:root", PrincipalARN: "arn:aws:iam::123456789012:root"}},
	}
	for _, tt := range tests {
		p := principal(t, s, tt.arn)
		if !tt.key.MatchString(p.AccessKeyID) || p.Caller.AccessKey != p.AccessKeyID {
			t.Errorf("%s: access key %q (caller's %q), want %s", tt.arn, p.AccessKeyID, p.Caller.AccessKey, tt.key)
		}
		if !tt.user.MatchString(p.Caller.UserID) {
			t.Errorf("%s: user ID %q, want %s", tt.arn, p.Caller.UserID, tt.user)
		}
		if (p.SessionToken != "") != tt.token || len(p.SecretAccessKey) != 40 {
			t.Errorf("%s: session token %q, secret %q; want a token %v and a 40-character secret", tt.arn, p.SessionToken, p.SecretAccessKey, tt.token)
		}
		got := p.Caller
		got.AccessKey, got.UserID = "", ""
		if got != tt.caller || p.ARN != tt.caller.PrincipalARN {
			t.Errorf("%s: principal %q, caller %+v; want %+v", tt.arn, p.ARN, got, tt.caller)
		}
	}
	// An account ID and its root ARN are one principal.
	if a, b := principal(t, s, "123456789012"), principal(t, s, "arn:aws:iam::123456789012:root"); a != b {
		t.Errorf("account and root differ: %+v, %+v", a, b)
	}
}

func TestKeptAndPrivate(t *testing.T) {
	cache := t.TempDir()
	role := "arn:aws:iam::123456789012:role/Handler"
	first := principal(t, open(t, cache), role)
	again := open(t, cache)
	if p := principal(t, again, role); p != first {
		t.Errorf("after reopening, %s has %+v, want the kept %+v", role, p, first)
	}
	if p, ok := again.Lookup(first.AccessKeyID); !ok || p != first {
		t.Errorf("Lookup(%s) = %+v, %v", first.AccessKeyID, p, ok)
	}
	if _, ok := again.Lookup("ASIAUNKNOWNUNKNOWN00"); ok {
		t.Error("an unknown access key was found")
	}
	dir := filepath.Join(cache, "credentials")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	fi, err := os.Stat(dir)
	if err != nil || len(files) != 1 {
		t.Fatalf("credentials folder %s: %v, files %q; want one file", dir, err, files)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %s, want 0700", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %s, want 0600", fi.Mode().Perm())
	}
	if err := os.Chmod(files[0], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = credentials.Open(cache)
	if err == nil || !strings.Contains(err.Error(), files[0]) || !strings.Contains(err.Error(), "chmod 600 "+files[0]) {
		t.Errorf("Open with a file others can read: %v; want a refusal naming it and chmod 600", err)
	}
}

// Two stores on one folder stand for `portico serve` and `portico credentials`: a key one makes
// is found by the other, and when both make the same principals at once, every principal ends
// with one set of keys that both return.
func TestTwoStoresAgree(t *testing.T) {
	cache := t.TempDir()
	a, b := open(t, cache), open(t, cache)
	made := principal(t, a, "arn:aws:iam::123456789012:role/Made")
	if p, ok := b.Lookup(made.AccessKeyID); !ok || p != made {
		t.Errorf("the other store's Lookup(%s) = %+v, %v; want the key the first made", made.AccessKeyID, p, ok)
	}
	arns := []string{"arn:aws:iam::123456789012:role/R1", "arn:aws:iam::123456789012:role/R2", "arn:aws:iam::123456789012:user/U", "111122223333"}
	got := make([][]credentials.Principal, 2)
	var wg sync.WaitGroup
	for i, s := range []*credentials.Store{a, b} {
		got[i] = make([]credentials.Principal, len(arns))
		for j, arn := range arns {
			wg.Go(func() {
				p, err := s.For(arn)
				if err != nil {
					t.Error(err)
				}
				got[i][j] = p
			})
		}
	}
	wg.Wait()
	for j, arn := range arns {
		if got[0][j] != got[1][j] {
			t.Errorf("%s: the stores made different keys: %+v, %+v", arn, got[0][j], got[1][j])
		}
		if p := principal(t, open(t, cache), arn); p != got[0][j] {
			t.Errorf("%s: kept %+v, returned %+v", arn, p, got[0][j])
		}
	}
}

func TestBadPrincipal(t *testing.T) {
	s := open(t, t.TempDir())
	for _, arn := range []string{"", "MyRole", "12345", "arn:aws:sts::123456789012:assumed-role/R/s", "arn:aws:iam::12345:role/R", "arn:aws:iam::123456789012:group/G", "arn:aws:iam::123456789012:role/"} {
		_, err := s.For(arn)
		if err == nil || !strings.Contains(err.Error(), `"`+arn+`"`) || !strings.Contains(err.Error(), "allowed: a 12-digit account ID") {
			t.Errorf("For(%q) = %v, want a refusal quoting it and listing what is allowed", arn, err)
		}
	}
}
