package core

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// TestRefusalsAreBounded: an attacker spraying addresses no account has
// wrote one audit entry per attempt into a log kept for good, and the
// attempts the sign-in guard held back were not in it at all (ADR 0218).
// Now, through Authenticate and HeldBack on a real log: 200 unknown
// addresses from one network and 50 from another, 100 attempts held back
// at a known account and 30 at unknown ones, then 3 more a minute later.
// Each network's unknown addresses are at most two entries a minute (the
// first at once, then the count), the held-back ones the same, under the
// account's id when the e-mail names one; the known account's wrong
// passwords stay one entry each; every attempt is counted; no entry holds
// an address typed. One entry per attempt would be 388 entries.
func TestRefusalsAreBounded(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	accts, err := account.Open(ctx, n.JS, account.Config{HashCost: account.HashCost{MemoryKiB: 64, Passes: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(accts.Close)
	const known, pw = "sara@example.org", "ett långt lösenord"
	if _, err := accts.CreateUser(ctx, &gatewayv1.User{Email: known, DisplayName: "Sara Lind", Role: gatewayv1.Role_ROLE_COORDINATOR,
		OrganisationId: ids.UUIDv7{}.New(), MunicipalityCodes: []string{"0880"}}, pw); err != nil {
		t.Fatal(err)
	}
	sara, _ := accts.ByEmail(known)
	log, err := audit.Open(ctx, n.JS, 1, time.Now, ids.UUIDv7{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	clock := time.Date(2026, 12, 6, 18, 0, 5, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	g := &Gateway{Accounts: accts, Audit: log, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now}
	api := func(addr string) SignIn {
		return SignIn{Action: "signin", Resource: "api_token", Channel: "api", RemoteAddr: addr}
	}
	var typed []string
	spray := func(addr string, k int) {
		for i := range k {
			email := fmt.Sprintf("spray%d-%s@example.org", i, addr)
			typed = append(typed, email)
			if _, err := g.Authenticate(ctx, email, "gissning-1234", api(addr)); err == nil {
				t.Fatalf("%s signed in", email)
			}
		}
	}
	entries := func() []*gatewayv1.AuditEntry {
		es, _, err := log.Search(ctx, audit.Query{PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}

	// The first of a minute is in the log at once, with no flush.
	spray("203.0.113.7", 1)
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if es := entries(); len(es) != 1 {
			return fmt.Errorf("%d entries after the first refusal, want 1 at once", len(es))
		}
		return nil
	})
	spray("203.0.113.7", 199)
	spray("198.51.100.9", 50)
	for range 5 {
		if _, err := g.Authenticate(ctx, known, "fel-losenord-1234", api("203.0.113.7")); err == nil {
			t.Fatal("a wrong password signed in")
		}
	}
	for range 100 {
		g.HeldBack(known, api("203.0.113.8"))
	}
	for i := range 30 {
		g.HeldBack(fmt.Sprintf("nobody%d@example.org", i), api("203.0.113.8"))
	}
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	spray("203.0.113.9", 3) // a new minute: the last one's count, then this one's first
	g.FlushRefusals(ctx)

	es := entries()
	counted := map[string]int{}
	var rows []string
	raw := ""
	for _, e := range es {
		j, _ := protojson.Marshal(e)
		raw += string(j)
		who := map[string]string{sara.GetUser().GetId(): "sara", "": "-"}[e.GetUserId()]
		k := who + " " + e.GetOutcome() + " " + e.GetRemoteAddr()
		counted[k] += max(int(e.GetCount()), 1)
		rows = append(rows, fmt.Sprintf("%s ×%d", k, e.GetCount()))
	}
	sort.Strings(rows)
	want := map[string]int{
		"- no_account 203.0.113.0/24":            203,
		"- no_account 198.51.100.0/24":           50,
		"sara wrong_password 203.0.113.0/24":     5,
		"sara resource_exhausted 203.0.113.0/24": 100,
		"- resource_exhausted 203.0.113.0/24":    30,
	}
	if fmt.Sprint(counted) != fmt.Sprint(want) {
		t.Errorf("attempts counted %v, want %v", counted, want)
	}
	// 4 + 2 unknown addresses' entries, 5 wrong passwords, 2 + 2 held back.
	if len(es) != 15 {
		t.Errorf("%d entries for 388 attempts, want 15:\n%s", len(es), strings.Join(rows, "\n"))
	}
	for _, s := range append(typed, known, "nobody0@example.org", "gissning-1234", "203.0.113.7", "203.0.113.8") {
		if strings.Contains(raw, s) {
			t.Errorf("an entry holds %q", s)
		}
	}
}

// TestRefusalTalliesAreBounded: attempts held back from more networks in
// one minute than tallies are kept (maxTallies) are still each counted:
// past the bound they share one tally of no network and no account, so
// memory stays bounded and the log says how many came.
func TestRefusalTalliesAreBounded(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	accts, err := account.Open(ctx, n.JS, account.Config{HashCost: account.HashCost{MemoryKiB: 64, Passes: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(accts.Close)
	log, err := audit.Open(ctx, n.JS, 1, time.Now, ids.UUIDv7{})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 6, 18, 0, 5, 0, time.UTC)
	g := &Gateway{Accounts: accts, Audit: log, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return clock }}
	const networks = maxTallies + 904
	for i := range networks {
		g.HeldBack("nobody@example.org", SignIn{Action: "signin", Resource: "session", Channel: "web", RemoteAddr: fmt.Sprintf("10.%d.%d.1", i/256, i%256)})
	}
	if got := len(g.refusalLog().tallies); got > maxTallies+1 {
		t.Errorf("%d tallies held, want at most %d", got, maxTallies+1)
	}
	g.FlushRefusals(ctx)
	var entries, attempts, shared int
	q := audit.Query{PageSize: 1000}
	for {
		es, next, err := log.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			entries++
			attempts += max(int(e.GetCount()), 1)
			if e.GetRemoteAddr() == "" {
				shared += max(int(e.GetCount()), 1)
			}
		}
		if next == "" {
			break
		}
		q.PageToken = next
	}
	if attempts != networks || shared != 904 || entries != maxTallies+2 {
		t.Errorf("%d entries counting %d attempts, %d of them with no network; want %d, %d, 904", entries, attempts, shared, maxTallies+2, networks)
	}
}
