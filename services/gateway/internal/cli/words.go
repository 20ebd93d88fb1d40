package cli

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/BurntSushi/toml"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// mp speaks the coordinator's language: Swedish unless the user's web app
// language (saved by mp login) or MP_LANG says English. Testers read enum
// codes (SWEDISH_LEVEL_SFI_A) and internal words ("running snapshot") in
// its output. Labels the web app already has (statuses, levels, phases,
// reasons) and sentences (with their placeholders) come from the
// gateway's catalogue (package catalog, which the web app prints from),
// so both say the same words and there is one copy to translate; the
// sentences only mp prints are in locales/cli.LANG.toml beside this file.

//go:embed locales/*.toml
var localeFS embed.FS

// words is one language's text: mp's own messages and the web's labels.
type words struct {
	lang string
	own  map[string]string
	web  map[string]string
}

var (
	wordsMu    sync.Mutex
	wordsCache = map[string]*words{}
)

// langOf picks mp's language from MP_LANG, then the saved web app
// language; Swedish is the default, English the only other language mp
// has its own text in.
func langOf(env, saved string) string {
	for _, l := range []string{env, saved} {
		switch strings.ToLower(strings.TrimSpace(l)) {
		case "en":
			return "en"
		case "sv":
			return "sv"
		}
	}
	return "sv"
}

// wordsIn loads (once) the text of lang, "sv" or "en".
func wordsIn(lang string) *words {
	wordsMu.Lock()
	defer wordsMu.Unlock()
	if w, ok := wordsCache[lang]; ok {
		return w
	}
	w := &words{lang: lang, own: map[string]string{}, web: catalog.Plain(lang)}
	// The files are embedded and a test reads every one: an error here
	// is a broken build, shown as the keys themselves.
	if b, err := localeFS.ReadFile("locales/cli." + lang + ".toml"); err == nil {
		_ = toml.Unmarshal(b, &w.own)
	}
	wordsCache[lang] = w
	return w
}

// words returns the language of this run (Swedish when Run did not set
// one, as in tests that call a command directly).
func (e Env) words() *words {
	if e.lang != "" {
		return wordsIn(e.lang)
	}
	return wordsIn("sv")
}

// t is mp's own message key, else the web's label key, else the key.
func (e Env) t(key string) string {
	w := e.words()
	if s, ok := w.own[key]; ok {
		return s
	}
	if s, ok := w.web[key]; ok {
		return s
	}
	return key
}

// f is t's message with its fmt verbs filled.
func (e Env) f(key string, args ...any) string { return fmt.Sprintf(e.t(key), args...) }

// d is a message of the gateway's catalogue with its placeholders
// ({{.Months}}) filled from kv ("Months", 24, ...): the web app's
// sentences, in mp's language, not copies of them.
func (e Env) d(key string, kv ...any) string {
	data := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return catalog.Data(e.words().lang, key, data, nil)
}

// has reports whether the gateway's catalogue has key.
func (e Env) has(key string) bool { return catalog.Has(e.words().lang, key) }

// code is an enum value in words: the web's label prefix+tail (tail is
// the value's name without its enum prefix, lower case), else mp's own,
// else the tail made readable ("no_host_in_reach" as "no host in reach"),
// never the code.
func (e Env) code(labelPrefix, name, enumPrefix string) string {
	tail := strings.ToLower(strings.TrimPrefix(name, enumPrefix))
	if s := e.t(labelPrefix + tail); s != labelPrefix+tail {
		return s
	}
	return strings.ReplaceAll(tail, "_", " ")
}

var (
	englishOnce sync.Once
	englishKeys map[string]string
)

// fromEnglish is a service's English sentence in mp's language: the web's
// English catalogue holds the services' sentences word for word
// ("no residence permit recorded" is guides.why.no_permit), so the key
// found by its English text gives the Swedish. A sentence the catalogue
// lacks stays as the service wrote it.
func (e Env) fromEnglish(s string) string {
	w := e.words()
	if w.lang == "en" || s == "" {
		return s
	}
	englishOnce.Do(func() {
		englishKeys = map[string]string{}
		for k, v := range catalog.Plain("en") {
			if strings.Contains(k, ".csv.") {
				// CSV column headers ("entitled" as a header is
				// "har_rätt") are names, not the service's words.
				continue
			}
			// Keys sorted would be stabler, but a sentence is in the
			// catalogue once; only single words repeat ("entitled" as
			// a reason's head), and the smallest key is the label.
			if _, dup := englishKeys[v]; !dup || k < englishKeys[v] {
				englishKeys[v] = k
			}
		}
	})
	if k, ok := englishKeys[s]; ok {
		if t, ok := w.web[k]; ok {
			return t
		}
	}
	return s
}

// level is a Swedish level as the web app shows it ("SFI B", "flytande").
func (e Env) level(l typev1.SwedishLevel) string { return catalog.Level(e.words().lang, l) }

// lowerFirst is a label used inside a line: the web's column heads and
// list items begin with a capital ("Platser"), a word in a sentence not;
// an abbreviation ("SMS only", "SFI B") keeps its capitals.
func lowerFirst(s string) string {
	rs := []rune(s)
	if len(rs) == 0 || len(rs) > 1 && unicode.IsUpper(rs[1]) {
		return s
	}
	return string(unicode.ToLower(rs[0])) + string(rs[1:])
}

// decimal is x with prec decimals, with a decimal comma in Swedish
// ("27,3"), as the web app writes its shares.
func (e Env) decimal(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if e.words().lang == "sv" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}
