package gobuild

// Verify exposes verify to the benchmark.
var Verify = verify

// WriteRecord stores the record of the binary at bin, as a build does.
func WriteRecord(bin string) error { return writeRecord(bin, bin) }
