package iam

import "strings"

// glob reports whether s matches pattern, where '*' matches any run of characters (including
// none, and including '/' and ':') and '?' matches exactly one character, as IAM does. It does not
// allocate: policy evaluation runs on every request.
func glob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

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
		if !glob(part, seg) {
			return false
		}
	}
	return true
}
