package consent

import (
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// Check adds a violation to v, under field ("consent",
// "participant.consents[0]"), when c names no published text: a purpose
// without texts (follow-up), a version of its purpose's text that was
// never published, or a language that version is not written in. The
// participants service checks only the form of a version and a language
// (ADR 0120); the gateway holds the texts, so it is where a consent to
// "2099-99" in German, which no page can show, is refused (ADR 0126).
//
// What the service reports itself is left to it, so a caller reads one
// violation per problem: an unset or undeclared purpose, an empty
// version or language. The caller's values are never repeated, only the
// published ones listed.
func (s *Set) Check(v *apperr.Validator, field string, c *participantsv1.Consent) {
	p, version, lang := c.GetPurpose(), c.GetTextVersion(), c.GetLanguage()
	if _, declared := eventsv1.ConsentPurpose_name[int32(p)]; !declared || p == eventsv1.ConsentPurpose_CONSENT_PURPOSE_UNSPECIFIED {
		return
	}
	if Slug(p) == "" {
		v.Add(field+".purpose", "has no published consent text; consents are recorded for "+strings.Join(slugs(), ", "))
		return
	}
	if version == "" {
		return
	}
	if !s.Has(p, version) {
		v.Add(field+".text_version", "is not a published version of the "+Slug(p)+" consent text (published: "+strings.Join(s.Versions(p), ", ")+")")
		return
	}
	if lang == "" {
		return
	}
	if _, ok := s.Get(p, version, lang); !ok {
		v.Add(field+".language", "version "+version+" of the "+Slug(p)+" consent text is not written in this language (it is in "+
			strings.Join(s.Langs(p, version), ", ")+"); record the language the text was shown in")
	}
}

// slugs names every purpose with texts, in Purposes' order.
func slugs() []string {
	out := make([]string, len(Purposes))
	for i, p := range Purposes {
		out[i] = Slug(p)
	}
	return out
}
