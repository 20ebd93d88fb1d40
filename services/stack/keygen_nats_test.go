package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestKeygen_NATSPasswords: keygen's .env carries the two NATS users'
// passwords deploy/nats.conf reads (ADR 0225), each different, in a form
// nats-server's configuration takes as a plain string; "keygen nats"
// prints those two lines alone, for an .env of before.
func TestKeygen_NATSPasswords(t *testing.T) {
	t.Parallel()
	lines := func(args []string) map[string]string {
		var out bytes.Buffer
		if err := keygen(args, "", &out); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
			k, v, _ := strings.Cut(line, "=")
			m[k] = v
		}
		return m
	}
	for _, args := range [][]string{nil, {"nats"}} {
		m := lines(args)
		p, sys := m["NATS_PASSWORD"], m["NATS_SYS_PASSWORD"]
		if len(p) < 32 || len(sys) < 32 || p == sys {
			t.Errorf("keygen %v: NATS_PASSWORD %q, NATS_SYS_PASSWORD %q: want two different long passwords", args, p, sys)
		}
		for _, v := range []string{p, sys} {
			if strings.ContainsAny(v, "+/=$ \"'#") || !strings.HasPrefix(v, "mp") {
				t.Errorf("keygen %v: password %q has a character nats-server's configuration would read otherwise", args, v)
			}
		}
		if args != nil && len(m) != 2 {
			t.Errorf("keygen nats printed %d lines, want the two passwords", len(m))
		}
	}
}
