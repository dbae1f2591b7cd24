// Package main does not compile: GoFunction must report the compiler's output.
package main

func main() {
	undefinedFunction()
}
