// Package logtext makes client-controlled text safe to write into a log line: the request log of
// local/gateway and the WebSocket log of local/serve use it for paths, queries, close reasons and
// error texts that quote client input, so that no client can forge a line.
package logtext

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Safe is s with what a log reader could take for a line break or a terminal control sequence
// escaped as in a Go string literal: control characters (\n, \x1b), other non-printable runes
// (U+2028 as \u2028) and bytes that are not UTF-8 (\xff).
func Safe(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case unsafeRune(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		s = s[n:]
	}
	return b.String()
}

// unsafeRune reports runes Safe escapes; the replacement rune stands for bytes that are not UTF-8.
func unsafeRune(r rune) bool { return r == utf8.RuneError || r != ' ' && !unicode.IsPrint(r) }
