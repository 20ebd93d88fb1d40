package api

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"connectrpc.com/connect"
)

// MaxBodyBytes bounds a request message, counted after decompression;
// larger ones get ResourceExhausted (HTTP 413 in the Connect protocol)
// while they are read, before they are decoded.
const MaxBodyBytes = 1 << 20

// MaxOpenBodyBytes bounds the messages of procedures that need no token
// (signing in: an e-mail, a password and a token name fit in 2 KB). They
// may not be compressed at all (ADR 0048).
const MaxOpenBodyBytes = 8 << 10

// envelopeBytes is the gRPC and gRPC-Web frame header before a message.
const envelopeBytes = 5

// tooLarge is the error of a body over max bytes, for whichever layer
// notices first (the raw body, its inflation, Connect's own check).
func tooLarge(max int) *connect.Error {
	return connect.NewError(connect.CodeResourceExhausted,
		fmt.Errorf("the request is larger than %d KiB (after decompression); send less in one request", max>>10))
}

// limitBody reads at most max bytes of r and fails the read after that with
// tooLarge, marking tripped so the response can say 413 rather than 429
// (Connect's HTTP status for ResourceExhausted, which here means a rate
// limit). It stops at once: nothing past max+1 bytes is read or inflated.
type limitBody struct {
	r       io.Reader
	close   func() error
	left    int64
	max     int
	tripped *atomic.Bool
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			b.tripped.Store(true)
			return 0, tooLarge(b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitBody) Close() error { return b.close() }

// statusWriter turns the 429 of a body that tripped its limit into 413.
// It passes Flush through, which Connect's gRPC responses need.
type statusWriter struct {
	http.ResponseWriter
	tripped *atomic.Bool
}

func (w *statusWriter) WriteHeader(code int) {
	if code == http.StatusTooManyRequests && w.tripped.Load() {
		code = http.StatusRequestEntityTooLarge
	}
	w.ResponseWriter.WriteHeader(code)
}

// Flush implements http.Flusher.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errBadGzip answers a body that claims gzip and is not.
var errBadGzip = connect.NewError(connect.CodeInvalidArgument, errors.New("the request body is not valid gzip"))

// limitRequest bounds r's body for a procedure whose messages may be max
// bytes. A Connect unary body compressed as a whole (Content-Encoding:
// gzip) is inflated here, through the same bound, so its size is known
// while it is read; per-message compression (gRPC, gRPC-Web, Connect GET)
// goes through boundedGzip. It returns the writer to answer with, or an
// error to send instead.
func limitRequest(w http.ResponseWriter, r *http.Request, max int, open bool) (http.ResponseWriter, error) {
	if c := r.URL.Query().Get("compression"); r.Method == http.MethodGet && c != "" && c != "identity" {
		// A Connect GET carries its message in the URL; nobody needs
		// it compressed, and refusing it keeps one path for limits.
		return nil, connect.NewError(connect.CodeUnimplemented, errors.New("compressed GET requests are not accepted; send the message uncompressed"))
	}
	tripped := new(atomic.Bool)
	ctype := r.Header.Get("Content-Type")
	raw := int64(max)
	if strings.HasPrefix(ctype, "application/grpc") || strings.HasPrefix(ctype, "application/connect+") {
		raw += envelopeBytes
	}
	body := r.Body
	r.Body = &limitBody{r: body, close: body.Close, left: raw, max: max, tripped: tripped}
	if raw > int64(max) {
		r.Body = &frameCheck{ReadCloser: r.Body}
	}
	enc := strings.TrimSpace(strings.ToLower(r.Header.Get("Content-Encoding")))
	if r.Method == http.MethodPost && enc != "" && enc != "identity" && !strings.HasPrefix(ctype, "application/grpc") {
		if open || enc != "gzip" {
			// Connect refuses what it does not support; sign-in
			// supports no compression (see handlerOptions).
			return nil, connect.NewError(connect.CodeUnimplemented, fmt.Errorf("request bodies compressed with %q are not accepted here; send it uncompressed", enc))
		}
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			if ce := new(connect.Error); errors.As(err, &ce) {
				return nil, ce
			}
			return nil, errBadGzip
		}
		r.Body = &limitBody{r: gz, close: body.Close, left: int64(max), max: max, tripped: tripped}
		r.Header.Del("Content-Encoding")
		r.ContentLength = -1
	}
	return &statusWriter{ResponseWriter: w, tripped: tripped}, nil
}

// errTruncated answers a body that ends inside a frame. Connect calls that
// a protocol error and answers Internal; it is the caller's bad input.
var errTruncated = connect.NewError(connect.CodeInvalidArgument, errors.New("the request ends in the middle of a message"))

// frameCheck follows the 5-byte frame headers of a gRPC, gRPC-Web or
// Connect streaming body as it is read, and turns an end of body inside a
// frame into errTruncated.
type frameCheck struct {
	io.ReadCloser
	hdr  [envelopeBytes]byte
	hdrN int
	left int64 // payload bytes of the current frame still to come
}

func (f *frameCheck) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	for b := p[:n]; len(b) > 0; {
		if f.left > 0 {
			k := min(f.left, int64(len(b)))
			f.left -= k
			b = b[k:]
			continue
		}
		f.hdr[f.hdrN] = b[0]
		f.hdrN++
		b = b[1:]
		if f.hdrN == envelopeBytes {
			f.left = int64(binary.BigEndian.Uint32(f.hdr[1:]))
			f.hdrN = 0
		}
	}
	if errors.Is(err, io.EOF) && (f.left > 0 || f.hdrN > 0) {
		return n, errTruncated
	}
	return n, err
}

// boundedGzip is the gzip decompressor Connect uses for per-message
// compression: it fails as soon as a message inflates past max, where
// Connect's own would inflate the rest only to count it.
type boundedGzip struct {
	gz    gzip.Reader
	left  int64
	max   int
	reset bool
}

func newBoundedGzip(max int) func() connect.Decompressor {
	return func() connect.Decompressor { return &boundedGzip{max: max} }
}

func (d *boundedGzip) Read(p []byte) (int, error) {
	if !d.reset {
		return 0, errBadGzip
	}
	if d.left <= 0 {
		var one [1]byte
		n, err := d.gz.Read(one[:])
		if n > 0 {
			return 0, tooLarge(d.max)
		}
		return 0, err
	}
	if int64(len(p)) > d.left {
		p = p[:d.left]
	}
	n, err := d.gz.Read(p)
	d.left -= int64(n)
	return n, err
}

// Reset starts on a new compressed message.
func (d *boundedGzip) Reset(r io.Reader) error {
	d.left, d.reset = int64(d.max), false
	if err := d.gz.Reset(r); err != nil {
		return err
	}
	d.reset = true
	return nil
}

// Close ends the current message.
func (d *boundedGzip) Close() error { return d.gz.Close() }

func newGzipCompressor() connect.Compressor { return gzip.NewWriter(io.Discard) }
