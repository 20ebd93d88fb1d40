package core

import (
	"context"
	"sync"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// mailboxNameReaders bounds the name look-ups a mailbox page makes at
// once: the reads wait on the services over the network, not on this
// process.
const mailboxNameReaders = 8

// toVolunteer reports whether a message of template t goes to a
// volunteer (a mentor offered a mentee, a host told of a guest): their
// name is read as a volunteer's first, where MailboxName asks the
// newcomers' service first and learns it holds no such person.
func toVolunteer(t notifyv1.Template) bool {
	return t == notifyv1.Template_TEMPLATE_MENTEE_OFFER || t == notifyv1.Template_TEMPLATE_DINNER_GUEST_PROPOSED
}

// MailboxNames names the recipients of a page of mailbox messages, by
// person id, as MailboxName does one (admins only; "" for a person erased
// since, left out). ListMailbox named a page of 200 messages to 200 people
// one at a time, a mentor after a read of the newcomers' service that
// found no one: 428 ms with the names out of the cache, 138 ms with them
// in it (BenchmarkMailboxPage, ADR 0218). Each person is read once, 8 at
// a time, a volunteer's template's recipient as a volunteer first.
// Returns errNoNames when a name cannot be read now.
func (g *Gateway) MailboxNames(ctx context.Context, c Caller, msgs []*notifyv1.MailboxMessage) (map[string]string, error) {
	names := map[string]string{}
	if !c.IsAdmin() {
		return names, nil
	}
	volunteer := map[string]bool{}
	var order []string
	for _, m := range msgs {
		id := m.GetPersonId()
		if id == "" {
			continue
		}
		if _, seen := volunteer[id]; !seen {
			order = append(order, id)
		}
		volunteer[id] = volunteer[id] || toVolunteer(m.GetTemplate())
	}
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		slots = make(chan struct{}, mailboxNameReaders)
	)
	for _, id := range order {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			n, err := g.personName(ctx, id, volunteer[id])
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && first == nil:
				first = err
			case err == nil && n != "":
				names[id] = n
			}
		}()
	}
	wg.Wait()
	return names, first
}

// personName is the name of a newcomer or a volunteer, asked in the order
// volunteerFirst says; "" for an id neither service holds.
func (g *Gateway) personName(ctx context.Context, id string, volunteerFirst bool) (string, error) {
	reads := []func(context.Context, string) (string, error){g.Backend.ParticipantName, g.Backend.VolunteerName}
	if volunteerFirst {
		reads[0], reads[1] = reads[1], reads[0]
	}
	for _, read := range reads {
		n, err := read(ctx, id)
		if ok, err := g.found(ctx, err); ok || err != nil {
			return n, err
		}
	}
	return "", nil
}
