package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// runMainEnv makes the test binary run main() itself, so the test below
// starts the real command in a process of its own.
const runMainEnv = "MOTESPLATS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestBadSettingStopsTheProcess starts the dinners binary with one bad
// value at a time and reads its stderr and exit status: it stops before
// it joins NATS (NATS_URL points at a port nobody serves), with exit
// status 2 and one JSON log line whose err names the variable, the
// problem in words and the accepted form (ADR 0186). Before, a bad
// DINNERS_RESULT_TTL was found only after NATS (here: "connect NATS: nats:
// no servers available for connection"), a taken port after the streams
// were replayed.
func TestBadSettingStopsTheProcess(t *testing.T) {
	t.Parallel()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = held.Close() })
	for _, tt := range []struct{ name, value, problem string }{
		{"DINNERS_RESULT_TTL", "abc", "not a duration"},
		{"DINNERS_JOB_RETENTION", "-720h", "too short"},
		{"DINNERS_ADDR", "127.0.0.1:70000", "outside 0 to 65535"},
		{"DINNERS_ADDR", held.Addr().String(), "already in use"},
		{"METRICS_ADDR", "abc", "not host:port"},
		{"MP_REPLICAS", "0", "out of range"},
		{"MP_DATA_KEY", "not-a-key", "not a data key"},
		{"LOG_LEVEL", "verbose", "not a known value"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{
				"MP_PUBLIC_KEYS": "local=" + auth.EncodePublicKey(k.Public().(ed25519.PublicKey)),
				"MP_DATA_KEY":    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
				"NATS_URL":       "nats://127.0.0.1:1", "DINNERS_ADDR": "127.0.0.1:0", "METRICS_ADDR": "off",
				tt.name: tt.value,
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = []string{runMainEnv + "=1", "PATH=" + os.Getenv("PATH")}
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit %v, want status 2; stderr:\n%s", err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("stderr has %d lines, want one:\n%s", len(lines), stderr.String())
			}
			var rec struct{ Level, Msg, Service, Err string }
			if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
				t.Fatalf("stderr is not a JSON log line: %q", lines[0])
			}
			if rec.Level != "ERROR" || rec.Msg != "configuration refused" || rec.Service != "dinners" {
				t.Errorf("line %q", lines[0])
			}
			if got := testutil.MustRefuse(t, errors.New(rec.Err), tt.name); !strings.Contains(got, tt.problem) {
				t.Errorf("err %q, want %q", got, tt.problem)
			}
			if tt.name == "MP_DATA_KEY" && strings.Contains(rec.Err, tt.value) {
				t.Errorf("the data key is echoed: %q", rec.Err)
			}
		})
	}
}
