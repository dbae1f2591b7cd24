// Package textlist parses the comma-separated lists of flags, environment variables and
// template properties, the one way Portico reads them.
package textlist

import "strings"

// Split splits a comma-separated list, trimming spaces and dropping blanks: "a, b,," -> [a b].
func Split(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
