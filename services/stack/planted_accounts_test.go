package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPlanted_ErasedCoordinator plants unique values in a coordinator's
// e-mail (a first address, then a second after an UpdateUser), name (the
// same) and API token name, lets the coordinator act (an audit entry), and erases the
// user through the gateway (ADR 0201): their token stops at once, signing
// in with their e-mail is answered exactly as an e-mail nobody has, and no
// planted value is on disk, in Redis, the logs or the spans.
func TestPlanted_ErasedCoordinator(t *testing.T) { plantedCoordinator(t, false) }

// TestPlanted_CoordinatorUnsealedIsVisible is its control: with sealing
// off, every planted value is found on disk before the erasure.
func TestPlanted_CoordinatorUnsealedIsVisible(t *testing.T) { plantedCoordinator(t, true) }

func plantedCoordinator(t *testing.T, unsealed bool) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, unsealed)
	const adminEmail, adminPassword, pass = "admin@example.org", "a long enough password", "ett långt lösenord"
	cfg.Gateway.AdminEmail, cfg.Gateway.AdminPassword = adminEmail, adminPassword
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Planted accounts", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr("gateway")
	var signedIn struct{ Token string }
	post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "", map[string]any{"email": adminEmail, "password": adminPassword}, &signedIn)
	admin := signedIn.Token

	m := newMarkers(t)
	email := m.name("mail", 0) + "@example.org"
	var created struct{ User struct{ ID string } }
	post(t, base, gatewayv1connect.UserServiceCreateUserProcedure, admin, map[string]any{"password": pass, "user": map[string]any{
		"email": email, "displayName": "Åsa " + m.name("oldname", 0), "role": "ROLE_COORDINATOR",
		"organisationId": org.GetOrganisation().GetId(), "municipalityCodes": []string{"0880"}}}, &created)
	id := created.User.ID
	var updated any
	post(t, base, gatewayv1connect.UserServiceUpdateUserProcedure, admin, map[string]any{"updateMask": "displayName",
		"user": map[string]any{"id": id, "displayName": "Åsa " + m.name("newname", 1)}}, &updated)
	// The address corrected (ADR 0207): from then on the coordinator signs
	// in with the new one only, and neither may be left anywhere once the
	// user is erased (ADR 0208).
	newEmail := m.name("newmail", 3) + "@example.org"
	post(t, base, gatewayv1connect.UserServiceUpdateUserProcedure, admin, map[string]any{"updateMask": "email",
		"user": map[string]any{"id": id, "email": newEmail}}, &updated)
	var coord struct{ Token string }
	post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "", map[string]any{"email": newEmail, "password": pass,
		"name": "mp " + m.name("token", 2)}, &coord)
	asNobody := func(when, email string) {
		t.Helper()
		code, body := call(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "", map[string]any{"email": email, "password": pass})
		codeNobody, bodyNobody := call(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "", map[string]any{"email": "nobody-" + email, "password": pass})
		if code != codeNobody || body != bodyNobody || code != http.StatusUnauthorized {
			t.Errorf("%s, sign-in with %s: %d %s; as nobody: %d %s; want the same 401", when, email, code, body, codeNobody, bodyNobody)
		}
	}
	asNobody("after the change", email)
	var list any
	post(t, base, gatewayv1connect.RegistryServiceListParticipantsProcedure, coord.Token, map[string]any{}, &list)

	if unsealed {
		stop()
		if found := onDisk(t, m.all, dir); len(found) != len(m.all) {
			t.Fatalf("unsealed: found %d of %d planted values on disk (%v): the raw grep cannot see them", len(found), len(m.all), found)
		}
		return
	}
	if found := onDisk(t, m.all, dir); len(found) > 0 {
		t.Errorf("sealed, before the erasure: planted values in clear on disk: %v", found)
	}

	var deleted any
	post(t, base, gatewayv1connect.UserServiceDeleteUserProcedure, admin, map[string]any{"id": id}, &deleted)
	if code, body := call(t, base, gatewayv1connect.RegistryServiceListParticipantsProcedure, coord.Token, map[string]any{}); code != http.StatusUnauthorized {
		t.Errorf("the erased coordinator's token: %d %s, want 401", code, body)
	}
	asNobody("erased", email)
	asNobody("erased", newEmail)
	if code, _ := call(t, base, gatewayv1connect.UserServiceGetUserProcedure, admin, map[string]any{"id": id}); code != http.StatusNotFound {
		t.Errorf("get the erased user: %d, want 404", code)
	}
	stop()
	searchPlanted(t, ctx, "coordinator", m.all, dir, redisURL, logs, spans)
}

// call posts body to a Connect procedure and returns the status and the
// body, for answers that are refusals.
func call(t *testing.T, base, procedure, token string, body any) (int, string) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+procedure, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(got)
}
