package testutil

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// mustEcho starts a TCP server on loopback that sends every line back.
func mustEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends line through c and returns the line that comes back.
func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, line string) (string, error) {
	t.Helper()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadString('\n')
	return strings.TrimSuffix(got, "\n"), err
}

func TestProxy_ForwardsHoldsWhileCutAndDeliversOnHeal(t *testing.T) {
	t.Parallel()
	p := MustProxy(t, mustEcho(t), nil)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got, err := roundTrip(t, c, r, "one"); err != nil || got != "one" {
		t.Fatalf("through the proxy: %q %v, want one", got, err)
	}

	p.Cut()
	// Nothing may come back while the path is cut; the deadline only
	// bounds how long the test looks (a late answer is caught below).
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if got, err := roundTrip(t, c, r, "two"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("while cut: %q %v, want nothing until the deadline", got, err)
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	p.Heal()
	got, err := r.ReadString('\n')
	if err != nil || got != "two\n" {
		t.Fatalf("after heal: %q %v, want the held two", got, err)
	}
	if got, err := roundTrip(t, c, r, "three"); err != nil || got != "three" {
		t.Fatalf("after heal: %q %v, want three", got, err)
	}
}

func TestProxy_DownFiltersTheServersBytes(t *testing.T) {
	t.Parallel()
	// down leaves out the lines that say "drop", as ackProxy leaves out
	// acknowledgements.
	p := MustProxy(t, mustEcho(t), func(client io.Writer, server io.Reader) error {
		r := bufio.NewReader(server)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if line == "drop\n" {
				continue
			}
			if _, err := io.WriteString(client, line); err != nil {
				return err
			}
		}
	})
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "keep\ndrop\nlast\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for _, want := range []string{"keep\n", "last\n"} {
		if got, err := r.ReadString('\n'); err != nil || got != want {
			t.Fatalf("got %q %v, want %q", got, err, want)
		}
	}
}
