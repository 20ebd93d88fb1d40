package web

import (
	"fmt"
	"html/template"
	"strings"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// localeFuncs are the template functions that print words: each looks its
// word up in the locale's catalogue (issue 12: statuses, job phases and
// states, score rules, levels and report labels were printed in English
// in the Swedish app). A value the catalogue lacks falls back to the
// readable form of its code, never to nothing.
func localeFuncs(locale string) template.FuncMap {
	word := func(prefix, code string) string {
		code = strings.ToLower(code)
		if s := translate(locale, prefix+code); s != prefix+code {
			return s
		}
		return strings.ReplaceAll(code, "_", " ")
	}
	// auditWhat is one entry's action in words, its number aside.
	auditWhat := func(e *gatewayv1.AuditEntry) string {
		channel := " (" + word("audit.channel.", e.GetChannel()) + ")"
		// A sign-in is said whole, with how it came ("loggade in med
		// lösenord"), not as an action on a record (ADR 0218).
		key := "audit.what." + strings.ToLower(e.GetAction()+"."+e.GetResourceType())
		if s := translate(locale, key); s != key {
			return s + channel
		}
		action := word("audit.action.", e.GetAction())
		// notify records each message it sent as notify_<template>:
		// "skickade förslag på mentor till nyanländ".
		if kind, ok := strings.CutPrefix(e.GetAction(), "notify_"); ok {
			key := "mailbox.tpl.TEMPLATE_" + strings.ToUpper(kind)
			if label := translate(locale, key); label != key {
				action = translateData(locale, "audit.action.notify", map[string]any{"Kind": label}, nil)
			}
		}
		return action + " " + word("audit.resource.", e.GetResourceType()) + channel
	}
	return template.FuncMap{
		"t": func(key string) string { return translate(locale, key) },
		// tn is a message with plural forms: {{tn "m.count" 3}} is
		// "3 förslag" ({{.Count}} in the message is the number).
		"tn": func(key string, n any, kv ...any) string { return translateData(locale, key, pairs(kv), n) },
		// tf is a message with placeholders: {{tf "page.range" "From" 1 "To" 50 "Total" 266}}.
		"tf": func(key string, kv ...any) string { return translateData(locale, key, pairs(kv), nil) },
		// num is a count with its thousands grouped as the language
		// writes them ("2 000 nyanlända"; see grouped).
		"num": func(n any) string {
			switch v := n.(type) {
			case int:
				return grouped(&page{Lang: locale}, int64(v))
			case int32:
				return grouped(&page{Lang: locale}, int64(v))
			case int64:
				return grouped(&page{Lang: locale}, v)
			}
			return fmt.Sprint(n)
		},
		"status": func(s eventsv1.PairStatus) string {
			return word("status.", strings.TrimPrefix(s.String(), "PAIR_STATUS_"))
		},
		"jobState": func(s mentoringv1.JobState) string {
			return word("state.", strings.TrimPrefix(s.String(), "JOB_STATE_"))
		},
		"phase": func(s string) string { return word("phase.", s) },
		// auditWhat is an audit entry's action in words ("läste
		// nyanländ (webb)"); codes the catalogue lacks stay readable. A
		// tally of refusals (ADR 0221) says its number: the attempts
		// after the minute's first, which has an entry of its own.
		"auditWhat": func(e *gatewayv1.AuditEntry) string {
			n := int(e.GetCount())
			if n <= 0 {
				return auditWhat(e)
			}
			key := "audit.count." + strings.ToLower(e.GetAction()+"."+e.GetResourceType())
			if s := translateData(locale, key, nil, n); s != key {
				return s + " (" + word("audit.channel.", e.GetChannel()) + ")"
			}
			return translateData(locale, "audit.count.other", map[string]any{"What": auditWhat(e)}, n)
		},
		"auditOutcome": func(s string) string { return word("audit.outcome.", s) },
		// langs lists a person's languages by their CLDR names.
		"langs":    func(ls []*typev1.LanguageSkill) string { return langNames(locale, ls) },
		"langName": func(code string) string { return langName(locale, code) },
		"rule":     func(s string) string { return word("rule.", s) },
		"level":    func(l typev1.SwedishLevel) string { return levelLabel(locale, l) },
		"levels":   func() []option { return levelOptions(&page{Lang: locale}) },
		"chartTo":  func(rows []core.Count, scale int) template.HTML { return chartTo(labelled(locale, rows), scale) },
		"chart": func(rows []core.Count) template.HTML {
			out := make([]core.Count, len(rows))
			for i, r := range rows {
				out[i] = r
				if s := translate(locale, "label."+strings.ToLower(r.Label)); s != "label."+strings.ToLower(r.Label) {
					out[i].Label = s
				}
			}
			return chart(out)
		},
	}
}

// labelled translates the labels of report counts that are codes
// ("woman", "SFI B") into the locale's words.
func labelled(locale string, rows []core.Count) []core.Count {
	out := make([]core.Count, len(rows))
	for i, r := range rows {
		out[i] = r
		key := "label." + strings.ReplaceAll(strings.ToLower(r.Label), "not given", "unspecified")
		if s := translate(locale, key); s != key {
			out[i].Label = s
		}
	}
	return out
}

// Catalogue returns a locale's plain messages (catalog.Plain), so a test
// can check a rendered page against another locale's words (issue 12: no
// English string on a Swedish page).
func Catalogue(locale string) map[string]string { return catalog.Plain(locale) }
