package server_test

import (
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNamesakesOfAStrangerAsOfNoOne (ADR 0208): ListNamesakes asked about
// a newcomer or volunteer the caller may not see (organisation B's; A's
// own in a municipality the caller lacks) answers exactly as for an id
// that names no one, even when the caller sees a namesake of theirs; and
// alike when the stranger is asked beside the caller's own people. The
// access sweeps compare a foreign id with a look-alike, which answer the
// same when no namesake is in scope, so this plants one for each.
func TestNamesakesOfAStrangerAsOfNoOne(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	orgA, orgB := e.createOrg("A-förening", "0880", "0180"), e.createOrg("B-förening", "0880")
	coordA := e.coordinator(admin, "a@example.org", orgA, "0880")
	// The caller's own Amal, Samir, Berit and Karin, in 0880.
	own := []string{newcomer(t, coordA, orgA, "0880", "Amal"), newcomer(t, coordA, orgA, "0880", "Samir")}
	ownV := []string{mentor(t, coordA, orgA, "0880", "Berit"), mentor(t, coordA, orgA, "0880", "Karin")}
	// A second own Amal and Berit, so the caller's own have a group.
	newcomer(t, coordA, orgA, "0880", "Amal")
	mentor(t, coordA, orgA, "0880", "Berit")
	// Their namesakes the caller may not see.
	strangers := []string{newcomer(t, admin, orgB, "0880", "Amal"), newcomer(t, admin, orgA, "0180", "Samir")}
	strangersV := []string{mentor(t, admin, orgB, "0880", "Berit"), mentor(t, admin, orgA, "0180", "Karin")}

	ask := func(ps, vs []string) string {
		res, err := coordA.registry.ListNamesakes(ctx, connect.NewRequest(&gatewayv1.ListNamesakesRequest{ParticipantIds: ps, VolunteerIds: vs}))
		if err != nil {
			return "error " + connect.CodeOf(err).String() + " " + err.Error()
		}
		b, _ := protojson.Marshal(res.Msg)
		return string(b)
	}
	calls := 0
	for i, id := range strangers {
		none := lookalike(id)
		for _, c := range []struct {
			name        string
			got, want   []string
			gotV, wantV []string
		}{
			{"alone", []string{id}, []string{none}, nil, nil},
			{"beside the caller's own", []string{own[i], id}, []string{own[i], none}, nil, nil},
			{"twice", []string{id, id}, []string{none, none}, nil, nil},
			{"volunteer alone", nil, nil, []string{strangersV[i]}, []string{lookalike(strangersV[i])}},
			{"volunteer beside the caller's own", nil, nil, []string{ownV[i], strangersV[i]}, []string{ownV[i], lookalike(strangersV[i])}},
			{"as the other kind", []string{strangersV[i]}, []string{lookalike(strangersV[i])}, []string{id}, []string{none}},
		} {
			calls += 2
			if got, want := ask(c.got, c.gotV), ask(c.want, c.wantV); got != want {
				t.Errorf("stranger %d, %s: answers\n%s\none that names no one\n%s", i, c.name, got, want)
			}
		}
	}
	// The caller's own are marked: the comparison above is not of two
	// empty answers only.
	if got := ask(own[:1], ownV[:1]); got == ask(nil, []string{lookalike(ownV[0])}) {
		t.Errorf("the caller's own Amal and Berit: %s, want their namesakes' groups", got)
	}
	t.Logf("%d calls", calls)
}
