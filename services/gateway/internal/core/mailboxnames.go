package core

import (
	"context"

	"google.golang.org/grpc/status"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// toVolunteer reports whether a message of template t goes to a
// volunteer (a mentor offered a mentee, a host told of a guest): their
// name is looked up in the volunteers' cache first.
func toVolunteer(t notifyv1.Template) bool {
	return t == notifyv1.Template_TEMPLATE_MENTEE_OFFER || t == notifyv1.Template_TEMPLATE_DINNER_GUEST_PROPOSED
}

var (
	newcomerFirst  = []backend.Kind{backend.Newcomer, backend.Volunteer}
	volunteerFirst = []backend.Kind{backend.Volunteer, backend.Newcomer}
)

// MailboxNames names the recipients of a page of mailbox messages, by
// person id, with their municipality (admins only; a person erased since
// is left out), and also the people extra names (the person a page is
// narrowed to). A page of 200 messages to 200 people was read one person
// at a time, 182-248 ms with the names out of the cache (ADR 0218); the
// names not cached are now read in one call per service
// (Backend.PeopleNames, ADR 0222). Returns errNoNames when a name cannot
// be read now.
func (g *Gateway) MailboxNames(ctx context.Context, c Caller, msgs []*notifyv1.MailboxMessage, extra ...string) (map[string]backend.PersonName, error) {
	if !c.IsAdmin() {
		return map[string]backend.PersonName{}, nil
	}
	volunteer := map[string]bool{}
	ids := make([]string, 0, len(msgs)+len(extra))
	for _, m := range msgs {
		id := m.GetPersonId()
		ids = append(ids, id)
		volunteer[id] = volunteer[id] || toVolunteer(m.GetTemplate())
	}
	ids = append(ids, extra...)
	names, err := g.Backend.PeopleNames(ctx, ids, func(id string) []backend.Kind {
		if volunteer[id] {
			return volunteerFirst
		}
		return newcomerFirst
	})
	if err != nil {
		// The code only: the error may carry a service's message about a person.
		g.Log.WarnContext(ctx, "name lookup failed", "code", status.Code(err).String())
		return nil, errNoNames
	}
	return names, nil
}

// MailboxName is MailboxNames for one message's recipient (a message's
// page): the zero PersonName for anyone but an admin, for no id, and for
// a person erased since.
func (g *Gateway) MailboxName(ctx context.Context, c Caller, m *notifyv1.MailboxMessage) (backend.PersonName, error) {
	names, err := g.MailboxNames(ctx, c, []*notifyv1.MailboxMessage{m})
	return names[m.GetPersonId()], err
}
