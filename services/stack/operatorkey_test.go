package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// tokenConn dials addr with tok on every call.
func tokenConn(t *testing.T, addr, tok string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpcx.Dial(addr, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(tok))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// gatewayServiceToken is the gateway's own service token, signed with the
// stack's gateway key as the gateway signs it: no tool mints one (the
// operators' key signs people only, ADR 0217).
func gatewayServiceToken(t *testing.T, cfg Config) string {
	t.Helper()
	k, err := readKey(cfg.SigningKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.NewSigner(k, localKeyID, time.Now).Sign(auth.Claims{Subject: auth.GatewaySubject, Role: auth.RoleService,
		Issuer: auth.GatewaySubject}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// keyIDOf is the key id a token names (v1.<kid>.<payload>.<signature>).
func keyIDOf(tok string) string {
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 4 {
		return ""
	}
	return parts[1]
}

// spellings are the ways a private key could show up in a log: the
// seed's standard and URL-safe base64 (with and without padding), hex,
// and the whole 64-byte key's base64.
func spellings(k ed25519.PrivateKey) []string {
	return []string{base64.StdEncoding.EncodeToString(k.Seed()), base64.RawStdEncoding.EncodeToString(k.Seed()),
		base64.RawURLEncoding.EncodeToString(k.Seed()), hex.EncodeToString(k.Seed()), base64.StdEncoding.EncodeToString(k)}
}

// TestOperatorKey_TheToolsSignWithTheirOwn: the embedded stack makes the
// operators' key (data/operator.key, 0600, apart from the gateway's and
// notify's) and publishes it bound to people only; seed and token sign
// with it from the file or from MP_OPERATOR_SIGNING_KEY, the same demo
// passwords either way. The gateway's MP_SIGNING_KEY alone still signs,
// with one warning naming MP_OPERATOR_SIGNING_KEY; beside the operators'
// key it is not used. token refuses a service's role. No private key
// shows in the stack's logs, its output or the tools' (ADR 0217). A seed
// with another key prints no password for the accounts an earlier one made.
func TestOperatorKey_TheToolsSignWithTheirOwn(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	logs := &testutil.LogBuffer{}
	cfg.logs = logs
	l, stdout, _ := startStack(t, cfg)
	cfg.ParticipantsAddr, cfg.VolunteersAddr, cfg.DinnersAddr = l.Addr("participants"), l.Addr("volunteers"), l.Addr("dinners")
	cfg.MentoringAddr, cfg.GuidesAddr, cfg.NotifyAddr = l.Addr("mentoring"), l.Addr("guides"), l.Addr("notify")
	ctx := testutil.Context(t)

	keys := map[string]ed25519.PrivateKey{}
	for name, path := range map[string]string{"gateway": cfg.SigningKeyPath(), "notify": cfg.NotifyKeyPath(), "operator": cfg.OperatorKeyPath()} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s's key: %v", name, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", path, fi.Mode().Perm())
		}
		if keys[name], err = readKey(path); err != nil {
			t.Fatal(err)
		}
	}
	if keys["operator"].Equal(keys["gateway"]) || keys["operator"].Equal(keys["notify"]) {
		t.Fatal("the operators' key is the gateway's or notify's")
	}

	seedWith := func(c Config) string {
		t.Helper()
		var out bytes.Buffer
		if err := seed(ctx, c, []string{"-participants", "4", "-volunteers", "4", "-workers", "2", "-nats", "nats://" + l.Addr("nats")}, &out); err != nil {
			t.Errorf("seed: %v\n%s", err, out.String())
		}
		return out.String()
	}
	passwords := func(out string) []string { return regexp.MustCompile(`password \S+`).FindAllString(out, -1) }
	fromFile := seedWith(cfg)

	// Elsewhere than the stack's directory: a tool finds no key file there.
	dataKey, err := seal.ReadKeyFile(cfg.DataKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	away := cfg
	away.DataDir, away.DataKey = t.TempDir(), dataKey
	byVariable := away
	byVariable.OperatorSigningKey = auth.EncodePrivateKey(keys["operator"])
	fromVariable := seedWith(byVariable)
	if p := passwords(fromFile); len(p) != 3 || strings.Join(p, " ") != strings.Join(passwords(fromVariable), " ") {
		t.Errorf("demo passwords from the key file %v and from MP_OPERATOR_SIGNING_KEY %v: want the same three", p, passwords(fromVariable))
	}

	stranger, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	oldForm, both, unknown := away, byVariable, away
	oldForm.SigningKey, oldForm.SigningKeyID = auth.EncodePrivateKey(keys["gateway"]), localKeyID
	both.SigningKey = auth.EncodePrivateKey(keys["gateway"])
	unknown.OperatorSigningKey = auth.EncodePrivateKey(stranger)
	warnings := func() int { return strings.Count(logs.String(), "MP_OPERATOR_SIGNING_KEY") }
	for _, tc := range []struct {
		name     string
		cfg      Config
		kid      string
		code     codes.Code
		warnings int
	}{
		{"the stack's key file", cfg, operatorKeyID, codes.OK, 0},
		{"MP_OPERATOR_SIGNING_KEY", byVariable, operatorKeyID, codes.OK, 0},
		{"MP_OPERATOR_SIGNING_KEY beside the gateway's MP_SIGNING_KEY", both, operatorKeyID, codes.OK, 0},
		{"MP_OPERATOR_SIGNING_KEY of a key the services do not know", unknown, operatorKeyID, codes.Unauthenticated, 0},
		{"the gateway's MP_SIGNING_KEY alone (before ADR 0217)", oldForm, localKeyID, codes.OK, 1},
	} {
		before := warnings()
		var tok bytes.Buffer
		if err := token(tc.cfg, []string{"-role", "coordinator", "-org", "o-1", "-municipalities", "0180", "-subject", "ops"}, &tok); err != nil {
			t.Errorf("%s: token: %v", tc.name, err)
			continue
		}
		if got := keyIDOf(tok.String()); got != tc.kid {
			t.Errorf("%s: the token names key %q, want %q", tc.name, got, tc.kid)
		}
		_, err := volunteersv1.NewVolunteerServiceClient(tokenConn(t, l.Addr("volunteers"), strings.TrimSpace(tok.String()))).
			ListOrganisations(ctx, &volunteersv1.ListOrganisationsRequest{PageSize: 1})
		if got := status.Code(err); got != tc.code {
			t.Errorf("%s: ListOrganisations %v, want %v", tc.name, err, tc.code)
		}
		if got := warnings() - before; got != tc.warnings {
			t.Errorf("%s: %d warnings naming MP_OPERATOR_SIGNING_KEY, want %d:\n%s", tc.name, got, tc.warnings, logs.String())
		}
	}

	var out bytes.Buffer
	for _, args := range [][]string{{"-role", "service", "-subject", "gateway"}, {"-role", "service", "-subject", "notify"}, {"-role", "owner"}} {
		if err := token(cfg, args, &out); err == nil || !strings.Contains(err.Error(), "people's roles only") {
			t.Errorf("token %v: %v, want a refusal saying the operators' key signs people's roles only", args, err)
		}
	}
	if out.Len() != 0 {
		t.Errorf("a refused token printed %q", out.String())
	}

	// A seed with another key (the gateway's, as before ADR 0217) finds
	// the demo accounts made with the operators' key: it prints none of
	// its own passwords for them, which would not sign in.
	fromOldKey := seedWith(oldForm)
	if p := passwords(fromOldKey); len(p) != 3 || strings.Count(fromOldKey, "password (unchanged") != 3 {
		t.Errorf("a seed with another key over existing demo accounts printed %v, want three passwords (unchanged ...):\n%s", p, fromOldKey)
	}

	// Not one key in any output: the stack's logs and banner, the seeds'.
	for name, k := range keys {
		for _, s := range spellings(k) {
			for where, text := range map[string]string{"logs": logs.String(), "stack output": stdout.String(),
				"seed output": fromFile + fromVariable + fromOldKey} {
				if strings.Contains(text, s) {
					t.Errorf("%s's private key (as %q) is in the %s", name, s, where)
				}
			}
		}
	}
}

// TestKeygen_TheOperatorsKey: keygen's .env gives the gateway, notify and
// the operators a key each, MP_PUBLIC_KEYS names each by its id, and only
// the gateway's and the operators' sign people, the operators' no service;
// "keygen operator" adds the operators' key to an .env of before ADR
// 0217 keeping its other entries, and refuses one that has it, or no
// MP_PUBLIC_KEYS, naming the variable.
func TestKeygen_TheOperatorsKey(t *testing.T) {
	t.Parallel()
	env := func(text string) map[string]string {
		m := map[string]string{}
		for line := range strings.SplitSeq(strings.TrimSpace(text), "\n") {
			k, v, _ := strings.Cut(line, "=")
			m[k] = v
		}
		return m
	}
	var out bytes.Buffer
	if err := keygen(nil, publicEnv(""), &out); err != nil {
		t.Fatal(err)
	}
	full := env(out.String())
	public, err := service.ParsePublicKeys(full["MP_PUBLIC_KEYS"])
	if err != nil {
		t.Fatalf("MP_PUBLIC_KEYS %q: %v", full["MP_PUBLIC_KEYS"], err)
	}
	for variable, kid := range map[string]string{"MP_SIGNING_KEY": localKeyID, "MP_NOTIFY_SIGNING_KEY": notifyKeyID, "MP_OPERATOR_SIGNING_KEY": operatorKeyID} {
		k, err := auth.DecodePrivateKey(full[variable])
		if err != nil || !public[kid].Key.Equal(k.Public()) {
			t.Errorf("%s is not the key MP_PUBLIC_KEYS names %s (%v)", variable, kid, err)
		}
	}
	if len(public) != 3 || full["MP_SIGNING_KEY"] == full["MP_OPERATOR_SIGNING_KEY"] {
		t.Errorf("MP_PUBLIC_KEYS %q: want three keys, the operators' apart from the gateway's", full["MP_PUBLIC_KEYS"])
	}
	if g := public[operatorKeyID].Grants; !g.Users || len(g.Services) != 0 || g.Unbound {
		t.Errorf("the operators' key may sign %v, want people's roles only", g)
	}

	// An .env of before ADR 0217: the gateway's and notify's keys.
	before := strings.Join(strings.Split(full["MP_PUBLIC_KEYS"], ",")[:2], ",")
	out.Reset()
	if err := keygen([]string{"operator"}, publicEnv(before), &out); err != nil {
		t.Fatal(err)
	}
	added := env(out.String())
	if len(added) != 2 || !strings.HasPrefix(added["MP_PUBLIC_KEYS"], before+",operator=") {
		t.Errorf("keygen operator printed %v, want MP_OPERATOR_SIGNING_KEY and %q with the operators' key added", slices.Sorted(maps.Keys(added)), before)
	}
	upgraded, err := service.ParsePublicKeys(added["MP_PUBLIC_KEYS"])
	if err != nil {
		t.Fatal(err)
	}
	if k, err := auth.DecodePrivateKey(added["MP_OPERATOR_SIGNING_KEY"]); err != nil || !upgraded[operatorKeyID].Key.Equal(k.Public()) ||
		upgraded[operatorKeyID].Grants.String() != service.OperatorBinding {
		t.Errorf("keygen operator: the key added is not MP_OPERATOR_SIGNING_KEY's bound to users (%v)", err)
	}
	for _, tc := range []struct{ public, want string }{
		{"", "MP_PUBLIC_KEYS"},
		{full["MP_PUBLIC_KEYS"], "has a key operator already"},
		{"garbage", "MP_PUBLIC_KEYS"},
	} {
		out.Reset()
		if err := keygen([]string{"operator"}, publicEnv(tc.public), &out); err == nil || !strings.Contains(err.Error(), tc.want) || out.Len() != 0 {
			t.Errorf("keygen operator with MP_PUBLIC_KEYS %q: %v, printed %q; want a refusal naming %q", tc.public, err, out.String(), tc.want)
		}
	}
}
