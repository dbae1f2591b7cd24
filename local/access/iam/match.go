package iam

import (
	"strings"

	"github.com/portico-dev/portico/internal/wildcard"
)

// arnPattern is an ARN pattern split at its first five colons, so that each ARN part is matched on
// its own (IAM's ArnLike rule: a wildcard does not span the partition/service/region/account
// separators). A pattern with fewer parts lets its last part match the rest of the ARN.
type arnPattern struct {
	raw   string
	parts []string
}

func newARNPattern(raw string) arnPattern {
	if raw == "*" {
		return arnPattern{raw: raw}
	}
	return arnPattern{raw: raw, parts: strings.SplitN(raw, ":", 6)}
}

func (a arnPattern) match(arn string) bool {
	if a.parts == nil {
		return true
	}
	rest := arn
	for i, part := range a.parts {
		seg := rest
		if i < len(a.parts)-1 {
			var ok bool
			seg, rest, ok = strings.Cut(rest, ":")
			if !ok {
				return false
			}
		}
		if !wildcard.Match(part, seg) {
			return false
		}
	}
	return true
}
