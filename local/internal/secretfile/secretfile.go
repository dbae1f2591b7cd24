// Package secretfile keeps secrets in files only their owner may read (the local issuers' signing
// keys, the local principals' AWS keys): a file is written aside (0600) and linked into place,
// which fails when it exists, so that two processes making it at once end with one complete file,
// the first linked; and a file other users may read or write is refused, since whoever reads it
// can sign what Portico accepts.
package secretfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Read reads the file at path, refusing it (where permission bits exist) when other users may
// read or write it. what names the file ("key file") and risk says what they could do with it
// ("who could sign tokens with it"). A missing file is an fs.ErrNotExist error.
func Read(path, what, risk string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s %s is open to other users (%s), %s; allowed: owner only (chmod 600 %s)", what, path, fi.Mode().Perm(), risk, path)
	}
	return os.ReadFile(path)
}

// Create writes data to path (0600) unless a file is there already. It reports whether data is
// now the file's: false when another process linked its file first, which the caller then reads.
func Create(path string, data []byte) (bool, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".secret-*") // 0600
	if err != nil {
		return false, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, fmt.Errorf("%s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("%s: %w", f.Name(), err)
	}
	if err := os.Link(f.Name(), path); errors.Is(err, fs.ErrExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}
