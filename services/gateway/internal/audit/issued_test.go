package audit

import (
	"encoding/hex"
	"strings"
	"testing"
)

// The log keeps a record's id only in a shape the system issues (KeptID,
// ADR 0219, 0221), so the tests record issued ids: issued("p3") is a UUID
// whose last twelve hex digits spell the label, and label turns it back
// into "p3" for a readable comparison. A fixture like "p3" itself would
// be stored as InvalidID, as a name typed into a URL is.

// issued is the UUID a test names label by (at most 6 bytes).
func issued(label string) string {
	if len(label) > 6 {
		panic("a test id's label has at most 6 bytes: " + label)
	}
	h := hex.EncodeToString([]byte(label))
	return "0190a5b0-0000-7000-8000-" + strings.Repeat("0", 12-len(h)) + h
}

// label is the label of an id issued made, else the id as it is.
func label(id string) string {
	tail, ok := strings.CutPrefix(id, "0190a5b0-0000-7000-8000-")
	if !ok {
		return id
	}
	b, err := hex.DecodeString(strings.TrimLeft(tail, "0"))
	if err != nil {
		return id
	}
	return string(b)
}

func TestIssuedTestIDs(t *testing.T) {
	t.Parallel()
	for _, l := range []string{"p0", "u1", "r0997", "late10", "rare"} {
		if id := issued(l); !Issued(id) || label(id) != l {
			t.Errorf("issued(%q) = %q (Issued %v), label %q", l, id, Issued(id), label(id))
		}
	}
}
