package web

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
	"github.com/motesplats/motesplats/services/gateway/internal/removedkv"
)

// A removal or erasure sent twice from a plain form (a double click, a
// browser's resend) had its first post done and its second answered with
// the 404 page, "Sidan eller posten hittades inte": the record was gone,
// by this very action, and the coordinator who asked to erase a person
// read that there was no such person (outside round s44, ADR 0245; ADR
// 0242 answered approve, reject and end sent twice, not these). An
// erased person reads as one who never existed, to everyone (ADR 0187),
// so the services cannot tell the second post from an erasure of a
// stranger's id. The gateway remembers, for a few minutes, what each
// user removed through it (every replica, ADR 0255); a second post of the same action on the same
// id by the same user, answered NotFound, answers as the first did. It
// tells nobody anything they did not do themselves.

// removedFor is how long a removal is remembered: far longer than a
// double click or a resend after a slow answer, short enough that the
// memory stays small. The shared bucket's TTL is the same.
const removedFor = removedkv.For

// maxRemoved bounds the memory; past it a removal is not remembered and
// its second post answers the 404 page as before.
const maxRemoved = 10_000

// removals is what each user removed through this process, and when. The
// zero value is ready. Every replica's removals are in the gateway's
// bucket too (core.Gateway.Removals, ADR 0255), which answers a second
// post that a load balancer sent to another replica; this memory answers
// the common case (a double click's posts share a connection) without a
// request, and every case while NATS does not answer, as before.
type removals struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func removedKey(p *page, action, id string) string {
	return p.caller.User.GetId() + "\x00" + action + "\x00" + id
}

// note remembers that p's user did action on id at now.
func (m *removals) note(p *page, action, id string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]time.Time{}
	}
	if len(m.seen) >= maxRemoved {
		for k, at := range m.seen {
			if now.Sub(at) > removedFor {
				delete(m.seen, k)
			}
		}
	}
	if len(m.seen) < maxRemoved {
		m.seen[removedKey(p, action, id)] = now
	}
}

// saw says whether p's user did action on id through this process within
// removedFor before now.
func (m *removals) saw(p *page, action, id string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	at, ok := m.seen[removedKey(p, action, id)]
	return ok && now.Sub(at) <= removedFor
}

// noteRemoved remembers that p's user did action on id, in this process
// and for every replica.
func (w *Web) noteRemoved(r *http.Request, p *page, action, id string) {
	now := w.opts.Now()
	w.removed.note(p, action, id, now)
	if s := w.g.Removals; s != nil {
		s.Note(r.Context(), p.caller.User.GetId(), action, id, now)
	}
}

// removedAgain says whether err, a removal's answer, is the NotFound of a
// record p's user removed by the same action within removedFor, through
// this replica or another: a form sent twice, to be answered as the
// first was.
func (w *Web) removedAgain(r *http.Request, p *page, action, id string, err error) bool {
	if err == nil || r.Header.Get("HX-Request") != "" || core.Public(p.ctx, slog.Default(), err).Code != apperr.NotFound {
		return false
	}
	now := w.opts.Now()
	if w.removed.saw(p, action, id, now) {
		return true
	}
	s := w.g.Removals
	return s != nil && s.Seen(r.Context(), p.caller.User.GetId(), action, id, now)
}
