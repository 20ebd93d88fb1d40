package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What a new user can get wrong before any command reaches the gateway,
// or when what answers is not the gateway (outside round s35, ADR 0196):
// each is said in Swedish words with what to do, never Go's own text.

// TestUnreadableSignInSaysWhatToDo: a config.json cut short or edited by
// hand printed the JSON decoder's "invalid character 'o' in literal null
// (expecting 'u')".
func TestUnreadableSignInSaysWhatToDo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := Env{Out: &bytes.Buffer{}, HTTP: http.DefaultClient, Getenv: func(k string) string {
		if k == "MP_CONFIG_DIR" {
			return dir
		}
		return ""
	}}
	err := Run(context.Background(), []string{"participants", "list"}, e)
	want := "inloggningen i " + path + " går inte att läsa; kör mp login igen"
	if err == nil || err.Error() != want {
		t.Errorf("participants list with a broken config.json: %v, want %q", err, want)
	}
}

// TestLoginServerWords: -server without http:// was "no gateway answers
// at localhost:8080" while one did; a server that answers but is not the
// gateway (the metrics port) was mp's bare "404 Not Found".
func TestLoginServerWords(t *testing.T) {
	t.Parallel()
	notGateway := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notGateway.Close)
	login := func(server string) error {
		dir := t.TempDir()
		env := map[string]string{"MP_CONFIG_DIR": dir, "MP_PASSWORD": "secret"}
		e := Env{Out: &bytes.Buffer{}, HTTP: notGateway.Client(), Getenv: func(k string) string { return env[k] }}
		return Run(context.Background(), []string{"login", "-email", "anna@example.org", "-server", server}, e)
	}
	for _, bad := range []string{"localhost:8080", "127.0.0.1:8080", "http://", "ftp://example.org"} {
		err := login(bad)
		want := `-server "` + bad + `": inte en webbadress; ange gatewayns adress med http:// eller https://`
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("login -server %s: %v, want %q...", bad, err, want)
		}
	}
	err := login(notGateway.URL)
	want := "login: det som svarar på " + notGateway.URL + " är inte Mötesplats gateway."
	// The status is looked for outside the address: a free port such as
	// 40473 holds "404" too.
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(strings.ReplaceAll(err.Error(), notGateway.URL, ""), "404") {
		t.Errorf("login at a server that is not the gateway: %v, want %q... without the HTTP status", err, want)
	}
}

// TestGatewayDownNamesTheAddress: with nothing listening at the saved
// sign-in's address, every command said "gatewayn eller en tjänst bakom
// den svarar inte just nu", as for a service down behind a running
// gateway; it names the address and asks whether the stack runs, as mp
// login does.
func TestGatewayDownNamesTheAddress(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + lis.Addr().String()
	lis.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"server":"`+down+`","token":"t","locale":"sv"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := Env{Out: &bytes.Buffer{}, HTTP: http.DefaultClient, Getenv: func(k string) string {
		if k == "MP_CONFIG_DIR" {
			return dir
		}
		return ""
	}}
	for _, args := range [][]string{{"participants", "list"}, {"whoami"}, {"dinners", "jobs", "list"}, {"report", "export", "-o", filepath.Join(dir, "r.csv")}} {
		err := Run(context.Background(), args, e)
		want := "ingen gateway svarar på " + down + ". Är systemet igång (make run)?"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("mp %v with the gateway down: %v, want %q...", args, err, want)
		}
	}
}
