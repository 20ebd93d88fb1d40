package ops_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUp_KillNineThroughEmailChanges runs make up's gateway and a second
// gateway beside it on the same NATS (the way two replicas share the
// accounts' buckets), and sends through the Connect API, as an admin,
// rounds of requests that meet: two users given one new address, one on
// each gateway, a new account with that address, and a user deleted. The
// layout's gateway is killed with kill -9 while a round is in flight,
// twice, and the second gateway once; each is started again. Then,
// through the API: no address is two users', every user signs in with the
// address the users list shows and as themselves, an address changed
// away from (answered OK) signs no one in, every user not deleted is
// there, and a deletion answered OK left no user, sign-in, token or
// key-value entry naming the user (ADR 0212).
func TestUp_KillNineThroughEmailChanges(t *testing.T) {
	t.Parallel()
	mustBinaries(t)
	start := time.Now()
	s := mustUpWith(t, layout.Options{NATSNodes: 1, Replicas: 1, Services: []string{"gateway"}})
	gwA := mustProc(t, s, "gateway")
	gwB := startGatewayBeside(t, s, gwA)
	admin := &gatewayAPI{t: t, base: "http://" + gwA.Addr}
	admin.token = signIn(t, admin, "admin@example.org", "correct-horse-battery").token
	apiA, apiB := admin, &gatewayAPI{t: t, base: "http://" + gwB.addr, token: admin.token}
	const rounds, pass = 8, "ett långt lösenord"

	type user struct{ id, email string }
	create := func(api *gatewayAPI, email string) (user, error) {
		out, err := api.try("UserService/CreateUser", map[string]any{"password": pass,
			"user": map[string]any{"email": email, "displayName": "Provanvändare", "role": "ROLE_OPERATOR", "locale": "sv"}})
		if err != nil {
			return user{}, err
		}
		return user{out["user"].(map[string]any)["id"].(string), email}, nil
	}
	var pa, pb, pd []user
	var tokensD []string
	for i := range rounds {
		for k, l := range []*[]user{&pa, &pb, &pd} {
			u, err := create(apiA, fmt.Sprintf("%c%d@example.org", "abd"[k], i))
			if err != nil {
				t.Fatal(err)
			}
			*l = append(*l, u)
		}
		tokensD = append(tokensD, signIn(t, apiB, pd[i].email, pass).token)
	}

	// The rounds. An outcome is "ok", "taken" (409), another error's text,
	// or "" (no answer: the gateway died under it).
	type outcome struct{ changeA, changeB, create, del string }
	outs := make([]outcome, rounds)
	var created []user // accounts made with a round's address
	var mu sync.Mutex
	answer := func(err error) string {
		switch {
		case err == nil:
			return "ok"
		case strings.Contains(err.Error(), "409 Conflict"):
			return "taken"
		case strings.Contains(err.Error(), "connect: connection refused"), strings.Contains(err.Error(), "EOF"),
			strings.Contains(err.Error(), "connection reset"):
			return ""
		}
		return err.Error()
	}
	// Which gateway dies in which round, and starting it again.
	kills := map[int]string{2: "gateway", 4: "gateway-b", 6: "gateway"}
	kill := func(name string) {
		if name == "gateway-b" {
			gwB.kill(t)
			return
		}
		must(t, s.Kill(name))
	}
	restart := func(name string) {
		if name == "gateway-b" {
			gwB.restart(t)
			return
		}
		must(t, s.Restart(testutil.Context(t), name))
	}
	for i := range rounds {
		x := fmt.Sprintf("x%d@example.org", i)
		change := func(api *gatewayAPI, u user) string {
			_, err := api.try("UserService/UpdateUser", map[string]any{"user": map[string]any{"id": u.id, "email": x}, "updateMask": "email"})
			return answer(err)
		}
		first := make(chan struct{}, 4)
		var wg sync.WaitGroup
		wg.Go(func() { outs[i].changeA = change(apiA, pa[i]); first <- struct{}{} })
		wg.Go(func() { outs[i].changeB = change(apiB, pb[i]); first <- struct{}{} })
		wg.Go(func() {
			u, err := create(apiB, x)
			if outs[i].create = answer(err); err == nil {
				mu.Lock()
				created = append(created, u)
				mu.Unlock()
			}
			first <- struct{}{}
		})
		wg.Go(func() {
			api := apiA
			if i%2 == 1 {
				api = apiB
			}
			_, err := api.try("UserService/DeleteUser", map[string]any{"id": pd[i].id})
			outs[i].del = answer(err)
			first <- struct{}{}
		})
		if name := kills[i]; name != "" {
			<-first // one answer is in: the others are in flight
			kill(name)
		}
		wg.Wait()
		if name := kills[i]; name != "" {
			restart(name)
		}
	}
	t.Logf("%d rounds with 3 kill -9 in %v: %+v", rounds, time.Since(start).Round(time.Millisecond), outs)

	// Every gateway started again on what was left.
	for _, name := range []string{"gateway", "gateway-b"} {
		kill(name)
		restart(name)
	}

	var listed []any
	listed, _ = apiA.call("UserService/ListUsers", map[string]any{"pageSize": 500})["users"].([]any)
	shown := map[string]string{} // id → e-mail
	holders := map[string][]string{}
	for _, v := range listed {
		u := v.(map[string]any)
		id, e := u["id"].(string), u["email"].(string)
		shown[id] = e
		holders[e] = append(holders[e], id)
	}
	for e, ids := range holders {
		if len(ids) > 1 {
			t.Errorf("%s is the address of %d users: %v", e, len(ids), ids)
		}
	}
	apis := []*gatewayAPI{apiA, apiB}
	n := 0
	signsInAs := func(email string) string { // "" when refused
		n++
		out, err := apis[n%2].try("ApiTokenService/CreateApiToken", map[string]any{"email": email, "password": pass, "name": "prov"})
		if err != nil {
			if !strings.Contains(err.Error(), "401") {
				t.Errorf("sign-in with %s: %v, want 401 or 200", email, err)
			}
			return ""
		}
		return out["user"].(map[string]any)["id"].(string)
	}
	for id, e := range shown {
		if e == "admin@example.org" {
			continue
		}
		if got := signsInAs(e); got != id {
			t.Errorf("%s (shown as %s's) signs in as %q", e, id, got)
		}
	}
	for i := range rounds {
		for k, u := range []user{pa[i], pb[i]} {
			e, ok := shown[u.id]
			if !ok {
				t.Errorf("round %d: %s is lost", i, u.id)
				continue
			}
			if ok := []string{outs[i].changeA, outs[i].changeB}[k] == "ok"; ok && e != fmt.Sprintf("x%d@example.org", i) {
				t.Errorf("round %d: %s's change was answered OK, the users list shows %s", i, u.id, e)
			} else if ok {
				if got := signsInAs(u.email); got != "" {
					t.Errorf("round %d: the address changed away from, %s, signs in as %s", i, u.email, got)
				}
			}
		}
		if outs[i].del == "ok" {
			if _, ok := shown[pd[i].id]; ok {
				t.Errorf("round %d: deleted %s is listed", i, pd[i].id)
			}
			if got := signsInAs(pd[i].email); got != "" {
				t.Errorf("round %d: the deleted user's address signs in as %s", i, got)
			}
			if _, err := (&gatewayAPI{t: t, base: apiB.base, token: tokensD[i]}).try("UserService/GetUser", map[string]any{"id": "me"}); err == nil || !strings.Contains(err.Error(), "401") {
				t.Errorf("round %d: the deleted user's token: %v, want 401", i, err)
			}
		} else if _, ok := shown[pd[i].id]; !ok && outs[i].del != "" {
			t.Errorf("round %d: %s is gone though its deletion was refused (%s)", i, pd[i].id, outs[i].del)
		}
	}
	for _, u := range created {
		if shown[u.id] != u.email {
			t.Errorf("%s, created with %s (answered OK), shows %q", u.id, u.email, shown[u.id])
		}
	}
	var deleted []string
	for i := range rounds {
		if outs[i].del == "ok" {
			deleted = append(deleted, pd[i].id)
		}
	}
	if found := erasedInBuckets(t, layoutJetStream(t, s), deleted...); len(found) > 0 {
		t.Errorf("after the deletions, entries naming the deleted users: %v", found)
	}
	t.Logf("%d users listed, %d deleted, %d sign-ins checked, in %v", len(shown), len(deleted), n, time.Since(start).Round(time.Millisecond))
}

// signedIn is a sign-in's API token.
type signedIn struct{ token, user string }

// signIn signs in through the API (CreateApiToken) and returns the token.
func signIn(t *testing.T, api *gatewayAPI, email, password string) signedIn {
	t.Helper()
	out := (&gatewayAPI{t: t, base: api.base}).call("ApiTokenService/CreateApiToken", map[string]any{"email": email, "password": password, "name": "prov"})
	return signedIn{out["token"].(string), out["user"].(map[string]any)["id"].(string)}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// besideGateway is a second gateway process on the layout's NATS, started
// by the test from the layout's gateway's own configuration with its own
// ports: the layout runs one gateway.
type besideGateway struct {
	addr, log string
	env       []string
	path      string
	cmd       *exec.Cmd
	done      chan struct{}
}

func startGatewayBeside(t *testing.T, s *system, gw layout.Proc) *besideGateway {
	t.Helper()
	b := &besideGateway{addr: freeAddr(t), path: gw.Path, log: filepath.Join(t.TempDir(), "gateway-b.log")}
	for _, kv := range gw.Env {
		switch {
		case strings.HasPrefix(kv, "GATEWAY_ADDR="):
			kv = "GATEWAY_ADDR=" + b.addr
		case strings.HasPrefix(kv, service.MetricsEnv+"="):
			kv = service.MetricsEnv + "=" + freeAddr(t)
		}
		b.env = append(b.env, kv)
	}
	b.restart(t)
	t.Cleanup(func() {
		if b.cmd != nil && b.cmd.Process != nil {
			_ = b.cmd.Process.Signal(syscall.SIGTERM)
			<-b.done
		}
		if t.Failed() {
			t.Logf("gateway-b's log:\n%s", layout.Tail(b.log, 40))
		}
	})
	return b
}

func (b *besideGateway) restart(t *testing.T) {
	t.Helper()
	logf, err := os.OpenFile(b.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	b.cmd = exec.Command(b.path)
	b.cmd.Env, b.cmd.Stdout, b.cmd.Stderr = b.env, logf, logf
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); logf.Close(); close(done) }(b.cmd, b.done)
	p := layout.Proc{Name: "gateway-b", Kind: "gateway", Addr: b.addr}
	testutil.CheckFor(t, time.Minute, 100*time.Millisecond, func() error {
		select {
		case <-b.done:
			t.Fatalf("gateway-b exited:\n%s", layout.Tail(b.log, 20))
		default:
		}
		return layout.Ready(testutil.Context(t), p)
	})
}

// kill is kill -9, and waits until the process is gone.
func (b *besideGateway) kill(t *testing.T) {
	t.Helper()
	_ = b.cmd.Process.Signal(syscall.SIGKILL)
	<-b.done
}

func freeAddr(t *testing.T) string {
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(testutil.FreePort(t)))
}
