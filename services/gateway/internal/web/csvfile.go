package web

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// csvFile is a CSV download as the web app writes every one (the report,
// the dinners report, the guides' equity figures), so a coordinator's
// spreadsheet opens each the same way: UTF-8 with a byte-order mark (or
// Excel reads "nyanlända" as Latin-1), ';' between fields (what Swedish
// Excel splits on when the file is opened directly; a ',' put every row
// in one cell), header words in the user's language and values in words
// (kvinna, arabiska, ja), never codes. The one exception is the report's
// ?format=machine, a stable English form for programs (exportCSV).
type csvFile struct {
	buf strings.Builder
	w   *csv.Writer
}

// newCSV starts a file with the byte-order mark and the header row.
func newCSV(head ...string) *csvFile {
	f := &csvFile{}
	f.buf.WriteString("\ufeff")
	f.w = csv.NewWriter(&f.buf)
	f.w.Comma = ';'
	f.row(head...)
	return f
}

// row adds one line. A strings.Builder never fails a write, so the
// error is csv's own, kept for send.
func (f *csvFile) row(fields ...string) { _ = f.w.Write(fields) }

// String is the file's text so far (for tests).
func (f *csvFile) String() string {
	f.w.Flush()
	return f.buf.String()
}

// send writes the file as an attachment named name.csv.
func (f *csvFile) send(rw http.ResponseWriter, name string) error {
	f.w.Flush()
	if err := f.w.Error(); err != nil {
		return err
	}
	return sendCSV(rw, name, f.buf.String())
}

// sendCSV writes body as the attachment name.csv.
func sendCSV(rw http.ResponseWriter, name, body string) error {
	rw.Header().Set("Content-Type", "text/csv; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	_, err := io.WriteString(rw, body)
	return err
}

// decimal is v with prec decimals, written with a decimal comma on a
// Swedish page ("0,45"), as a Swedish spreadsheet reads a number.
func decimal(p *page, v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if p.Lang == "sv" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
