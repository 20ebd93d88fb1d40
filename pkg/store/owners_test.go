package store_test

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestRepo_OwnersSealTheirOwn (ADR 0234, 0238): participants' store keyed
// by its person creates the key in participants' bucket; dinners' seating
// store (Config.Subject, the guest's key, and the host's for the named
// fields) seals with it and with its events, and creates no key: a
// seating for a person nobody created is refused as one for an erased
// person (AlreadyExists), with no key stored anywhere. Dinners' shred of
// the guest leaves them readable; participants' erasure makes the seating
// unreadable to a dinners replica that starts afterwards.
func TestRepo_OwnersSealTheirOwn(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	kp := sealtest.Owner(t, n.JS, kek, "participants")
	kv := sealtest.Owner(t, n.JS, kek, "volunteers")
	kd := sealtest.Owner(t, n.JS, kek, "dinners")
	mustStream(t, n.JS)
	people := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Keyring, c.Publisher = kp, &jsPublisher{js: n.JS}
	})
	seatings := func(k *seal.Keyring) *store.Repo[*facts] {
		return mustOpen(t, n.JS, func(c *store.Config[*facts]) {
			twoSubjects(k)(c)
			c.Bucket, c.Publisher = "seatings", &jsPublisher{js: n.JS}
		})
	}
	seats := seatings(kd)
	const guest, host = "p-1", "v-1"
	if _, err := people.Create(ctx, guest, &facts{ParticipantId: guest, MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	if err := kv.Prepare(ctx, host); err != nil { // volunteers' person
		t.Fatal(err)
	}
	if _, err := seats.Create(ctx, "seat-1", &facts{ParticipantId: guest, OrganisationId: host, MunicipalityCode: "0180", Interests: []string{"chess"}},
		event(t, "test.seating.created", guest)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{guest: seal.OwnerBucket("participants"), host: seal.OwnerBucket("volunteers")} {
		if got := sealtest.KeyHolders(t, n.JS, id); len(got) != 1 || got[0] != want {
			t.Errorf("%s's key is in %v, want %s alone", id, got, want)
		}
	}
	_, err := seats.Create(ctx, "seat-2", &facts{ParticipantId: "p-unknown", OrganisationId: "v-unknown", MunicipalityCode: "0180"},
		event(t, "test.seating.created", "p-unknown"))
	if apperr.ErrorCode(err) != apperr.AlreadyExists {
		t.Errorf("a seating for an unknown person: %v, want AlreadyExists as for an erased one", err)
	}
	for _, id := range []string{"p-unknown", "v-unknown"} {
		if got := sealtest.KeyHolders(t, n.JS, id); len(got) != 0 {
			t.Errorf("a seating for an unknown person stored %s's key in %v", id, got)
		}
	}

	if err := kd.Shred(ctx, guest); err != nil { // dinners may not erase participants' person
		t.Fatal(err)
	}
	if got, _, err := people.Get(ctx, guest); err != nil || got.GetMunicipalityCode() != "0180" {
		t.Errorf("the guest after dinners' shred: %v %v", got, err)
	}
	if got, _, err := seatings(sealtest.Owner(t, n.JS, kek, "dinners")).Get(ctx, "seat-1"); err != nil || len(got.GetInterests()) != 1 {
		t.Errorf("the seating after dinners' shred, on a new dinners replica: %v %v", got, err)
	}

	if err := people.Remove(ctx, guest, true, event(t, "test.person.erased", guest)); err != nil {
		t.Fatal(err)
	}
	later := seatings(sealtest.Owner(t, n.JS, kek, "dinners"))
	if _, _, err := later.Get(ctx, "seat-1"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("the erased guest's seating: %v, want NotFound", err)
	}
	if u := later.Unreadable(guest); len(u) != 1 || u[0].Key != "seat-1" {
		t.Errorf("unreadable for the erased guest: %v", u)
	}
}
