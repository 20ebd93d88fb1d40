package web

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
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
// user removed through it; a second post of the same action on the same
// id by the same user, answered NotFound, answers as the first did. It
// tells nobody anything they did not do themselves.

// removedFor is how long a removal is remembered: far longer than a
// double click or a resend after a slow answer, short enough that the
// memory stays small.
const removedFor = 10 * time.Minute

// maxRemoved bounds the memory; past it a removal is not remembered and
// its second post answers the 404 page as before.
const maxRemoved = 10_000

// removals is what each user removed, and when. The zero value is ready.
// It is this process's: a second post that reaches another gateway
// replica answers the 404 page as before.
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

// again says whether err, a removal's answer, is the NotFound of a record
// p's user removed by the same action within removedFor: a form sent
// twice, to be answered as the first was.
func (m *removals) again(r *http.Request, p *page, action, id string, err error, now time.Time) bool {
	if err == nil || r.Header.Get("HX-Request") != "" || core.Public(p.ctx, slog.Default(), err).Code != apperr.NotFound {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	at, ok := m.seen[removedKey(p, action, id)]
	return ok && now.Sub(at) <= removedFor
}
