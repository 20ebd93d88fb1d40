package notice_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestAnswerByNamesTheHour: an offer's message said "Svara senast
// 2026-12-19" while its link, and the answer page ("Svara senast
// 2026-12-19 01:17"), expired at that minute: someone answering on the
// afternoon of the 19th, as the message allowed, found the link expired
// (outside round s26, ADR 0137). The message now names the same minute as
// the page, kept in order (isolated) in right-to-left text.
func TestAnswerByNamesTheHour(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.offerPair("ev-1")
	e.sendUntil(func() error {
		if to(e.mailbox(), amina) == nil || to(e.mailbox(), erik) == nil {
			return errors.New("no offers yet")
		}
		return nil
	})
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		person, before, after string
	}{
		{erik, "Svara senast ", "."},
		{amina, "يرجى الرد في موعد أقصاه \u2068", "\u2069."},
	} {
		m := to(e.mailbox(), tc.person)
		r, err := e.svc.ResolveLink(ctx, tokenOf(t, m.GetAnswerUrl()))
		if err != nil {
			t.Fatal(err)
		}
		// What the answer page shows (gateway/internal/answer).
		page := r.Offer.GetAnswerBy().AsTime().In(stockholm).Format("2006-01-02 15:04")
		if want := tc.before + page + tc.after; !strings.Contains(m.GetTextBody(), want) {
			t.Errorf("%s's offer lacks %q, the answer page's deadline:\n%s", m.GetLanguage(), want, m.GetTextBody())
		}
	}
}
