package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"connectrpc.com/connect"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestBoundedGzipStopsAtLimit: a message that inflates past the limit is
// refused after reading little more of the compressed stream than the
// limit needs, not inflated to its end.
func TestBoundedGzipStopsAtLimit(t *testing.T) {
	t.Parallel()
	// 32 MiB of zeros as 32 gzip members of 1 MiB each (a gzip reader
	// reads on across members), about 32 KiB compressed.
	var member bytes.Buffer
	zw := gzip.NewWriter(&member)
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	buf := bytes.NewBuffer(bytes.Repeat(member.Bytes(), 32))
	total := buf.Len()
	src := &countingReader{r: buf}
	d := newBoundedGzip(1 << 20)()
	if err := d.Reset(src); err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, d)
	if connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Fatalf("err %v, want ResourceExhausted", err)
	}
	if n != 1<<20 {
		t.Errorf("inflated %d bytes before refusing, want the limit %d", n, 1<<20)
	}
	if src.n > total/4 {
		t.Errorf("read %d of %d compressed bytes; it should stop near the limit", src.n, total)
	}
	// The same decompressor takes a small message after Reset.
	small := &bytes.Buffer{}
	zw = gzip.NewWriter(small)
	_, _ = zw.Write([]byte("hello"))
	_ = zw.Close()
	if err := d.Reset(small); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(d)
	if err != nil || string(got) != "hello" {
		t.Fatalf("small message: %q %v", got, err)
	}
}
