package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// nameReads are the services' methods that read a person's name.
var nameReads = []string{"GetParticipant", "GetVolunteer", "BatchGetParticipantNames", "BatchGetVolunteerNames"}

// serviceCalls counts, by method name ("GetParticipant"), the calls the
// services answered, from their logs at debug level (one "rpc" line a
// call, written before the answer leaves).
func serviceCalls(logs *testutil.LogBuffer) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec struct {
			Msg    string `json:"msg"`
			Method string `json:"method"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "rpc" {
			out[path.Base(rec.Method)]++
		}
	}
	return out
}

// TestMailboxPageNamesInOneCallPerService: the mailbox page named its
// recipients one at a time, a read of a service per person the cache did
// not hold (GetParticipant, GetVolunteer; a page of 200 cold was 182-248
// ms, ADR 0218). Three pairs' offers, six people, the cache emptied: the
// API's page (mp mailbox list) and the web's /admin/mailbox each read the
// names in one BatchGetParticipantNames and one BatchGetVolunteerNames
// and no Get, and name all six with their municipality; the same page
// again reads nothing (ADR 0222).
func TestMailboxPageNamesInOneCallPerService(t *testing.T) {
	t.Parallel()
	logs := &testutil.LogBuffer{}
	e, rc, _ := startWithRedis(t, envOptions{notify: true, logs: logs, logLevel: slog.LevelDebug})
	admin := mailboxOfPairs(t, e, 3)
	br := e.swedishBrowserAs(adminEmail, adminPass)
	ctx := testutil.Context(t)
	pages := []struct {
		name string
		// named is how many recipients the page names with their
		// municipality (all in Kalmar).
		named func() int
	}{
		{"the API's page", func() int {
			res, err := admin.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{PageSize: 6}))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for id, name := range res.Msg.GetRecipientNames() {
				if name != "" && res.Msg.GetRecipientMunicipalityCodes()[id] == "0880" {
					n++
				}
			}
			return n
		}},
		{"/admin/mailbox", func() int {
			code, body := br.get("/admin/mailbox")
			if code != http.StatusOK {
				t.Fatalf("/admin/mailbox: %d", code)
			}
			return strings.Count(visibleText(body), "Hassan, Kalmar") + strings.Count(visibleText(body), "Andersson, Kalmar")
		}},
	}
	for _, pg := range pages {
		for _, cold := range []bool{true, false} {
			if cold {
				if err := rc.FlushDB(context.Background()).Err(); err != nil {
					t.Fatal(err)
				}
			}
			before := serviceCalls(logs)
			named := pg.named()
			after := serviceCalls(logs)
			var calls []string
			got := map[string]int{}
			for _, m := range nameReads {
				got[m] = after[m] - before[m]
			}
			want := map[string]int{"BatchGetParticipantNames": 1, "BatchGetVolunteerNames": 1}
			if !cold {
				want = map[string]int{}
			}
			for _, m := range nameReads {
				if got[m] != want[m] {
					calls = append(calls, m)
				}
			}
			if named != 6 || len(calls) > 0 {
				t.Errorf("%s (cold %v): %d of 6 named with their municipality; reads %v, want %v", pg.name, cold, named, got, want)
			}
		}
	}
}
