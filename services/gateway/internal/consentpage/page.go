// Package consentpage serves the printable consent text page,
// GET /consent/{purpose}/{version}/{lang}: exactly one published text
// (package consent), for a coordinator to read aloud or print and for a
// newcomer to be sent. It is public, like the answer page (ADR 0110), and
// for a simpler reason: the page holds no personal data, only words every
// newcomer of a programme is shown, so neither its address nor its
// content needs a session (ADR 0120). It lives apart from the web app so
// that mp, which prints the same texts, need not link templates.
package consentpage

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/motesplats/motesplats/pkg/lang"
	"github.com/motesplats/motesplats/services/gateway/internal/assets"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
)

//go:embed templates/consent.html words.toml
var files embed.FS

// Route is the page's pattern.
const Route = "/consent/{purpose}/{version}/{lang}"

// words are the page's own words in one language (words.toml).
type words struct {
	Name, Version, Unreviewed, Swedish, Others string
	// NoText and NoTextBody are the not-found page's title and sentence.
	NoText     string `toml:"no_text"`
	NoTextBody string `toml:"no_text_body"`
	// Method and MethodBody are the 405 page's title and sentence.
	Method     string `toml:"method"`
	MethodBody string `toml:"method_body"`
}

// Page serves the consent texts.
type Page struct {
	texts *consent.Set
	words map[string]words
	tpl   *template.Template
	log   *slog.Logger
}

// New builds the page over texts; log may be nil.
func New(texts *consent.Set, log *slog.Logger) (*Page, error) {
	tpl, err := template.New("consent.html").Funcs(template.FuncMap{"asset": assets.Static().URL}).ParseFS(files, "templates/consent.html")
	if err != nil {
		return nil, err
	}
	buf, err := files.ReadFile("words.toml")
	if err != nil {
		return nil, err
	}
	var w map[string]words
	if _, err := toml.Decode(string(buf), &w); err != nil {
		return nil, fmt.Errorf("consent page words: %w", err)
	}
	for _, l := range consent.Languages {
		if x := w[l]; x.Name == "" || x.Version == "" || x.Unreviewed == "" || x.Swedish == "" || x.Others == "" || x.NoText == "" || x.NoTextBody == "" ||
			x.Method == "" || x.MethodBody == "" {
			return nil, fmt.Errorf("consent page words: %s is incomplete", l)
		}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Page{texts: texts, words: w, tpl: tpl, log: log}, nil
}

// Mux is where Register mounts the page: an *http.ServeMux, or the
// gateway's, which also lists its routes for the route guard (ADR 0166).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register adds GET Route to mux.
func (p *Page) Register(mux Mux) { mux.Handle("GET "+Route, http.HandlerFunc(p.show)) }

// other is a link to the same version in another language.
type other struct{ Lang, Dir, Name, Path string }

// view is what the template gets.
type view struct {
	Lang, Dir string
	Text      consent.Text
	Words     words
	// Missing says the asked language has no text of this version, so
	// the Swedish one is shown; AskedSv and AskedEn name the language.
	Missing          bool
	AskedSv, AskedEn string
	// Swedish is the Swedish text below an unreviewed translation.
	Swedish *consent.Text
	Others  []other
}

// show answers GET Route: the text in the asked language, else in Swedish
// with a note saying so in Swedish and English (a consent recorded in a
// language the version lacks, as the demo data's old ones, still shows
// what applies). An unknown purpose or version is 404.
func (p *Page) show(rw http.ResponseWriter, r *http.Request) {
	purpose, ok := consent.PurposeOf(r.PathValue("purpose"))
	version, asked := r.PathValue("version"), r.PathValue("lang")
	// A language is one a consent can record (pkg/lang, as the
	// participants service checks it): "xx" answered 200 with "finns inte
	// på xx" (ADR 0126).
	if !ok || !p.texts.Has(purpose, version) || !lang.Valid(asked) {
		p.notFound(rw, r)
		return
	}
	shown := p.texts.ShownIn(purpose, version, asked)
	t, _ := p.texts.Get(purpose, version, shown)
	v := view{Lang: shown, Dir: consent.Dir(shown), Text: t, Words: p.words[shown], Missing: shown != asked}
	if v.Missing {
		v.AskedSv, v.AskedEn = langName(language.Swedish, asked), langName(language.English, asked)
	}
	if !t.Reviewed {
		sv, _ := p.texts.Get(purpose, version, consent.Fallback)
		v.Swedish = &sv
	}
	for _, l := range p.texts.Langs(purpose, version) {
		if l != shown {
			v.Others = append(v.Others, other{Lang: l, Dir: consent.Dir(l), Name: p.words[l].Name, Path: consent.Path(purpose, version, l)})
		}
	}
	var buf bytes.Buffer
	if err := p.tpl.Execute(&buf, v); err != nil {
		p.log.Error("consent page", "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", shown)
	// A published text never changes, but a version may gain a language
	// (its fallback page then changes), so an hour, not for ever.
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Robots-Tag", "noindex")
	_, _ = rw.Write(buf.Bytes())
}

// notFound is a short page saying the address names no published text
// (a link typed wrong, or a version that never existed), in one language:
// the one the visitor asks for (negotiated as on the answer page, among
// the languages the texts are written in), Swedish when none matches. It
// was Swedish and English at once, whatever the browser asked (ADR 0166,
// Left; ADR 0173).
func (p *Page) notFound(rw http.ResponseWriter, r *http.Request) {
	l := negotiate(r)
	p.short(rw, l, http.StatusNotFound, p.words[l].NoText, p.words[l].NoTextBody)
}

// MethodNotAllowed is the page for Route opened with a method other than
// GET or HEAD (a script's PUT, POST, TRACE ...): 405, "open the link in a
// web browser" in the visitor's language among the texts' eight, chosen
// as for the not-found page, where it was the coordinators' 405 page in
// Swedish or English (ADR 0173 Left, ADR 0180). Not kept (no-store): the
// same address answers GET with the text. The caller sets the Allow
// header; nothing of the request past its head is read.
func (p *Page) MethodNotAllowed() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		l := negotiate(r)
		rw.Header().Set("Cache-Control", "no-store")
		p.short(rw, l, http.StatusMethodNotAllowed, p.words[l].Method, p.words[l].MethodBody)
	})
}

// short writes a page of a title and a sentence in language l.
func (p *Page) short(rw http.ResponseWriter, l string, status int, title, body string) {
	var buf bytes.Buffer
	if err := shortPage.Execute(&buf, struct {
		Lang, Dir, CSS, Title, Body string
	}{l, consent.Dir(l), assets.Static().URL("consent.css"), title, body}); err != nil {
		p.log.Error("consent page: short page", "status", status, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", l)
	h.Set("Vary", "Accept-Language, Cookie")
	h.Set("X-Robots-Tag", "noindex")
	rw.WriteHeader(status)
	_, _ = rw.Write(buf.Bytes())
}

// shortPage is the not-found and the 405 page.
var shortPage = template.Must(template.New("short").Parse(`<!doctype html><html lang="{{.Lang}}" dir="{{.Dir}}"><head><meta charset="utf-8">` +
	`<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}} · Mötesplats</title>` +
	`<link rel="stylesheet" href="{{.CSS}}"></head><body class="consent"><main id="main"><h1>{{.Title}}</h1>` +
	`<p>{{.Body}}</p></main></body></html>`))

// matcher matches a browser's languages to the texts' (consent.Languages;
// Dari, "prs", is CLDR's fa-AF).
var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(consent.Languages))
	for i, l := range consent.Languages {
		tags[i] = tagOf(l)
	}
	return language.NewMatcher(tags)
}()

// tagOf is code's tag for matching.
func tagOf(code string) language.Tag {
	if code == "prs" {
		return language.MustParse("fa-AF")
	}
	return language.Make(code)
}

// negotiate is the language a page for r is shown in, as the other pages
// choose it: the web app's language cookie (mp_lang) when the texts have
// it, else the best match of the browser's Accept-Language, else Swedish.
func negotiate(r *http.Request) string {
	if c, err := r.Cookie("mp_lang"); err == nil && slices.Contains(consent.Languages, c.Value) {
		return c.Value
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return consent.Fallback
	}
	for i, t := range tags {
		// A browser may say Dari as "prs".
		if b, _ := t.Base(); b.String() == "prs" {
			tags[i] = tagOf("prs")
		}
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return consent.Fallback
	}
	return consent.Languages[i]
}

// langName names code in the language in: "arabiska", "Arabic". Dari
// ("prs") is CLDR's fa-AF, whose name CLDR gives as Persian's.
func langName(in language.Tag, code string) string {
	if code == "prs" {
		if in == language.Swedish {
			return "dari"
		}
		return "Dari"
	}
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := display.Tags(in).Name(tag); n != "" {
		return n
	}
	return code
}
