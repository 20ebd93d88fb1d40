package match

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// ErrSyntax is wrapped by every error ParseMATCH1 returns; the message starts
// with the line number.
var ErrSyntax = errors.New("MATCH1 syntax error")

// ParseMATCH1 reads an instance in the MATCH1 text format
// (shared/bench/FORMAT.md): a "p match N M E" line, optional "n i size"
// lines, M "h j capacity" lines, E "e i j score" lines and "c" comments.
//
// It works on the whole file in memory with hand-rolled integer scanning,
// because a 2M-edge file would otherwise spend longer in strings.Fields and
// strconv than the solver needs. Every error names its line.
func ParseMATCH1(data []byte) (*Instance, error) {
	p := parser{data: data}
	return p.parse()
}

type parser struct {
	data []byte
	pos  int // next byte to read
	line int // 1-based number of the current line
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrSyntax, p.line, fmt.Sprintf(format, args...))
}

// field reads one space-separated non-negative integer of the current line.
func (p *parser) field(max int64) (int64, error) {
	d := p.data
	if p.pos >= len(d) || d[p.pos] != ' ' {
		return 0, p.errf("expected a space and a number")
	}
	for p.pos < len(d) && d[p.pos] == ' ' {
		p.pos++
	}
	start := p.pos
	var x int64
	for p.pos < len(d) {
		c := d[p.pos]
		if c < '0' || c > '9' {
			break
		}
		x = x*10 + int64(c-'0')
		if x > max {
			return 0, p.errf("number out of range (max %d)", max)
		}
		p.pos++
	}
	if p.pos == start {
		return 0, p.errf("expected a non-negative integer")
	}
	return x, nil
}

// endLine checks that nothing but blanks follows on the line and moves to
// the next one.
func (p *parser) endLine() error {
	d := p.data
	for p.pos < len(d) && (d[p.pos] == ' ' || d[p.pos] == '\r' || d[p.pos] == '\t') {
		p.pos++
	}
	if p.pos < len(d) && d[p.pos] != '\n' {
		return p.errf("unexpected %q", d[p.pos])
	}
	p.pos++
	p.line++
	return nil
}

func (p *parser) skipLine() {
	for p.pos < len(p.data) && p.data[p.pos] != '\n' {
		p.pos++
	}
	p.pos++
	p.line++
}

const maxCount = 1 << 30

func (p *parser) parse() (*Instance, error) {
	in := &Instance{}
	d := p.data
	p.line = 1
	var (
		header        bool
		nE            int64
		sizeSeen      []bool
		hostSeen      []bool
		nSizes, nHost int
		sorted        = true
		firstLine     int // line of the p record, for count errors
		edgeLines     []int32
	)
	for p.pos < len(d) {
		c := d[p.pos]
		switch c {
		case '\n':
			p.pos++
			p.line++
			continue
		case 'c':
			p.skipLine()
			continue
		case 'p':
			if header {
				return nil, p.errf("second p line")
			}
			if !hasPrefix(d[p.pos:], "p match") {
				return nil, p.errf("expected \"p match N M E\"")
			}
			p.pos += len("p match")
			n, err := p.field(maxCount)
			if err != nil {
				return nil, err
			}
			m, err := p.field(maxCount)
			if err != nil {
				return nil, err
			}
			e, err := p.field(1<<31 - 1)
			if err != nil {
				return nil, err
			}
			// Every h and e record takes at least 6 bytes, so a header that
			// claims more than the file can hold is rejected before any
			// allocation it would drive.
			fit := int64(len(d)/6 + 1)
			if m > fit || e > fit {
				return nil, p.errf("header claims more records than the file holds")
			}
			if err := p.endLine(); err != nil {
				return nil, err
			}
			header, firstLine, nE = true, p.line-1, e
			in.Newcomers = int(n)
			in.Capacity = make([]int32, m)
			hostSeen = make([]bool, m)
			in.Edges = make([]Edge, 0, e)
			continue
		}
		if !header {
			return nil, p.errf("data before the p line")
		}
		p.pos++
		switch c {
		case 'n':
			i, err := p.field(maxCount)
			if err != nil {
				return nil, err
			}
			size, err := p.field(1<<31 - 1)
			if err != nil {
				return nil, err
			}
			if i >= int64(in.Newcomers) {
				return nil, p.errf("newcomer %d out of range", i)
			}
			if size < 1 {
				return nil, p.errf("size must be >= 1")
			}
			if sizeSeen == nil {
				if int64(in.Newcomers) > int64(len(d)/6+1) {
					return nil, p.errf("n lines for %d newcomers cannot fit in the file", in.Newcomers)
				}
				sizeSeen = make([]bool, in.Newcomers)
				in.Size = make([]int32, in.Newcomers)
			}
			if sizeSeen[i] {
				return nil, p.errf("second n line for newcomer %d", i)
			}
			sizeSeen[i] = true
			in.Size[i] = int32(size)
			nSizes++
		case 'h':
			j, err := p.field(maxCount)
			if err != nil {
				return nil, err
			}
			cp, err := p.field(1<<31 - 1)
			if err != nil {
				return nil, err
			}
			if j >= int64(len(hostSeen)) {
				return nil, p.errf("host %d out of range", j)
			}
			if hostSeen[j] {
				return nil, p.errf("second h line for host %d", j)
			}
			hostSeen[j] = true
			in.Capacity[j] = int32(cp)
			nHost++
		case 'e':
			i, err := p.field(maxCount)
			if err != nil {
				return nil, err
			}
			j, err := p.field(maxCount)
			if err != nil {
				return nil, err
			}
			w, err := p.field(MaxScore)
			if err != nil {
				return nil, err
			}
			if i >= int64(in.Newcomers) {
				return nil, p.errf("newcomer %d out of range", i)
			}
			if j >= int64(len(in.Capacity)) {
				return nil, p.errf("host %d out of range", j)
			}
			if w < 1 {
				return nil, p.errf("score must be >= 1")
			}
			if int64(len(in.Edges)) >= nE {
				return nil, p.errf("more than %d e lines", nE)
			}
			e := Edge{Newcomer: int32(i), Host: int32(j), Score: int32(w)}
			if k := len(in.Edges); k > 0 && sorted {
				q := in.Edges[k-1]
				if q.Newcomer == e.Newcomer && q.Host == e.Host {
					return nil, p.errf("duplicate edge (%d,%d)", i, j)
				}
				if q.Newcomer > e.Newcomer || (q.Newcomer == e.Newcomer && q.Host > e.Host) {
					sorted = false
				}
			}
			if !sorted {
				// Only unsorted files pay for remembering lines, which the
				// duplicate check below needs to name the line.
				if edgeLines == nil {
					edgeLines = p.backfillLines(len(in.Edges))
				}
				edgeLines = append(edgeLines, int32(p.line))
			}
			in.Edges = append(in.Edges, e)
		default:
			return nil, p.errf("unknown record type %q", c)
		}
		if err := p.endLine(); err != nil {
			return nil, err
		}
	}
	if !header {
		return nil, p.errf("no p line")
	}
	p.line = firstLine
	if nSizes != 0 && nSizes != in.Newcomers {
		return nil, p.errf("%d n lines, want 0 or %d", nSizes, in.Newcomers)
	}
	if nHost != len(in.Capacity) {
		return nil, p.errf("%d h lines, want %d", nHost, len(in.Capacity))
	}
	if int64(len(in.Edges)) != nE {
		return nil, p.errf("%d e lines, want %d", len(in.Edges), nE)
	}
	if !sorted {
		if err := dupCheck(in.Edges, edgeLines); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// backfillLines recovers the line numbers of the first k e records by
// rescanning the file; it runs at most once, when the first out-of-order
// edge shows up.
func (p *parser) backfillLines(k int) []int32 {
	lines := make([]int32, 0, k+1)
	line := int32(1)
	bol := true
	for _, c := range p.data[:p.pos] {
		if bol && c == 'e' && len(lines) < k {
			lines = append(lines, line)
		}
		bol = c == '\n'
		if bol {
			line++
		}
	}
	return lines
}

// dupCheck finds a repeated (newcomer, host) pair in unsorted edges and names
// the line of its later occurrence.
func dupCheck(edges []Edge, lines []int32) error {
	perm := make([]int32, len(edges))
	for k := range perm {
		perm[k] = int32(k)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		ea, eb := edges[a], edges[b]
		if ea.Newcomer != eb.Newcomer {
			return int(ea.Newcomer) - int(eb.Newcomer)
		}
		if ea.Host != eb.Host {
			return int(ea.Host) - int(eb.Host)
		}
		return int(a) - int(b)
	})
	for k := 1; k < len(perm); k++ {
		a, b := edges[perm[k-1]], edges[perm[k]]
		if a.Newcomer == b.Newcomer && a.Host == b.Host {
			return fmt.Errorf("%w: line %d: duplicate edge (%d,%d)", ErrSyntax, lines[perm[k]], b.Newcomer, b.Host)
		}
	}
	return nil
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// WriteMatching writes sol in the matching file format of FORMAT.md:
// "s <objective>" and then one "m <newcomer> <host>" line per pair, in
// newcomer order.
func WriteMatching(w io.Writer, sol *Solution) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	buf := make([]byte, 0, 64)
	buf = append(buf, "s "...)
	buf = strconv.AppendInt(buf, sol.Objective, 10)
	buf = append(buf, '\n')
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	for i, h := range sol.HostOf {
		if h < 0 {
			continue
		}
		buf = append(buf[:0], "m "...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(h), 10)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
