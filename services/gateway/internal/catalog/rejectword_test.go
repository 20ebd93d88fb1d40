package catalog

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// avsla finds the verb "avslå" in any of its forms (avslå, avslår, avslås,
// avslog, avslogs, avslaget, avslagna): the word mentoring's pages used for
// the act dinners and guides call "avvisa".
var avsla = regexp.MustCompile(`(?i)(^|[^\p{L}])avsl(å|og|ag)`)

// TestOneWordForRejecting: a coordinator turning down a proposal read
// "Avslå" on mentoring's pages, its flash "Avslaget.", its audit entry
// "avslog" and mp's help "avslå ett förslag", but "Avvisa" on dinners' and
// guides' pages for the same act (ADR 0236). The Swedish files, the web's
// and mp's, now say "avvisa" in every form, and each programme's reject
// button reads the same in every coordinator language.
func TestOneWordForRejecting(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"locales", "../cli/locales"} {
		files, err := fs.Glob(os.DirFS(dir), "*.sv.toml")
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Swedish files (%v)", dir, err)
		}
		for _, name := range files {
			b, err := os.ReadFile(dir + "/" + name)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if avsla.MatchString(line) {
					t.Errorf("%s/%s:%d says avslå, want avvisa: %s", dir, name, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
	buttons := []string{"m.reject", "dinners.reject", "guides.reject"}
	for _, locale := range []string{"sv", "en", "ar"} {
		words := map[string][]string{}
		for _, key := range buttons {
			w := Text(locale, key)
			words[w] = append(words[w], key)
		}
		if len(words) != 1 {
			t.Errorf("%s: the reject buttons read %v, want one word", locale, words)
		}
	}
	if got := Text("sv", "m.reject"); got != "Avvisa" {
		t.Errorf("sv m.reject = %q, want Avvisa", got)
	}
}
