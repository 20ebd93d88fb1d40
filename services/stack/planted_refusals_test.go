package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPlanted_RefusalsAndRetriedErasure plants what session 47's stores
// could hold (sweep48, ADR 0267): sign-in refusals with a marker e-mail
// and a marker password (an address no account has, and a coordinator's
// address with a wrong password, past the sign-in guard's limit so both
// kinds are tallied and checkpointed in gateway-refusals, ADR 0263), a
// newcomer and a volunteer with a marker in every personal field
// registered by a coordinator through the gateway, and their erasure,
// retried (ADR 0264's notes in participants_requests and
// volunteers_requests). While the stack runs, the refusal bucket holds
// counts and no address or password, and the notes name no id and no
// one; a second coordinator of the same organisation, whose retry no
// note is under, is answered as for an id that never was. After the
// erasure no marker is on disk, in Redis, the logs or the spans.
func TestPlanted_RefusalsAndRetriedErasure(t *testing.T) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, false)
	const adminEmail, adminPassword, pass = "admin@example.org", "a long enough password", "ett långt lösenord"
	cfg.Gateway.AdminEmail, cfg.Gateway.AdminPassword = adminEmail, adminPassword
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	js := natsClient(t, l)
	base := "http://" + l.Addr("gateway")
	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Planted refusals", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.GetOrganisation().GetId()
	signIn := func(email, password string) string {
		t.Helper()
		var out struct{ Token string }
		post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "", map[string]any{"email": email, "password": password}, &out)
		return out.Token
	}
	admin := signIn(adminEmail, adminPassword)
	coords := map[string]string{}
	for _, who := range []string{"first", "second"} {
		email := "coord-" + who + "@example.org"
		var created any
		post(t, base, gatewayv1connect.UserServiceCreateUserProcedure, admin, map[string]any{"password": pass, "user": map[string]any{
			"email": email, "displayName": "Samordnare " + who, "role": "ROLE_COORDINATOR",
			"organisationId": orgID, "municipalityCodes": []string{"0880"}}}, &created)
		coords[who] = signIn(email, pass)
	}

	m := newMarkers(t)
	create := func(procedure string, req *gatewayv1.CreateParticipantRequest, vreq *gatewayv1.CreateVolunteerRequest) string {
		t.Helper()
		var raw []byte
		if req != nil {
			raw, err = protojson.Marshal(req)
		} else {
			raw, err = protojson.Marshal(vreq)
		}
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]map[string]any
		post(t, base, procedure, coords["first"], json.RawMessage(raw), &out)
		for _, rec := range out {
			if id, _ := rec["id"].(string); id != "" {
				return id
			}
		}
		t.Fatalf("%s: no id in %v", procedure, out)
		return ""
	}
	newcomer := m.participant(orgID, 0)
	newcomer.Consents[0].Language = "sv" // the gateway checks the text was shown in it
	pid := create(gatewayv1connect.RegistryServiceCreateParticipantProcedure,
		&gatewayv1.CreateParticipantRequest{Participant: newcomer, RequestId: "planted-s48-p"}, nil)
	vid := create(gatewayv1connect.RegistryServiceCreateVolunteerProcedure, nil,
		&gatewayv1.CreateVolunteerRequest{Volunteer: m.volunteer(orgID, 0), RequestId: "planted-s48-v"})

	// Read back, as a coordinator's page does: Redis holds it now, which
	// shows the search below can see a value there.
	var got any
	post(t, base, gatewayv1connect.RegistryServiceGetParticipantProcedure, coords["first"], map[string]any{"id": pid}, &got)
	testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		if found := inRedis(t, ctx, redisURL, m.all[:1]); len(found) == 0 {
			return fmt.Errorf("the newcomer read is not in Redis: the Redis search cannot see values")
		}
		return nil
	})

	// Refusals: an address no account has (tallied from its second), and
	// the coordinator's address with a wrong password until the guard
	// holds it back (tallied too); each password typed is a marker.
	nobody, wrong := m.name("refused", 0)+"@example.org", m.name("password", 0)
	refusals := m.all[len(m.all)-2:]
	kv, err := js.KeyValue(ctx, "gateway-refusals")
	if err != nil {
		t.Fatalf("the refusal bucket: %v", err)
	}
	var held []string
	testutil.CheckFor(t, 30*time.Second, 300*time.Millisecond, func() error {
		for _, email := range []string{nobody, "coord-first@example.org"} {
			for range 4 {
				if code, body := call(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "",
					map[string]any{"email": email, "password": wrong}); code != http.StatusUnauthorized && code != http.StatusTooManyRequests {
					t.Fatalf("a wrong password: %d %s", code, body)
				}
			}
		}
		held = bucketValues(t, ctx, kv)
		kinds := map[bool]bool{}
		for _, v := range held {
			kinds[strings.Contains(v, `"user":`)] = true
		}
		if !kinds[true] || !kinds[false] {
			return fmt.Errorf("checkpoints of the account held back and of no account not both in the bucket yet: %v", held)
		}
		return nil
	})
	for _, v := range held {
		for _, s := range append([]string{"@", "example.org", "coord-first", "127.0.0.1"}, refusals...) {
			if strings.Contains(v, s) {
				t.Errorf("a refusal checkpoint holds %q: %s", s, v)
			}
		}
		var ck struct{ Count int }
		if json.Unmarshal([]byte(v), &ck) != nil || ck.Count <= 0 {
			t.Errorf("a refusal checkpoint is not a count: %s", v)
		}
	}
	t.Logf("refusal checkpoints: %v", held)

	// The erasures, each sent twice by the coordinator who erases; the
	// second coordinator's try, and an id that never was, alike after.
	never := "0193a000-0000-7000-8000-000000000267"
	for _, rec := range []struct{ kind, procedure, id string }{
		{"newcomer", gatewayv1connect.RegistryServiceEraseParticipantProcedure, pid},
		{"volunteer", gatewayv1connect.RegistryServiceEraseVolunteerProcedure, vid},
	} {
		for try := range 2 {
			if code, body := call(t, base, rec.procedure, coords["first"], map[string]any{"id": rec.id}); code != http.StatusOK {
				t.Errorf("the %s's erasure, try %d: %d %s", rec.kind, try+1, code, body)
			}
		}
		code, body := call(t, base, rec.procedure, coords["second"], map[string]any{"id": rec.id})
		codeNever, bodyNever := call(t, base, rec.procedure, coords["second"], map[string]any{"id": never})
		if code != codeNever || strings.ReplaceAll(body, rec.id, "X") != strings.ReplaceAll(bodyNever, never, "X") || code != http.StatusNotFound {
			t.Errorf("the second coordinator's erasure of the erased %s: %d %s; of an id that never was: %d %s", rec.kind, code, body, codeNever, bodyNever)
		}
	}
	for _, bucket := range []string{"participants_requests", "volunteers_requests"} {
		rk, err := js.KeyValue(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		notes := 0
		keys, err := rk.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys.Keys() {
			if !strings.HasPrefix(k, "erased.") {
				continue
			}
			notes++
			ent, err := rk.Get(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range append([]string{pid, vid, orgID}, m.all...) {
				if strings.Contains(k, s) || strings.Contains(string(ent.Value()), s) {
					t.Errorf("%s's note %s holds %s", bucket, k, s)
				}
			}
		}
		if notes != 1 {
			t.Errorf("%s holds %d erasure notes, want 1", bucket, notes)
		}
	}
	stop()
	searchPlanted(t, ctx, "newcomer, volunteer and refusals", m.all, dir, redisURL, logs, spans)
	if !strings.Contains(logs.String(), `"serving"`) || len(spans.GetSpans()) == 0 {
		t.Error("the stack's logs or spans were not captured: the search saw nothing")
	}
}

// bucketValues are the values of every key in kv.
func bucketValues(t *testing.T, ctx context.Context, kv jetstream.KeyValue) []string {
	t.Helper()
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range keys.Keys() {
		if ent, err := kv.Get(ctx, k); err == nil {
			out = append(out, string(ent.Value()))
		}
	}
	return out
}
