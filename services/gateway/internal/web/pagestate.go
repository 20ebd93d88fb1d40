package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// The page: what every template gets, and the state a request's handler
// builds up on it (the user, the form, its refusals, the language).

// page is what every template gets, and the per-request state handlers
// build up.
type page struct {
	Lang, Dir, Title, Nav, Flash, Action, CSRF string
	User                                       *gatewayv1.User
	Admin, Operator                            bool
	Locales                                    []localeOpt
	Form                                       url.Values
	Errors                                     map[string]string
	ErrorList                                  []errItem
	Data                                       any
	// SSO names the single sign-on provider on the sign-in page; empty
	// hides the button.
	SSO string
	// Updated says how old a report page's figures are ("Uppdaterad för
	// 8 s sedan"): they are kept and refreshed in the background (ADR
	// 0067). Empty on other pages.
	Updated string
	// FirstPage is, on the error page of a list asked for a page its
	// token does not name (an edited, cut or old link), the same list's
	// first page: the page says "start again from the first page" and
	// offered only the overview (outside round s29).
	FirstPage string
	// SignIn is, on the error page of a setup link opened once an
	// account exists, true: the page leads to the sign-in page rather
	// than the overview (setupGone).
	SignIn bool
	// Next is, on the sign-in page, the page to go back to after signing
	// in (ADR 0185); empty for the overview.
	Next string
	// Expired is, on the sign-in page, why the user is there again ("1"
	// a page, "form" a form whose values were not saved, "disabled" and
	// "disabled_form" the same for an account turned off): the language
	// picker carries it, so the notice survives a change of language.
	Expired string
	// OrgPicker is, on an administrator's newcomer and volunteer forms,
	// the organisation by name (recordOrgPicker); nil on a coordinator's,
	// whose records are their own organisation's (ADR 0254).
	OrgPicker *pickerField
	// AuditTrail is, on an administrator's page of a saved newcomer or
	// volunteer, the audit page's search for the record (auditSearch):
	// who read or changed it was an id to copy from the address (ADR
	// 0265). Empty for a coordinator, whose pages the audit page is not.
	AuditTrail string

	caller core.Caller
	ctx    context.Context
	// now is when the request came, by Options.Now: every "today" on
	// the page is its day in Sweden (zero, in tests that build a page by
	// hand, is the wall clock).
	now time.Time
}

// clock is the page's moment: now, or the wall clock for a page built
// without a request.
func (p *page) clock() time.Time {
	if p.now.IsZero() {
		return time.Now()
	}
	return p.now
}

type localeOpt struct{ Code, Name string }

type errItem struct{ Field, Label, Message string }

// signedIn fills p from the session's principal: the user, the session's
// CSRF token, the user's language and role.
func (p *page) signedIn(princ account.Principal) {
	p.User, p.CSRF = princ.User, princ.CSRFToken
	p.Lang = shown(princ.User.GetLocale())
	p.Admin = princ.User.GetRole() == gatewayv1.Role_ROLE_ADMIN
	p.Operator = princ.User.GetRole() == gatewayv1.Role_ROLE_OPERATOR
}

func (p *page) t(key string) string { return translate(p.Lang, key) }

// tf is key's text with its placeholders filled: p.tf("page.range",
// "From", 1, "To", 50, "Total", 266).
func (p *page) tf(key string, kv ...any) string { return translateData(p.Lang, key, pairs(kv), nil) }

// tn is key's text in the plural form n takes in the page's language, with
// {{.Count}} set to n: p.tn("m.count", 3) is "3 förslag".
func (p *page) tn(key string, n any, kv ...any) string {
	return translateData(p.Lang, key, pairs(kv), n)
}

// newPage is a page in the language r's browser asks for, before a
// session is read.
func newPage(r *http.Request) *page {
	p := &page{Lang: guessLocale(r), Form: url.Values{}, Errors: map[string]string{}, ctx: r.Context()}
	for _, l := range offered {
		p.Locales = append(p.Locales, localeOpt{l, localeNames[l]})
	}
	return p
}
