package organisation

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestLookalikeNamesRefused: outside47 (ADR 0260) registered "Röda
// Korset Kalmar" typed with a combining diaeresis beside the seeded one,
// and the pickers showed two alike. Names are now compared under NFKC
// with invisible format characters dropped (ADR 0264): the decomposed
// spelling, a full-width "４７", a no-break space and a zero-width
// joiner between words are all the taken name, refused AlreadyExists in
// its words, through the service with its claims as the server wires it.
// A rename to a lookalike is refused alike; Malmo beside Malmö still
// registers.
func TestLookalikeNamesRefused(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s, _ := namedReplica(t, n, nil)
	for _, name := range []string{"Röda Korset Kalmar", "Föreningen 47", "Läxhjälpen"} {
		if _, err := s.Create(ctx, admin, association(name), ""); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
	}
	for _, name := range []string{
		"Ro\u0308da Korset Kalmar", // o and a combining diaeresis
		"RO\u0308DA KORSET KALMAR", // and upper case
		"Röda\u00a0Korset Kalmar",  // a no-break space
		"Röda\u3000Korset  Kalmar", // an ideographic space, two spaces
		"Föreningen ４７",            // full-width digits
		"Ｆöreningen 47",            // a full-width letter
		"La\u0308xhja\u0308lpen",   // two decomposed letters
		"Röda Korset Kal\u200dmar", // a zero-width joiner in a word (let in, as in people's names)
	} {
		_, err := s.Create(ctx, admin, association(name), "")
		if apperr.ErrorCode(err) != apperr.AlreadyExists || !strings.Contains(apperr.ErrorMessage(err), NameTakenText) {
			t.Errorf("%q: %v, want AlreadyExists %q", name, err, NameTakenText)
		}
	}
	for _, name := range []string{"Röda Korset Kalmar", "Föreningen 47", "Läxhjälpen"} {
		if got := liveNamed(t, s, name); got != 1 {
			t.Errorf("%q: %d live, want 1", name, got)
		}
	}
	other, err := s.Create(ctx, admin, association("Röda Korset Malmo"), "")
	if err != nil {
		t.Fatalf("Malmo beside Malmö: %v", err)
	}
	other.Name = "Ro\u0308da Korset Kalmar"
	if _, err := s.Update(ctx, admin, other, []string{"name"}); apperr.ErrorCode(err) != apperr.AlreadyExists {
		t.Errorf("a rename to a lookalike: %v, want AlreadyExists", err)
	}
}

// TestNameStoredInNFCWithPlainSpaces: what was typed is stored NFC with
// every Unicode space a space (people.NormName, as people's names are),
// so the list and the pickers sort and search it as the one spelling.
func TestNameStoredInNFCWithPlainSpaces(t *testing.T) {
	t.Parallel()
	s, _ := namedReplica(t, testutil.MustNATS(t), nil)
	ctx := testutil.Context(t)
	o, err := s.Create(ctx, admin, association("Ro\u0308da\u00a0Korset Va\u0308xjo\u0308"), "")
	if err != nil {
		t.Fatal(err)
	}
	if o.GetName() != "Röda Korset Växjö" {
		t.Errorf("stored %q, want %q", o.GetName(), "Röda Korset Växjö")
	}
	o.Name = "Röda Korset\u202fVäxjö stad"
	o, err = s.Update(ctx, admin, o, []string{"name"})
	if err != nil {
		t.Fatal(err)
	}
	if o.GetName() != "Röda Korset Växjö stad" {
		t.Errorf("renamed to %q, want %q", o.GetName(), "Röda Korset Växjö stad")
	}
}

// TestInvisibleCharactersRefusedInWords: a soft hyphen, a zero-width
// space or a direction mark in a name was refused as "must not contain
// control characters", which they are not; a no-break space was refused
// alike and is a space (ADR 0264). A tab is still a control character.
func TestInvisibleCharactersRefusedInWords(t *testing.T) {
	t.Parallel()
	s, _ := namedReplica(t, testutil.MustNATS(t), nil)
	ctx := testutil.Context(t)
	for name, want := range map[string]string{
		"Röda Kor\u00adset Kalmar":    people.InvisibleProblem,
		"Röda\u200bKorset Kalmar":     people.InvisibleProblem,
		"Röda Korset \u202eramlaK":    people.InvisibleProblem,
		"Röda Korset Kalmar\u200e!":   people.InvisibleProblem,
		"\ufeffRöda Korset Kalmar":    people.InvisibleProblem,
		"Röda Korset\tKalmar":         people.ControlProblem,
		"Röda Korset\u00a0Kalmar ABF": "",
		// A name of joiners alone was an organisation listed blank, and
		// a joiner beside a space joins nothing (ADR 0267).
		"\u200d":                 people.InvisibleProblem,
		"\u200c\u200d":           people.InvisibleProblem,
		"Röda Korset\u200d Lund": people.InvisibleProblem,
	} {
		_, err := s.Create(ctx, admin, association(name), "")
		got := ""
		for _, fv := range apperr.Violations(err) {
			if fv.Field == "organisation.name" {
				got = fv.Description
			}
		}
		if got != want || (want == "" && err != nil) {
			t.Errorf("%q: %v, want %q", name, err, want)
		}
	}
}

// TestNameKeyUnchangedForOrdinaryNames: claims written before ADR 0264
// stand: a name in NFC with no compatibility characters has the key it
// had (computed here as before: no NFKC, no format characters dropped).
// A decomposed name's key changes, to the composed name's.
func TestNameKeyUnchangedForOrdinaryNames(t *testing.T) {
	t.Parallel()
	oldKey := func(name string) string {
		fields := strings.FieldsFunc(name, unicode.IsSpace)
		sum := sha256.Sum256([]byte(strings.Map(foldRune, strings.Join(fields, " "))))
		return hex.EncodeToString(sum[:16])
	}
	for _, name := range []string{"Röda Korset Kalmar", " RÖDA  korset kalmar ", "Ängelholms Scoutkår", "Föreningen Ås-Öland 2",
		"Svenska kyrkan, Malmö", "Ideella föreningen Ödeshög & Co.", "انجمن افغانها", "Українська громада Umeå"} {
		if !norm.NFC.IsNormalString(name) {
			t.Fatalf("%q is not NFC", name)
		}
		if NameKey(name) != oldKey(name) {
			t.Errorf("%q: key changed", name)
		}
	}
	if NameKey("Ro\u0308da Korset") == oldKey("Ro\u0308da Korset") || NameKey("Ro\u0308da Korset") != oldKey("Röda Korset") {
		t.Error("a decomposed name's key is not the composed name's")
	}
}
