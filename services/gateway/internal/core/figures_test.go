package core

import (
	"errors"
	"sync"
	"testing"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// TestFigures: figures are computed once per scope while fresh, again
// after a write, never shared between scopes, and errors are not kept.
func TestFigures(t *testing.T) {
	t.Parallel()
	var f figures
	n := 0
	compute := func() (any, error) { n++; return n, nil }
	a := Caller{Principal: account.Principal{User: &gatewayv1.User{Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: "o1", MunicipalityCodes: []string{"0880", "0180"}}}}
	b := Caller{Principal: account.Principal{User: &gatewayv1.User{Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: "o1", MunicipalityCodes: []string{"0880"}}}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = f.get(scopeKey(a, "x"), compute) }()
	}
	wg.Wait()
	if n != 1 {
		t.Fatalf("8 concurrent reads computed %d times, want 1", n)
	}
	if v, _ := f.get(scopeKey(b, "x"), compute); v != 2 {
		t.Errorf("another scope got %v, want its own figures (2)", v)
	}
	f.wrote()
	if v, _ := f.get(scopeKey(a, "x"), compute); v != 3 {
		t.Errorf("after a write got %v, want fresh figures (3)", v)
	}
	boom := errors.New("boom")
	if _, err := f.get("e", func() (any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("error: %v", err)
	}
	if v, err := f.get("e", compute); err != nil || v != 4 {
		t.Errorf("after an error got %v %v, want a new computation", v, err)
	}
}
