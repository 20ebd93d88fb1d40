package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// published holds the SHA-256 of every published text (title, blank line,
// body as shown), by purpose, version and language. A newcomer agreed to
// exactly these words: editing one is a new version, never a change
// here. Publishing a new version or language adds its line.
var published = map[string]string{
	"mentoring 2026-01 sv":  "aa7f046021c700fe2a7ccda268e9b1b6c1dbe998ddfe883bfee5caebddd8ad27",
	"mentoring 2026-01 en":  "fa8a73abd3a4a241cbea92e791650a8bbe3664fd07e3c0f6511ee00521c188d1",
	"mentoring 2026-12 sv":  "173b392ca1153bc22b5612b3f4b7443a421dec2c89977c71a5b9fb1be663fe31",
	"mentoring 2026-12 en":  "6ec010a60928b63e885270e3d8c6a57a3381775b895c677d5582cdff9131ef4c",
	"mentoring 2026-12 ar":  "1d60b3fc00c814cdd0ae7ac2b54948688904e4e8de0ddf4f5e4374184f8fdd19",
	"mentoring 2026-12 fa":  "9533d142726dfd0928d53c481a14a8185b45dc1f9ffa8e6f93f70bbcfb20b8f9",
	"mentoring 2026-12 prs": "bb5e12a3a6c6ff74fc4428d628665347a17c404b3784a100766690f9a2c6dce4",
	"mentoring 2026-12 ti":  "d64551fcefa37fda2cb9cc5726d55c2c93f7528fdcb5c4f23ba3087fe92d6955",
	"mentoring 2026-12 so":  "ca5200daee166495c68cc7f1f4d2ab0593d2473659887d7c1a72fea279b60dd1",
	"mentoring 2026-12 uk":  "81e99c81b7300cb43967352fe99a2afb8e20d18862fa0e83f6123fa505b0351c",
	"dinners 2026-01 sv":    "6d3f7653037e3bc290b918e41e89759540e51a07514542044f226778ab4b7ccf",
	"dinners 2026-01 en":    "3223ed47bb007877ba082ad8e8d927fb2c3dd6185f026060a39052599584741d",
	"dinners 2026-12 sv":    "4ecee56e903bc9b71b57970ed0fe6881ed052a1afdca0f9f70d195c0a8f59980",
	"dinners 2026-12 en":    "04a81ceb486791bc8c95612b1023f09a24c324e51f9c64ed77154ce7b6362d16",
	"dinners 2026-12 ar":    "a3194e422e9a4bb4e54fe2ce3da67a1c4f68d5f2913d56c001042db2a37f1645",
	"dinners 2026-12 fa":    "45c8a39179fdaaa6b9c4563b845237e89b78218d634048b5bd5bef7b17a742f5",
	"dinners 2026-12 prs":   "1be3ad6ff1bf5d6f1156d44f2b97222f0a5218a4d89ce6071d6f1c5349d4c75e",
	"dinners 2026-12 ti":    "7fea565bb3d1222ffa19a6f1cdc99e9ac3a8408bfa81e686d97767a9d33c3fbb",
	"dinners 2026-12 so":    "2ba527e81e495f9c4fe1ac257e677982421705094443bac9ed6feb0783c3663f",
	"dinners 2026-12 uk":    "9a67cf48e39aea9bf64c4799421b602bd3d8a6042c913bbfbc3bc2e75f64f900",
	"guides 2026-01 sv":     "6b418802f75bdae2f00244595c0fb866fef05ddb8352833b6bdfebaa010c81f5",
	"guides 2026-01 en":     "d3c28663d7bdbcf5bd97d407610822018bd2a5db1cdcc27d733cfca07c2a1311",
	"guides 2026-12 sv":     "966158560d09a7928d25eb52239cfdce3fa9cb632ee14a0fdf29ad1dba4dff79",
	"guides 2026-12 en":     "44c8d4d856f9057a92bae6244afc6fa146c235cf0ec21d85b701bb40303f6db8",
	"guides 2026-12 ar":     "061c21c40e8b91e5c5a18a1e3b6897d0888c16ad1c7f538495adb57c1bd76eed",
	"guides 2026-12 fa":     "44bbd2abe2ee8ee7ac5d554607069d97b63a67b2ba6333cc5632ecdc2a369dbc",
	"guides 2026-12 prs":    "c3e068a96f0795d6da39ca98fa9b51d4721f1a7b1eb8a0c82a7d017c52110423",
	"guides 2026-12 ti":     "a04c6ec57106b75647a5755d8e4d7b9f33c5c100f36536fc9e68e21ba483ff7e",
	"guides 2026-12 so":     "72f497c08af1d2ba3da20e92981a9189fc4b9a18b988ce2abf9d8c971a82d681",
	"guides 2026-12 uk":     "f6b3a42251ebd60dac7832ce7f399ee1a7c603c35f8fdce799a0d7fe4ae607e5",
}

func textHash(t Text) string {
	sum := sha256.Sum256([]byte(t.Title + "\n\n" + t.Body()))
	return hex.EncodeToString(sum[:])
}

func textKey(t Text) string { return Slug(t.Purpose) + " " + t.Version + " " + t.Lang }

// TestPublishedTextsNeverChange fails when a published text's words
// changed, when one was removed (a recorded consent would point at
// nothing), and when a text is new and its hash not yet recorded here.
func TestPublishedTextsNeverChange(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	Texts().Each(func(tx Text) {
		k, h := textKey(tx), textHash(tx)
		seen[k] = true
		switch want, ok := published[k]; {
		case !ok:
			t.Errorf("%s is not recorded as published; add %q: %q to published (once its wording is final)", k, k, h)
		case want != h:
			t.Errorf("%s was published and has changed (hash %s, published %s): put the new wording in a new version file and restore this one", k, h, want)
		}
	})
	for k := range published {
		if !seen[k] {
			t.Errorf("published text %s is gone: consents recorded against it could no longer be shown", k)
		}
	}
}

// TestEveryLanguageHasTheCurrentText: each purpose's current version is
// written in every language the answer pages speak, sv and en reviewed.
func TestEveryLanguageHasTheCurrentText(t *testing.T) {
	t.Parallel()
	s := Texts()
	for _, p := range Purposes {
		v := s.Current(p)
		if got := s.Langs(p, v); strings.Join(got, ",") != strings.Join(Languages, ",") {
			t.Errorf("%s %s: languages %v, want %v", Slug(p), v, got, Languages)
		}
		for _, l := range []string{"sv", "en"} {
			if tx, _ := s.Get(p, v, l); !tx.Reviewed {
				t.Errorf("%s %s %s: not marked reviewed", Slug(p), v, l)
			}
		}
		if tx, _ := s.Get(p, v, "ar"); tx.Reviewed {
			t.Errorf("%s %s ar: marked reviewed, but no native speaker has read it", Slug(p), v)
		}
	}
}

// testFile is a texts/ file with a Swedish text and one more language.
func testFile(purpose, version string) string {
	return fmt.Sprintf("purpose = %q\nversion = %q\npublished = \"2026-12-01\"\nreviewed = [\"sv\"]\n"+
		"[text.sv]\ntitle = \"T %[1]s %[2]s\"\nbody = \"\"\"\nFirst line\nwraps.\n\nSecond.\n\"\"\"\n"+
		"[text.ar]\ntitle = \"A\"\nbody = \"B\"\n", purpose, version)
}

// TestEachPurposeHasItsVersion: a purpose's current version is its own
// newest file, the language falls back to Swedish when a version lacks
// it, and Record carries both.
func TestEachPurposeHasItsVersion(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{}
	for _, f := range [][2]string{{"mentoring", "2026-01"}, {"mentoring", "2027-03"}, {"dinners", "2026-01"}, {"guides", "2026-12"}, {"guides", "2026-12b"}} {
		fsys["texts/"+f[0]+"-"+f[1]+".toml"] = &fstest.MapFile{Data: []byte(testFile(f[0], f[1]))}
	}
	s, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		purpose       eventsv1.ConsentPurpose
		lang          string
		version, want string
	}{
		{eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, "ar", "2027-03", "ar"},
		{eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, "ti", "2026-01", "sv"},
		{eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES, "", "2026-12b", "sv"},
	} {
		c := s.Record(tc.purpose, tc.lang)
		if c.GetTextVersion() != tc.version || c.GetLanguage() != tc.want || c.GetPurpose() != tc.purpose {
			t.Errorf("Record(%s, %q) = %v, want version %s in %s", Slug(tc.purpose), tc.lang, c, tc.version, tc.want)
		}
	}
	tx, ok := s.Get(eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, "2026-01", "sv")
	if !ok || tx.Title != "T mentoring 2026-01" || strings.Join(tx.Paragraphs, "|") != "First line wraps.|Second." || !tx.Reviewed {
		t.Errorf("mentoring 2026-01 sv = %+v, %v", tx, ok)
	}
	if tx, _ := s.Get(eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, "2026-01", "ar"); tx.Reviewed {
		t.Error("ar is marked reviewed; the file lists sv only")
	}
}

// TestLoadRefuses: files that would make a recorded version ambiguous or
// unshowable are refused when the program starts, not when a newcomer
// asks for the text.
func TestLoadRefuses(t *testing.T) {
	t.Parallel()
	good := testFile("mentoring", "2026-12")
	others := fstest.MapFS{
		"texts/dinners-2026-12.toml": {Data: []byte(testFile("dinners", "2026-12"))},
		"texts/guides-2026-12.toml":  {Data: []byte(testFile("guides", "2026-12"))},
	}
	for _, tc := range []struct{ name, file, data string }{
		{"misnamed", "mentoring-2026-11.toml", good},
		{"bad version", "mentoring-v1.toml", strings.Replace(good, `"2026-12"`, `"v1"`, 1)},
		{"unknown purpose", "homework-2026-12.toml", strings.Replace(good, `"mentoring"`, `"homework"`, 1)},
		{"no Swedish", "mentoring-2026-12.toml", strings.Replace(good, "[text.sv]", "[text.en]", 1)},
		{"unknown language", "mentoring-2026-12.toml", strings.Replace(good, "[text.ar]", "[text.de]", 1)},
		{"empty body", "mentoring-2026-12.toml", strings.Replace(good, `body = "B"`, `body = "  "`, 1)},
		{"unknown key", "mentoring-2026-12.toml", good + "draft = true\n"},
	} {
		fsys := fstest.MapFS{"texts/" + tc.file: {Data: []byte(tc.data)}}
		for k, v := range others {
			fsys[k] = v
		}
		if _, err := Load(fsys); err == nil {
			t.Errorf("%s: loaded", tc.name)
		}
	}
	fsys := fstest.MapFS{"texts/mentoring-2026-12.toml": {Data: []byte(good)}}
	for k, v := range others {
		fsys[k] = v
	}
	if _, err := Load(fsys); err != nil {
		t.Errorf("the good files: %v", err)
	}
}

// TestAddresses: the page's path and direction per language.
func TestAddresses(t *testing.T) {
	t.Parallel()
	if got := Path(eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES, "2026-12", "prs"); got != "/consent/guides/2026-12/prs" {
		t.Errorf("Path = %s", got)
	}
	for l, want := range map[string]string{"ar": "rtl", "fa": "rtl", "prs": "rtl", "sv": "ltr", "ti": "ltr", "uk": "ltr"} {
		if got := Dir(l); got != want {
			t.Errorf("Dir(%s) = %s, want %s", l, got, want)
		}
	}
	if p, ok := PurposeOf("dinners"); !ok || p != eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS {
		t.Errorf("PurposeOf(dinners) = %v, %v", p, ok)
	}
	if _, ok := PurposeOf("unspecified"); ok {
		t.Error("PurposeOf(unspecified) names a purpose")
	}
}
