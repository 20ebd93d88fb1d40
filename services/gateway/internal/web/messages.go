package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// The pages about the messages the notify service sends: the development
// mailbox (admins; what `make run` keeps instead of sending) and the
// delivery status of a person's or a pair's messages (coordinators), with
// permanent failures spelled out so someone calls the person instead.

// mailboxPageSize is the mailbox's page; mailboxCountCap bounds how far
// the total is counted (the notify service gives no total).
const (
	mailboxPageSize = 50
	mailboxCountCap = 5000
)

// mailboxData is a page of the mailbox.
type mailboxData struct {
	Items    []mailboxRow
	PersonID string
	// Person is the name of the person the list is narrowed to, if any.
	Person string
	Pager  pager
}

// mailboxRow is a message of the list with its recipient's name (the
// message itself names only the person's id).
type mailboxRow struct {
	*notifyv1.MailboxMessage
	Name string
	// Apart tells the recipient from a namesake the admin may see
	// ("registrerad 2026-03-14"), as the lists do (mailboxApart, ADR 0209).
	Apart string
}

func (w *Web) mailbox(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("mailbox.title"), "mailbox", r.URL.Query()
	if !p.Admin {
		return errAdminPage
	}
	q := r.URL.Query()
	if !q.Has("person_id") && q.Has("person") {
		// A hand-typed address naming the person ("?person=...") filters as
		// the form's field does; it was ignored and the whole mailbox shown.
		q.Set("person_id", q.Get("person"))
		p.Form = q
	}
	var v apperr.Validator
	person := idFilter(&v, q, "person_id")
	if err := v.Err(); err != nil {
		formErrors(p, err, sameField)
		p.Data = mailboxData{PersonID: strings.TrimSpace(q.Get("person_id"))}
		return w.render(rw, p, http.StatusUnprocessableEntity, "mailbox")
	}
	res, err := w.g.ListMailbox(r.Context(), p.caller, mailboxPageSize, r.URL.Query().Get("page_token"), person)
	if err != nil {
		return err
	}
	total, err := w.g.CountMailbox(r.Context(), p.caller, person, mailboxCountCap)
	if err != nil {
		return err
	}
	// The page's recipients and the person it is narrowed to, named in
	// one call per service (ADR 0222): each row was a read of its own.
	names, err := w.g.MailboxNames(r.Context(), p.caller, res.GetMessages(), person)
	if err != nil {
		return err
	}
	d := mailboxData{PersonID: person, Person: mailboxNamed(names[person]),
		Pager: newPager(p, r, "", "", mailboxPageSize, len(res.GetMessages()), total, res.GetNextPageToken())}
	for _, m := range res.GetMessages() {
		d.Items = append(d.Items, mailboxRow{MailboxMessage: m, Name: mailboxNamed(names[m.GetPersonId()])})
	}
	if err := w.mailboxApart(r, p, d.Items); err != nil {
		return err
	}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "mailbox")
}

// mailboxNamed names a recipient as the registers and lists do,
// "Förnamn Efternamn, Kommun": by name alone, two people of one name in
// two municipalities read as one (ADR 0220, 0222); "" for a person erased
// since.
func mailboxNamed(n backend.PersonName) string { return apart.Named(n.Name, n.MunicipalityCode) }

// mailboxMessage is one message with its answer link made local.
type mailboxMessage struct {
	Msg *notifyv1.MailboxMessage
	// Name is the recipient's name; Apart tells them from a namesake, as
	// the mailbox's rows do (mailboxApart, ADR 0209).
	Name, Apart string
	// AnswerPath is the answer link's path on this gateway, so the demo's
	// link works whatever address the notify service wrote into it.
	AnswerPath string
	Dir        string
}

func (w *Web) mailboxMessage(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("mailbox.message"), "mailbox"
	if !p.Admin {
		return errAdminPage
	}
	m, err := w.g.GetMailboxMessage(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	person, err := w.g.MailboxName(r.Context(), p.caller, m)
	if err != nil {
		return err
	}
	name := mailboxNamed(person)
	row := []mailboxRow{{MailboxMessage: m, Name: name}}
	if err := w.mailboxApart(r, p, row); err != nil {
		return err
	}
	p.Data = mailboxMessage{Msg: m, Name: name, Apart: row[0].Apart, AnswerPath: answerPath(m.GetAnswerUrl()), Dir: textDir(m.GetLanguage())}
	return w.render(rw, p, http.StatusOK, "mailbox_message")
}

// errAdminPage refuses an admin page to others, as every /admin/ page
// does (the API answers NotFound for a single message instead).
var errAdminPage = apperr.Errorf(apperr.PermissionDenied, "only admins may do this")

// answerPath returns the /a/{token} path of an answer link, or "" when
// the link is not one.
func answerPath(link string) string {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/a/") || strings.Count(u.Path, "/") != 2 {
		return ""
	}
	return u.EscapedPath()
}

// textDir is the writing direction of a message language.
func textDir(lang string) string {
	switch lang {
	case "ar", "fa", "prs":
		return "rtl"
	}
	return "ltr"
}

// deliveriesData is the delivery status of one person's or pair's
// messages.
type deliveriesData struct {
	// Back is the page the list belongs to; Kind says whose it is; Name
	// is the person's or the pair's names.
	Back, Kind, Name string
	Items            []*notifyv1.Delivery
	// Failed counts the permanent failures, shown first.
	Failed int
	Pager  pager
}

// deliveries serves GET /participants/{id}/messages,
// /volunteers/{id}/messages and /matching/pairs/{id}/messages: what was
// sent, is waiting, or failed for good, and why. Under htmx (the person's
// page loads it in place) only the list is sent.
func (w *Web) deliveries(kind string) handler {
	return func(rw http.ResponseWriter, r *http.Request, p *page) error {
		id := r.PathValue("id")
		p.Title, p.Nav = p.t("mailbox.dl.title"), kind
		person, proposal, back := id, "", "/"+kind+"/"+id
		if kind == "matching" {
			person, proposal, back = "", id, "/pairs/"+url.PathEscape(id)
		}
		if !w.g.Notifying() {
			return apperr.Errorf(apperr.NotFound, "not found")
		}
		// The record first, read with the caller's scope: someone else's
		// person or pair is NotFound before the notify service is asked.
		name, err := w.whose(r, p, kind, id)
		if err != nil {
			return err
		}
		res, err := w.g.ListDeliveries(r.Context(), p.caller, person, proposal, 50, r.URL.Query().Get("page_token"))
		if err != nil {
			return err
		}
		d := deliveriesData{Back: back, Kind: kind, Name: name, Items: res.GetDeliveries()}
		for _, x := range d.Items {
			if x.GetStatus() == notifyv1.DeliveryStatus_DELIVERY_STATUS_FAILED {
				d.Failed++
			}
		}
		// The service gives no total: the position line counts what is
		// shown, and the next link says whether more follow.
		d.Pager = newPager(p, r, "", "", 50, len(d.Items), int32(len(d.Items)), res.GetNextPageToken())
		d.Pager.Range = ""
		p.Data = d
		if r.Header.Get("HX-Request") != "" {
			return w.fragment(rw, p, "deliveries", "deliveries", p)
		}
		return w.render(rw, p, http.StatusOK, "deliveries")
	}
}

// whose returns the names on the record a delivery list belongs to,
// reading it with the caller's scope.
func (w *Web) whose(r *http.Request, p *page, kind, id string) (string, error) {
	switch kind {
	case "participants":
		v, err := w.g.GetParticipant(r.Context(), p.caller, id)
		return strings.TrimSpace(v.GetParticipant().GetGivenName() + " " + v.GetParticipant().GetFamilyName()), err
	case "volunteers":
		v, err := w.g.GetVolunteer(r.Context(), p.caller, id)
		return strings.TrimSpace(v.GetVolunteer().GetGivenName() + " " + v.GetVolunteer().GetFamilyName()), err
	default:
		v, err := w.g.GetPair(r.Context(), p.caller, id)
		return v.GetParticipantName() + " + " + v.GetVolunteerName(), err
	}
}

// mailboxApart marks the recipients of a page of the mailbox who have a
// namesake the admin may see, as the lists mark people (groupsApart, ADR
// 0200): the page said "Amal Hassan" for two people (ADR 0205's Left). A
// message names its person by id alone, newcomer or volunteer, so each id
// is asked as both; the service leaves out the kind it is not (NotFound,
// as for no one). The label is the row's "Förnamn Efternamn, Kommun", so
// a namesake is one of one name in one municipality, as on every list
// (ADR 0222; the name alone told two groups of one name apart together).
func (w *Web) mailboxApart(r *http.Request, p *page, rows []mailboxRow) error {
	label := map[string]string{}
	for _, row := range rows {
		if row.Name != "" && row.GetPersonId() != "" {
			label[row.GetPersonId()] = row.Name
		}
	}
	if len(label) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(label))
	ns, err := w.namesakesOf(r.Context(), p, ids, ids)
	if err != nil {
		return err
	}
	apart := groupsApart(p, label, ns.participants)
	maps.Copy(apart, groupsApart(p, label, ns.volunteers))
	for i := range rows {
		rows[i].Apart = apart[rows[i].GetPersonId()]
	}
	return nil
}
