package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUndecodableBodies: a body that cannot be decoded (invalid UTF-8,
// truncated protobuf, a frame cut short) is InvalidArgument, never
// Internal, and the answer names no Go types; a web form with invalid
// UTF-8 is 400, not 500.
func TestUndecodableBodies(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	proc := "/motesplats.gateway.v1.RegistryService/CreateParticipant"
	for name, tc := range map[string]struct {
		body  []byte
		ctype string
	}{
		"json with invalid UTF-8": {[]byte("{\"participant\":{\"givenName\":\"\xff\xfe\"}}"), "application/json"},
		"json cut short":          {[]byte(`{"participant":{"givenName":"Am`), "application/json"},
		"truncated protobuf":      {[]byte{0x0a, 0x10, 0x0a}, "application/proto"},
		"protobuf invalid UTF-8":  {[]byte{0x0a, 0x04, 0x2a, 0x02, 0xff, 0xfe}, "application/proto"},
	} {
		code, ccode, msg := rawCall(t, e, proc, tc.body, map[string]string{"Authorization": "Bearer " + admin.token, "Content-Type": tc.ctype})
		if code != http.StatusBadRequest || ccode != "invalid_argument" || strings.Contains(msg, "gatewayv1") || strings.Contains(msg, "*") {
			t.Errorf("%s: %d %s %q, want 400 invalid_argument without Go type names", name, code, ccode, msg)
		}
	}
	for name, body := range map[string][]byte{
		"frame cut short":  {0, 0, 0, 0, 10, 0x0a},
		"header cut short": {0, 0},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.base+proc, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/grpc-web+proto")
		req.Header.Set("Authorization", "Bearer "+admin.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if got := res.Header.Get("Grpc-Status"); got != "3" {
			t.Errorf("gRPC-Web %s: grpc-status %q (%s), want 3 (InvalidArgument)", name, got, res.Header.Get("Grpc-Message"))
		}
	}
	// Enum numbers the schema does not declare, in filters and records.
	for name, body := range map[string]string{
		"ListPairs statuses 999":           `{"statuses":[999]}`,
		"ListParticipants swedishLevel -5": `{"swedishLevel":-5}`,
	} {
		proc := "/motesplats.gateway.v1.MatchingService/ListPairs"
		if strings.HasPrefix(name, "ListParticipants") {
			proc = "/motesplats.gateway.v1.RegistryService/ListParticipants"
		}
		code, ccode, _ := rawCall(t, e, proc, []byte(body), map[string]string{"Authorization": "Bearer " + admin.token})
		if code != http.StatusBadRequest || ccode != "invalid_argument" {
			t.Errorf("%s: %d %s, want 400 invalid_argument", name, code, ccode)
		}
	}
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	code, body := b.post("/participants", url.Values{"given_name": {"\xff\xfe"}, "municipality_code": {"0880"}, "household_size": {"1"}})
	if code != http.StatusBadRequest {
		t.Errorf("web form with invalid UTF-8: %d, want 400\n%s", code, trim(body))
	}
	if code, _ := b.get("/participants?municipality_code=%ff"); code != http.StatusBadRequest {
		t.Errorf("query with invalid UTF-8: %d, want 400", code)
	}
}

// TestOversizedLists: 100,000 consents or update-mask paths are refused
// as InvalidArgument naming the field and its cap, with one violation, and
// 20 calls in flight meanwhile on the same connection all succeed; a request with
// many faults lists the first 50 and counts them all.
func TestOversizedLists(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	// Every call below shares one connection: the transport may open one
	// at a time, and counts how many it opened.
	var dials atomic.Int32
	tr := &http.Transport{MaxConnsPerHost: 1, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections()
	registry := gatewayv1connect.NewRegistryServiceClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}, e.base,
		connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				req.Header().Set("Authorization", "Bearer "+admin.token)
				return next(ctx, req)
			}
		})))

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
			errs <- err
		}()
	}
	_, err := registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: "0880", GivenName: "A", Consents: make([]*participantsv1.Consent, 100_000)}}))
	checkViolations(t, "100,000 consents", err, 1, "participant.consents", "at most 4")
	_, err = registry.UpdateParticipant(ctx, connect.NewRequest(&gatewayv1.UpdateParticipantRequest{
		Participant: &participantsv1.Participant{Id: unknownID}, UpdateMask: &fieldmaskpb.FieldMask{Paths: make([]string, 100_000)}}))
	checkViolations(t, "100,000 mask paths", err, 1, "update_mask.paths", "at most 32")
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a call beside the oversized ones failed: %v", err)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections were opened: the refusals closed the shared one", n)
	}
	// 20 languages, 8 diets and 21 availability slots with undeclared
	// enum numbers: 70 faults, of which the first 50 are listed and the
	// message counts them all.
	langs := make([]*typev1.LanguageSkill, 20)
	for i := range langs {
		langs[i] = &typev1.LanguageSkill{Code: "ar", Level: 999}
	}
	diets := make([]typev1.Diet, 8)
	slots := make([]*typev1.Availability, 21)
	for i := range diets {
		diets[i] = 999
	}
	for i := range slots {
		slots[i] = &typev1.Availability{Weekday: 99, DayPart: 99}
	}
	_, err = admin.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: "0880", GivenName: "A", Languages: langs, Diets: diets, Availability: slots}}))
	checkViolations(t, "70 faults", err, 50, "participant.", "70 problems, the first 50 listed")
	if _, err := admin.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{})); err != nil {
		t.Fatalf("a call after the refusals: %v", err)
	}
}

// checkViolations asserts err is InvalidArgument with n field violations,
// the first naming field, and text in its message or first violation.
func checkViolations(t *testing.T, name string, err error, n int, field, text string) {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeInvalidArgument {
		t.Errorf("%s: %v, want InvalidArgument", name, err)
		return
	}
	var got []*errdetails.BadRequest_FieldViolation
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if br, ok := v.(*errdetails.BadRequest); ok {
				got = append(got, br.GetFieldViolations()...)
			}
		}
	}
	if len(got) != n || !strings.HasPrefix(got[0].GetField(), field) {
		t.Errorf("%s: %d violations %v, want %d starting with %s", name, len(got), got, n, field)
		return
	}
	if !strings.Contains(ce.Message(), text) && !strings.Contains(got[0].GetDescription(), text) {
		t.Errorf("%s: message %q, violation %q; want %q in one", name, ce.Message(), got[0].GetDescription(), text)
	}
}
