// Package credentials keeps the local principals' AWS keys: every IAM role of the assembly and
// every principal a resource policy names gets its own access key and secret, made on first use
// and kept in {cacheDir}/credentials, so that `portico serve` (which verifies signatures with
// them and hands them to function processes) and `portico credentials` (which prints them) agree,
// even while both run.
//
// Each principal is one file, {cacheDir}/credentials/{sha256 of its ARN}.json (folder 0700, file
// 0600), made as local/internal/secretfile makes files: two processes making the same principal
// at once end with the one file that was linked first, and never overwrite each other's principals.
package credentials

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/internal/secretfile"
)

// SessionName is the role session name of every local role principal: its caller ARN is
// arn:aws:sts::{account}:assumed-role/{role name}/portico and its user ID "AROA...:portico".
const SessionName = "portico"

// Principal is a local principal with its keys, and the caller a request signed with them is.
type Principal struct {
	// ARN is the principal as policies name it: a role or user ARN, or arn:aws:iam::{account}:root.
	ARN             string
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for a role (temporary credentials, as STS AssumeRole returns), empty
	// for a user or an account.
	SessionToken string
	Caller       check.Caller
}

// Store holds the local principals of one cache folder.
type Store struct {
	dir   string
	mu    sync.Mutex
	byARN map[string]Principal
	byKey map[string]Principal
	read  map[string]bool // file names already read
}

// Open reads the principals kept in {cacheDir}/credentials, creating the folder (0700). It
// refuses a file that other users may read or write.
func Open(cacheDir string) (*Store, error) {
	dir := filepath.Join(cacheDir, "credentials")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("credentials folder: %w", err)
	}
	s := &Store{dir: dir, byARN: map[string]Principal{}, byKey: map[string]Principal{}, read: map[string]bool{}}
	if err := s.readNew(); err != nil {
		return nil, err
	}
	return s, nil
}

// For returns the principal's keys, making and keeping them on first use. principalARN is a
// role ARN (arn:aws:iam::{account}:role/{path}{name}), a user ARN
// (arn:aws:iam::{account}:user/{path}{name}), an account's root (arn:aws:iam::{account}:root)
// or a 12-digit account ID (its root).
func (s *Store) For(principalARN string) (Principal, error) {
	id, err := parse(principalARN)
	if err != nil {
		return Principal{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.byARN[id.arn]; ok {
		return p, nil
	}
	name := fileName(id.arn)
	p, err := s.readFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		if p, err = s.create(name, id); err != nil {
			return Principal{}, err
		}
	} else if err != nil {
		return Principal{}, err
	}
	s.add(name, p)
	return p, nil
}

// Lookup returns the principal whose access key ID this is. On a miss it reads the principals
// that another process (`portico credentials` beside `portico serve`) made since.
func (s *Store) Lookup(accessKeyID string) (Principal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.byKey[accessKeyID]; ok {
		return p, true
	}
	_ = s.readNew() // a file that cannot be read, or is open to others, stays unknown
	p, ok := s.byKey[accessKeyID]
	return p, ok
}

// readNew reads the principal files not read yet. It reads every other file before it returns
// the first error.
func (s *Store) readNew() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("credentials folder: %w", err)
	}
	var first error
	for _, e := range entries {
		name := e.Name()
		if s.read[name] || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		p, err := s.readFile(name)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		s.add(name, p)
	}
	return first
}

func (s *Store) add(name string, p Principal) {
	s.read[name] = true
	s.byARN[p.ARN] = p
	s.byKey[p.AccessKeyID] = p
}

// readFile reads one principal file, refusing it when other users may read or write it.
func (s *Store) readFile(name string) (Principal, error) {
	path := filepath.Join(s.dir, name)
	raw, err := secretfile.Read(path, "credentials file", "who could sign requests with its keys")
	if err != nil {
		return Principal{}, err
	}
	var p Principal
	if err := json.Unmarshal(raw, &p); err != nil || p.ARN == "" || p.AccessKeyID == "" || p.SecretAccessKey == "" {
		return Principal{}, fmt.Errorf("credentials file %s is not a principal's keys; delete it to get new keys", path)
	}
	return p, nil
}

// create makes the principal's keys and puts their file in place; when another process put it
// there first, its keys win.
func (s *Store) create(name string, id identity) (Principal, error) {
	p := id.principal()
	raw, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return Principal{}, err
	}
	created, err := secretfile.Create(filepath.Join(s.dir, name), raw)
	if err != nil {
		return Principal{}, fmt.Errorf("write credentials: %w", err)
	}
	if !created {
		return s.readFile(name)
	}
	return p, nil
}

// fileName is the file of a principal: the ARN hashed, as ARNs hold ':' and '/'.
func fileName(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return hex.EncodeToString(sum[:16]) + ".json"
}

// identity is a parsed principal ARN.
type identity struct {
	arn, partition, account string
	kind                    string // "role", "user" or "root"
	name                    string // role or user name, without the path
}

var (
	accountID = regexp.MustCompile(`^\d{12}$`)
	// principalARN: arn:{partition}:iam::{account}:root | role/{path}{name} | user/{path}{name}.
	// Names and path segments use IAM's characters ([\w+=,.@-], "IAM identifiers").
	principalARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(?:(root)|(role|user)/((?:[\w+=,.@-]+/)*)([\w+=,.@-]+))$`)
)

func parse(s string) (identity, error) {
	if accountID.MatchString(s) {
		s = "arn:aws:iam::" + s + ":root"
	}
	m := principalARN.FindStringSubmatch(s)
	if m == nil {
		return identity{}, fmt.Errorf("principal %q is not a local principal; allowed: a 12-digit account ID, arn:aws:iam::{account}:root, arn:aws:iam::{account}:role/{path}{name} or arn:aws:iam::{account}:user/{path}{name}", s)
	}
	id := identity{arn: s, partition: m[1], account: m[2], kind: m[4], name: m[6]}
	if m[3] == "root" {
		id.kind = "root"
	}
	return id, nil
}

// principal makes new keys for the identity, shaped as the cloud's (IAM User Guide, "IAM
// identifiers", "Understanding unique ID prefixes": AKIA access keys, ASIA temporary (STS) access
// keys, AROA roles, AIDA users; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
// A role's keys are a role session's, as STS AssumeRole returns them (AWS CLI example
// awscli/examples/sts/assume-role.rst: AccessKeyId "ASIA...", a SessionToken, AssumedRoleUser
// {AssumedRoleId "AROA3XFRBF535PLBIFPI4:s3-access-example", Arn
// "arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example"}).
func (id identity) principal() Principal {
	p := Principal{ARN: id.arn, SecretAccessKey: secret(30)}
	p.Caller = check.Caller{AccountID: id.account, ARN: id.arn, PrincipalARN: id.arn}
	switch id.kind {
	case "role":
		p.AccessKeyID = "ASIA" + upperAlnum(16)
		p.SessionToken = secret(96)
		p.Caller.ARN = "arn:" + id.partition + ":sts::" + id.account + ":assumed-role/" + id.name + "/" + SessionName
		p.Caller.UserID = "AROA" + upperAlnum(17) + ":" + SessionName
	case "user":
		p.AccessKeyID = "AKIA" + upperAlnum(16)
		p.Caller.UserID = "AIDA" + upperAlnum(17)
	default: // an account's root keys
		p.AccessKeyID = "AKIA" + upperAlnum(16)
		p.Caller.UserID = id.account
	}
	p.Caller.AccessKey = p.AccessKeyID
	return p
}

// upperAlnum is n (at most 26) random upper-case letters and digits 2-7, the alphabet of AWS
// access key IDs.
func upperAlnum(n int) string { return rand.Text()[:n] }

// secret is n random bytes in base64 (30 bytes: 40 characters, the length of an AWS secret key).
func secret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(b)
}
