package match

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseMATCH1(t *testing.T) {
	t.Parallel()
	const good = "c demo\np match 2 2 3\nh 0 1\nh 1 2\ne 0 0 5\ne 0 1 3\ne 1 1 7\n"
	in, err := ParseMATCH1([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if in.Newcomers != 2 || len(in.Capacity) != 2 || len(in.Edges) != 3 || in.Size != nil {
		t.Fatalf("got %+v", in)
	}
	if got, want := in.Edges[2], (Edge{1, 1, 7}); got != want {
		t.Fatalf("edge 2 = %v, want %v", got, want)
	}
	sized, err := ParseMATCH1([]byte("p match 2 1 1\nn 0 3\nn 1 1\nh 0 4\ne 1 0 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sized.Size; len(got) != 2 || got[0] != 3 || got[1] != 1 {
		t.Fatalf("sizes %v", got)
	}
}

func TestParseMATCH1Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string // substring, always including the line
	}{
		{"empty", "", "line 1: no p line"},
		{"data first", "h 0 1\np match 1 1 0\n", "line 1: data before"},
		{"bad header", "p matching 1 1 0\n", "line 1: expected"},
		{"two headers", "p match 0 0 0\np match 0 0 0\n", "line 2: second p"},
		{"missing number", "p match 1 1\n", "line 1: expected a space"},
		{"letters", "p match 1 1 0\nh 0 x\n", "line 2: expected a non-negative"},
		{"negative", "p match 1 1 0\nh 0 -1\n", "line 2: expected a non-negative"},
		{"trailing", "p match 1 1 0\nh 0 1 9\n", "line 2: unexpected"},
		{"host range", "p match 1 1 0\nh 1 1\n", "line 2: host 1 out of range"},
		{"host twice", "p match 1 1 0\nh 0 1\nh 0 1\n", "line 3: second h"},
		{"too few hosts", "p match 1 2 0\nh 0 1\n", "line 1: 1 h lines, want 2"},
		{"edge newcomer", "p match 1 1 1\nh 0 1\ne 1 0 1\n", "line 3: newcomer 1 out of range"},
		{"edge host", "p match 1 1 1\nh 0 1\ne 0 3 1\n", "line 3: host 3 out of range"},
		{"zero score", "p match 1 1 1\nh 0 1\ne 0 0 0\n", "line 3: score must be"},
		{"huge score", "p match 1 1 1\nh 0 1\ne 0 0 99999999\n", "line 3: number out of range"},
		{"too many edges", "p match 1 1 0\nh 0 1\ne 0 0 1\n", "line 3: more than 0"},
		{"too few edges", "p match 1 1 1\nh 0 1\n", "line 1: 0 e lines, want 1"},
		{"duplicate sorted", "p match 1 1 2\nh 0 1\ne 0 0 1\ne 0 0 2\n", "line 4: duplicate"},
		{"duplicate unsorted", "p match 2 2 3\nh 0 1\nh 1 1\ne 1 0 1\ne 0 1 1\ne 1 0 2\n", "line 6: duplicate"},
		{"size zero", "p match 1 1 0\nn 0 0\nh 0 1\n", "line 2: size must be"},
		{"some sizes", "p match 2 1 0\nn 0 2\nh 0 1\n", "line 1: 1 n lines, want 0 or 2"},
		{"unknown", "p match 0 0 0\nx\n", "line 2: unknown record"},
		{"lying header", "p match 1 999999 0\n", "line 1: header claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMATCH1([]byte(tt.in))
			if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestWriteMatching(t *testing.T) {
	t.Parallel()
	sol := &Solution{HostOf: []int32{1, Unmatched, 0}, Objective: 12}
	var b bytes.Buffer
	if err := WriteMatching(&b, sol); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "s 12\nm 0 1\nm 2 0\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// FuzzParse checks that no input makes the parser panic, that every error
// names a line, and that whatever parses also solves and verifies.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"p match 2 2 3\nh 0 1\nh 1 2\ne 0 0 5\ne 0 1 3\ne 1 1 7\n",
		"c x\np match 2 1 1\nn 0 3\nn 1 1\nh 0 4\ne 1 0 2\n",
		"p match 0 0 0\n",
		"p match 1 1 1\nh 0 1\ne 0 0 1",
		"p match 2 2 2\r\nh 0 1\r\nh 1 1\r\ne 1 1 9\r\ne 0 0 9\r\n",
		"p match 3 1 0\nh 0 0\n\n\nc end\n",
		"p match 1 1 1\nh 0 1\ne 0 0 1\ne 0 0 1\n",
		"e 0 0 1\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseMATCH1(data)
		if err != nil {
			if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "line ") {
				t.Fatalf("error without line: %v", err)
			}
			return
		}
		if in.Newcomers > 1<<16 {
			return // a valid but huge empty instance: not worth solving here
		}
		sol, err := Solve(in)
		if err != nil {
			t.Fatalf("parsed but did not solve: %v", err)
		}
		if _, err := Verify(in, sol); err != nil {
			t.Fatal(err)
		}
	})
}
