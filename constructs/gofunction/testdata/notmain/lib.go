// Package notmain is a library, not a Lambda entry point.
package notmain

// Answer exists so the package is not empty.
const Answer = 42
