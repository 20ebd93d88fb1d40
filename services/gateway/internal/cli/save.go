package cli

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// createPrivate opens path for writing from its start, readable by the
// user alone: a new file is made 0600, and an existing regular file is
// made 0600 too, since the mode given to open applies only to a file it
// creates (an old 0644 report.csv stayed readable by all once it held
// names; outside round s31). A device such as /dev/stdout keeps its mode.
func createPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return f, nil
}

// writePrivate writes b to path through createPrivate, so the file is
// the user's alone also when it existed before.
func writePrivate(path string, b []byte) error {
	f, err := createPrivate(path)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// saveErr says in the user's language why -o could not write path: a
// Swedish mp said Go's "open /x/y: no such file or directory" (outside
// round s31). The common causes get words; another error keeps Go's
// text after the path, since it is all there is to say.
func (e env) saveErr(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New(e.f("err.save_no_dir", path))
	case errors.Is(err, fs.ErrPermission):
		return errors.New(e.f("err.save_denied", path))
	case errors.Is(err, syscall.EISDIR):
		return errors.New(e.f("err.save_is_dir", path))
	case errors.Is(err, syscall.ENOSPC):
		return errors.New(e.f("err.save_full", path))
	}
	return errors.New(e.f("err.save", path, err))
}

// lineCounter counts the lines written through it, for "saved N lines",
// and keeps the first write error, which io.Copy cannot tell from a read
// error of the download.
type lineCounter struct {
	w   io.Writer
	n   int
	err error
}

// Write counts p's lines and writes p to the file.
func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += bytes.Count(p, []byte{'\n'})
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
