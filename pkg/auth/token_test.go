package auth_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/motesplats/motesplats/pkg/auth"
)

// clock is a settable time source shared by signers, verifiers and the
// gRPC server goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	k, err := auth.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func coordinator() auth.Claims {
	return auth.Claims{
		Subject: "0198c2a0-0000-7000-8000-00000000c00d", Role: auth.RoleCoordinator,
		Organisation: "org-1", Municipalities: []string{"0180", "1480"}, Issuer: "gateway",
	}
}

func TestSignVerify_RoundTrip(t *testing.T) {
	t.Parallel()
	clk := newClock()
	key := mustKey(t)
	s := auth.NewSigner(key, "k1", clk.Now)
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, clk.Now, 0)
	tests := []struct {
		name string
		in   auth.Claims
	}{
		{"admin", auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}},
		{"coordinator", coordinator()},
		{"operator", auth.Claims{Subject: "u-op", Role: auth.RoleOperator, Issuer: "mint"}},
		{"service", auth.Claims{Subject: "dinners", Role: auth.RoleService, Issuer: "dinners"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := s.Sign(tt.in, 5*time.Minute)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !strings.HasPrefix(tok, "v1.k1.") || strings.Count(tok, ".") != 3 {
				t.Fatalf("token %q is not v1.<kid>.<payload>.<sig>", tok)
			}
			got, err := v.Verify(tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := tt.in
			want.IssuedAt = clk.Now()
			want.Expiry = clk.Now().Add(5 * time.Minute)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("claims mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerify_Refuses(t *testing.T) {
	t.Parallel()
	clk := newClock()
	key, other := mustKey(t), mustKey(t)
	pub := key.Public().(ed25519.PublicKey)
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"k1": pub}, clk.Now, 5*time.Second)
	sign := func(k ed25519.PrivateKey, kid string, at time.Time, ttl time.Duration) string {
		t.Helper()
		tok, err := auth.NewSigner(k, kid, func() time.Time { return at }).Sign(coordinator(), ttl)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		return tok
	}
	now := clk.Now()
	good := sign(key, "k1", now, time.Minute)
	parts := strings.Split(good, ".")

	// A payload that makes the coordinator an admin, under the old signature.
	admin := base64.RawURLEncoding.EncodeToString([]byte(
		`{"sub":"x","role":"admin","iat":` + itoa(now.Unix()) + `,"exp":` + itoa(now.Unix()+60) + `}`))
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"tampered payload", strings.Join([]string{parts[0], parts[1], admin, parts[3]}, "."), auth.ErrBadSignature},
		{"other key same id", sign(other, "k1", now, time.Minute), auth.ErrBadSignature},
		{"signature of another token", strings.Join([]string{parts[0], parts[1], parts[2], strings.Split(sign(key, "k1", now, 2*time.Minute), ".")[3]}, "."), auth.ErrBadSignature},
		{"unknown key id", sign(key, "k2", now, time.Minute), auth.ErrUnknownKey},
		{"expired", sign(key, "k1", now.Add(-2*time.Minute), time.Minute), auth.ErrExpired},
		{"expired beyond leeway", sign(key, "k1", now.Add(-time.Minute-6*time.Second), time.Minute), auth.ErrExpired},
		{"not yet valid", sign(key, "k1", now.Add(time.Minute), time.Minute), auth.ErrNotYetValid},
		{"empty", "", auth.ErrMalformed},
		{"garbage", "not a token", auth.ErrMalformed},
		{"three parts", strings.Join(parts[:3], "."), auth.ErrMalformed},
		{"five parts", good + ".x", auth.ErrMalformed},
		{"other version", "v2" + good[2:], auth.ErrMalformed},
		{"signature not base64", strings.Join([]string{parts[0], parts[1], parts[2], "!!"}, "."), auth.ErrMalformed},
		{"signature padded", good + "==", auth.ErrMalformed},
		{"short signature", strings.Join([]string{parts[0], parts[1], parts[2], "AAAA"}, "."), auth.ErrMalformed},
		{"oversize", "v1.k1." + strings.Repeat("A", auth.MaxTokenSize) + "." + parts[3], auth.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(tt.token)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify err=%v, want %v", err, tt.want)
			}
			if c.Subject != "" {
				t.Fatalf("refused Verify returned claims %+v", c)
			}
		})
	}

	t.Run("within leeway", func(t *testing.T) {
		for _, tok := range []string{
			sign(key, "k1", now.Add(-time.Minute-4*time.Second), time.Minute), // expired 4s ago
			sign(key, "k1", now.Add(4*time.Second), time.Minute),              // issued 4s ahead
		} {
			if _, err := v.Verify(tok); err != nil {
				t.Fatalf("Verify within leeway: %v", err)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// manyMunicipalities is claims that pass Validate but make a token larger
// than MaxTokenSize.
func manyMunicipalities() []string {
	m := make([]string, 64)
	for i := range m {
		m[i] = strings.Repeat("m", 60) + strconv.Itoa(i)
	}
	return m
}

func TestVerify_KeyRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := mustKey(t), mustKey(t)
	oldID, newID := auth.KeyID(oldKey.Public().(ed25519.PublicKey)), auth.KeyID(newKey.Public().(ed25519.PublicKey))
	if oldID == newID {
		t.Fatalf("two keys share the id %q", oldID)
	}
	v := auth.NewVerifier(map[string]ed25519.PublicKey{
		oldID: oldKey.Public().(ed25519.PublicKey),
		newID: newKey.Public().(ed25519.PublicKey),
	}, nil, 0)
	for _, s := range []*auth.Signer{auth.NewSigner(oldKey, oldID, nil), auth.NewSigner(newKey, newID, nil)} {
		tok, err := s.Sign(coordinator(), time.Minute)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if _, err := v.Verify(tok); err != nil {
			t.Fatalf("Verify with key %s: %v", s.KeyID(), err)
		}
	}
}

func TestSign_Refuses(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	tests := []struct {
		name string
		s    *auth.Signer
		c    auth.Claims
		ttl  time.Duration
	}{
		{"invalid claims", auth.NewSigner(key, "k1", nil), auth.Claims{Role: auth.RoleAdmin}, time.Minute},
		{"zero ttl", auth.NewSigner(key, "k1", nil), coordinator(), 0},
		{"key id with dot", auth.NewSigner(key, "k.1", nil), coordinator(), time.Minute},
		{"empty key id", auth.NewSigner(key, "", nil), coordinator(), time.Minute},
		{"no key", auth.NewSigner(nil, "k1", nil), coordinator(), time.Minute},
		{"oversize claims", auth.NewSigner(key, "k1", nil), auth.Claims{
			Subject: "s", Role: auth.RoleCoordinator, Organisation: "o",
			Municipalities: manyMunicipalities(),
		}, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tok, err := tt.s.Sign(tt.c, tt.ttl); err == nil {
				t.Fatalf("Sign=%q, want an error", tok)
			}
		})
	}
}

func TestClaims_Validate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	valid := coordinator()
	valid.IssuedAt, valid.Expiry = at, at.Add(time.Minute)
	tests := []struct {
		name   string
		change func(*auth.Claims)
		ok     bool
	}{
		{"valid", func(*auth.Claims) {}, true},
		{"no subject", func(c *auth.Claims) { c.Subject = "" }, false},
		{"unknown role", func(c *auth.Claims) { c.Role = "root" }, false},
		{"coordinator without org", func(c *auth.Claims) { c.Organisation = "" }, false},
		{"coordinator without municipalities", func(c *auth.Claims) { c.Municipalities = nil }, false},
		{"empty municipality", func(c *auth.Claims) { c.Municipalities = []string{"0180", ""} }, false},
		{"long subject", func(c *auth.Claims) { c.Subject = strings.Repeat("x", 257) }, false},
		{"no expiry", func(c *auth.Claims) { c.Expiry = time.Time{} }, false},
		{"expiry before issue", func(c *auth.Claims) { c.Expiry = at.Add(-time.Second) }, false},
		{"admin without org", func(c *auth.Claims) { c.Role, c.Organisation, c.Municipalities = auth.RoleAdmin, "", nil }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			c.Municipalities = append([]string(nil), valid.Municipalities...)
			tt.change(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate()=%v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestClaims_CanSee(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		c         auth.Claims
		org, muni string
		want      bool
	}{
		{"admin", auth.Claims{Role: auth.RoleAdmin}, "org-2", "0999", true},
		{"service", auth.Claims{Role: auth.RoleService}, "org-2", "0999", true},
		{"coordinator same org and municipality", coordinator(), "org-1", "1480", true},
		{"coordinator other org", coordinator(), "org-2", "1480", false},
		{"coordinator other municipality", coordinator(), "org-1", "0999", false},
		{"coordinator record without org", coordinator(), "", "1480", false},
		{"coordinator empty municipality", coordinator(), "org-1", "", false},
		{"operator", auth.Claims{Role: auth.RoleOperator, Organisation: "org-1", Municipalities: []string{"1480"}}, "org-1", "1480", false},
		{"no role", auth.Claims{}, "org-1", "1480", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.CanSee(tt.org, tt.muni); got != tt.want {
				t.Fatalf("CanSee(%q, %q)=%v, want %v", tt.org, tt.muni, got, tt.want)
			}
		})
	}
}

func TestSignerSource_RenewsAt80Percent(t *testing.T) {
	t.Parallel()
	clk := newClock()
	key := mustKey(t)
	s := auth.NewSigner(key, "k1", clk.Now)
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, clk.Now, 0)
	ts := auth.SignerSource(s, auth.Claims{Subject: "dinners", Role: auth.RoleService}, 100*time.Second)
	ctx := t.Context()
	first, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(79 * time.Second)
	if again, _ := ts.Token(ctx); again != first {
		t.Fatal("token renewed before 80% of its life")
	}
	clk.Add(time.Second)
	renewed, _ := ts.Token(ctx)
	if renewed == first {
		t.Fatal("token not renewed at 80% of its life")
	}
	clk.Add(90 * time.Second) // the first token has expired; the renewed one has not
	if _, err := v.Verify(first); !errors.Is(err, auth.ErrExpired) {
		t.Fatalf("Verify(first)=%v, want expired", err)
	}
	if _, err := v.Verify(renewed); err != nil {
		t.Fatalf("Verify(renewed)=%v", err)
	}
}

func TestVerify_RepeatedTokenIsRechecked(t *testing.T) {
	t.Parallel()
	clk := newClock()
	key := mustKey(t)
	tok, err := auth.NewSigner(key, "k1", clk.Now).Sign(coordinator(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, clk.Now, 0)
	first, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	first.Municipalities[0] = "9999" // the caller's copy, not the verifier's
	second, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(coordinator().Municipalities, second.Municipalities); diff != "" {
		t.Fatalf("a caller changed the remembered claims (-want +got):\n%s", diff)
	}
	clk.Add(time.Minute)
	if _, err := v.Verify(tok); !errors.Is(err, auth.ErrExpired) {
		t.Fatalf("Verify of a remembered token after expiry: %v, want expired", err)
	}
}

// BenchmarkVerify measures a token the verifier has seen (the common case:
// a caller reuses its token until renewal).
func BenchmarkVerify(b *testing.B) {
	key := mustKey(b)
	s := auth.NewSigner(key, "k1", nil)
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, nil, 5*time.Second)
	tok, err := s.Sign(coordinator(), 5*time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyFirst measures a token seen for the first time: the
// signature check and the JSON decoding.
func BenchmarkVerifyFirst(b *testing.B) {
	key := mustKey(b)
	keys := map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}
	tok, err := auth.NewSigner(key, "k1", nil).Sign(coordinator(), 5*time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.NewVerifier(keys, nil, 5*time.Second).Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	s := auth.NewSigner(mustKey(b), "k1", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(coordinator(), 5*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
