package store

import (
	"testing"
	"unsafe"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestIndexSharesCodes: with Config.Share, the records the index keeps,
// whether this replica wrote them or its watch brought another's, hold
// one copy of a code they share (ADR 0204); without it each record keeps
// the copy decoded from its entry.
func TestIndexSharesCodes(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	share := func(f *facts) { f.MunicipalityCode = Canonical(f.MunicipalityCode) }
	r := openFacts(t, n.JS, func(c *Config[*facts]) { c.Share = share })
	other := openFacts(t, n.JS, func(c *Config[*facts]) { c.Share = share })
	// Codes made at run time: never the same memory unless shared.
	code := func() string { return string([]byte("0180")) }
	if _, err := r.Create(ctx, "p1", &facts{MunicipalityCode: code()}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Create(ctx, "p2", &facts{MunicipalityCode: code()}); err != nil {
		t.Fatal(err)
	}
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	own, ok1 := r.Lookup("p1")
	watched, ok2 := r.Lookup("p2")
	if !ok1 || !ok2 {
		t.Fatalf("lookup: %v %v", ok1, ok2)
	}
	a, b := own.GetMunicipalityCode(), watched.GetMunicipalityCode()
	if a != "0180" || b != "0180" {
		t.Fatalf("codes %q %q, want 0180", a, b)
	}
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("the index keeps a copy of the code per record")
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	a, b := string([]byte("ar")), string([]byte("ar"))
	if unsafe.StringData(Canonical(a)) != unsafe.StringData(Canonical(b)) || Canonical(a) != "ar" {
		t.Error("Canonical gave two copies of one value")
	}
	if Canonical("") != "" {
		t.Error("Canonical of the empty string")
	}
	ss := []string{a, b}
	CanonicalAll(ss)
	if unsafe.StringData(ss[0]) != unsafe.StringData(ss[1]) {
		t.Error("CanonicalAll left two copies")
	}
}
