package ops_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUp_NATSCertsRenewedWhileUp (ADR 0276): make up's three nodes with
// users and TLS, as real nats-server processes. Client certificates: the
// tools' user with the right password and the CA but no certificate of
// its own is refused; with its certificate it signs in. Renewal: four
// writers publish to an R3 stream on one connection; make renew-certs'
// RenewNATSCerts issues every certificate again and signals the nodes;
// then every node serves a new serial (read by a TLS dial) lasting two
// years, every acknowledged write is in the stream, no write failed, and
// the writers' connection never reconnected; a new connection presents
// the renewed client certificate and is let in.
func TestUp_NATSCertsRenewedWhileUp(t *testing.T) {
	t.Parallel()
	pw, err := layout.NewNATSPasswords()
	if err != nil {
		t.Fatal(err)
	}
	s := mustUpWith(t, layout.Options{NATSNodes: 3, Services: []string{}, NATSPasswords: pw, NATSTLS: t.TempDir()})
	tlsDir := s.Opts.NATSTLS
	var urls, nodes []string
	for i := 1; i <= 3; i++ {
		p := mustProc(t, s, fmt.Sprintf("nats-%d", i))
		urls, nodes = append(urls, "nats://"+p.Addr), append(nodes, p.Addr)
	}
	url := strings.Join(urls, ",")
	cert, key := layout.NATSClientFiles(tlsDir, service.NATSToolsUser)
	tools := func() service.NATSAuth {
		c, err := service.NATSTLSConfig(layout.NATSCAFile(tlsDir), cert, key)
		if err != nil {
			t.Fatal(err)
		}
		return service.NATSAuth{User: service.NATSToolsUser, Password: pw[service.NATSToolsUser], TLS: c}
	}

	// Without a client certificate: the password and the CA do not suffice.
	caOnly, err := service.NATSTLSConfig(layout.NATSCAFile(tlsDir), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if nc, err := service.ConnectNATS(url, "no-cert", service.NATSAuth{User: service.NATSToolsUser,
		Password: pw[service.NATSToolsUser], TLS: caOnly}, nats.NoReconnect()); err == nil {
		nc.Close()
		t.Errorf("a client without a certificate signed in with the tools' password")
	} else {
		t.Logf("without a client certificate: %v", err)
	}

	var reconnects, disconnects atomic.Int32
	nc, err := service.ConnectNATS(url, "renew-writer", tools(),
		nats.ReconnectHandler(func(*nats.Conn) { reconnects.Add(1) }),
		nats.DisconnectErrHandler(func(*nats.Conn, error) { disconnects.Add(1) }))
	if err != nil {
		t.Fatalf("with the tools' client certificate: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testutil.Context(t)
	var st jetstream.Stream
	testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
		st, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "LOADBENCH", Subjects: []string{"LOADBENCH.>"}, Replicas: 3})
		return err
	})

	before := servedSerials(t, nodes, tools())
	var acked, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_, err := js.Publish(pctx, fmt.Sprintf("LOADBENCH.w%d", w), []byte("x"), jetstream.WithMsgID(fmt.Sprintf("w%d-%d", w, n)))
				cancel()
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				acked.Add(1)
			}
		}()
	}
	waitAcked := func(n int64) {
		testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
			if a := acked.Load(); a < n {
				return fmt.Errorf("%d writes acknowledged, want %d", a, n)
			}
			return nil
		})
	}
	waitAcked(200)
	atRenewal := acked.Load()
	var out bytes.Buffer
	t0 := time.Now()
	if err := layout.RenewNATSCerts(s.Opts.Dir, tlsDir, &out); err != nil {
		t.Errorf("renew: %v\n%s", err, out.String())
	}
	took := time.Since(t0)
	waitAcked(atRenewal + 200) // writes go on after the reload
	close(stop)
	wg.Wait()
	t.Logf("renewed in %v under %d writes (%d after the renewal began):\n%s", took.Round(time.Millisecond), acked.Load(),
		acked.Load()-atRenewal, out.String())

	after := servedSerials(t, nodes, tools())
	for i, addr := range nodes {
		if after[i].serial == before[i].serial {
			t.Errorf("nats-%d (%s) still serves serial %s after the renewal", i+1, addr, before[i].serial)
		}
		if left := time.Until(after[i].notAfter); left < 700*24*time.Hour {
			t.Errorf("nats-%d serves a certificate ending in %v, want two years", i+1, left.Round(time.Hour))
		}
	}
	if n := failed.Load(); n > 0 {
		t.Errorf("%d writes failed during the renewal, the first: %v", n, firstErr.Load())
	}
	if r, d := reconnects.Load(), disconnects.Load(); r > 0 || d > 0 {
		t.Errorf("the writers' connection disconnected %d and reconnected %d times during the renewal, want none", d, r)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := int64(info.State.Msgs); got != acked.Load() {
		t.Errorf("the stream holds %d messages, %d writes were acknowledged", got, acked.Load())
	}
	// A new connection: the renewed client certificate, let in.
	nc2, err := service.ConnectNATS(url, "after-renewal", tools(), nats.NoReconnect())
	if err != nil {
		t.Fatalf("a new connection after the renewal: %v", err)
	}
	defer nc2.Close()
	if err := nc2.Flush(); err != nil {
		t.Error(err)
	}
}

// served is what a node's TLS dial showed.
type served struct {
	serial   string
	notAfter time.Time
}

// servedSerials dials each node in TLS and reads its certificate.
func servedSerials(t *testing.T, nodes []string, a service.NATSAuth) []served {
	t.Helper()
	var out []served
	for _, addr := range nodes {
		c, err := layout.ServedNATSCert(addr, a.TLS)
		if err != nil {
			t.Fatal(errors.Join(fmt.Errorf("%s", addr), err))
		}
		out = append(out, served{c.SerialNumber.Text(16), c.NotAfter})
	}
	return out
}
