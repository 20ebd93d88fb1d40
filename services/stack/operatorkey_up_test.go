package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNoOperatorsKeyNamesMakeUpsKeys: after make up, a seed or token run
// as after make run (without .tmp/up/keys.env) was told "no operators'
// key at data/operator.key: start the stack once with `make run`": a
// second stack, on the same default ports as make up's, is the wrong cure
// (found from outside, ADR 0227). The refusal now also names make up's
// keys.env, and still make run's key file.
func TestNoOperatorsKeyNamesMakeUpsKeys(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, t.TempDir())
	for _, args := range [][]string{{"seed", "-nats", ""}, {"token"}} {
		var out bytes.Buffer
		err := dispatch(testutil.Context(t), cfg, args, &out)
		if err == nil {
			t.Fatalf("%v without an operators' key: taken", args)
		}
		for _, w := range []string{cfg.OperatorKeyPath(), "make run", "MP_OPERATOR_SIGNING_KEY", ".tmp/up/keys.env"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q does not say %q", args, err, w)
			}
		}
	}
}
