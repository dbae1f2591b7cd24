// Package wildcard matches IAM-style wildcard patterns, the one matcher of the policies the local
// gateway evaluates and the routes Portico's authorizers allow.
package wildcard

// Match reports whether s matches pattern, where '*' matches any run of characters (including
// none, and including '/' and ':') and '?' matches exactly one character, as IAM does in
// resource ARNs. It runs in linear time with backtracking to the last star and does not
// allocate: policy evaluation runs on every request, and the text may come from the caller.
func Match(pattern, s string) bool {
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
