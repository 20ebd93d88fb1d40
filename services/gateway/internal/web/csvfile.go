package web

import (
	"encoding/csv"
	"fmt"
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

// row adds one line, each cell made inert (see inert). A
// strings.Builder never fails a write, so the error is csv's own, kept
// for send.
func (f *csvFile) row(fields ...string) {
	cells := make([]string, len(fields))
	for i, s := range fields {
		cells[i] = inert(s)
	}
	_ = f.w.Write(cells)
}

// inert is a cell a spreadsheet shows as the text it is: one that starts
// as a formula would (=, +, -, @, a tab or a carriage return: "CSV
// injection") gets an apostrophe first, which Excel and LibreOffice read
// as "text" and do not show; a number ("-1", "-0,5") stays a number.
// Every cell is the app's own words and figures today, but a value the
// app has no word for (an equity group's code) is passed through as the
// service sent it, and the file is opened by people, on their machines.
func inert(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil {
		return s
	}
	return "'" + s
}

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
	rw.Header().Set("Content-Disposition", attachment(name+".csv"))
	_, err := io.WriteString(rw, body)
	return err
}

// attachment is the Content-Disposition of a download named name, which
// is words of the user's language ("rapport-middagar-2026-12.csv", ADR
// 0125): a quoted ASCII filename every browser reads (å, ä, ö as a, a,
// o; anything else outside letters, digits, '.', '_' and '-' as '-', so
// no quote or line break can reach the header), and, when that is not
// the name itself, the name in UTF-8 as RFC 6266's filename*, which
// browsers prefer.
func attachment(name string) string {
	safe := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
	}
	var ascii, enc strings.Builder
	for _, r := range name {
		switch {
		case safe(r):
			ascii.WriteRune(r)
		case r == 'å' || r == 'ä':
			ascii.WriteByte('a')
		case r == 'Å' || r == 'Ä':
			ascii.WriteByte('A')
		case r == 'ö':
			ascii.WriteByte('o')
		case r == 'Ö':
			ascii.WriteByte('O')
		default:
			ascii.WriteByte('-')
		}
	}
	for _, b := range []byte(name) {
		if safe(rune(b)) {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	v := `attachment; filename="` + ascii.String() + `"`
	if ascii.String() != name {
		v += "; filename*=UTF-8''" + enc.String()
	}
	return v
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
