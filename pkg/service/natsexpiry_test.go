package service

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/certtest"
)

const day = 24 * time.Hour

// shortTLSNATS starts a NATS server requiring TLS whose CA lasts caLife
// and whose certificate lasts serverLife (crypto/x509, not NewNATSCA: its
// lives are fixed), and returns its URL and the CA's file.
func shortTLSNATS(t *testing.T, caLife, serverLife time.Duration) (url, caFile string) {
	t.Helper()
	ca := certtest.Sign(t, certtest.CATemplate("short CA", caLife), nil)
	leaf := certtest.Sign(t, certtest.LeafTemplate(serverLife, "localhost", "127.0.0.1"), &ca)
	caFile = filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		TLS: true, TLSConfig: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Cert.Raw}, PrivateKey: leaf.Key}},
			MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL(), caFile
}

// expiryGauge reads nats_tls_expiry's values by cert from reader.
func expiryGauge(t *testing.T, reader *sdkmetric.ManualReader) map[string]float64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != natsExpiryInstrument {
				continue
			}
			if m.Unit != "s" {
				t.Errorf("unit %q, want s", m.Unit)
			}
			for _, p := range m.Data.(metricdata.Gauge[float64]).DataPoints {
				kind, _ := p.Attributes.Value(natsExpiryKind)
				got[kind.AsString()] = p.Value
			}
		}
	}
	return got
}

// TestConnectNATS_WarnsOfExpiringCertificates: a process connecting with
// NATS_CA_FILE (ConnectNATS, as every service and tool does) warns at
// start of a CA and a server certificate expiring in 10 days, naming
// which and the runbook, and serves the seconds left of each; with a CA
// of 10 days and a server certificate of a year only the CA is warned
// of; with make up's and keygen's lives (NewNATSCA, Issue) nothing is,
// and the gauge says two and ten years. Not parallel: ConnectNATS logs
// to slog's default and measures to otel's provider, which it sets.
func TestConnectNATS_WarnsOfExpiringCertificates(t *testing.T) {
	prevLog, prevMP := slog.Default(), otel.GetMeterProvider()
	t.Cleanup(func() { slog.SetDefault(prevLog); otel.SetMeterProvider(prevMP) })
	for _, tc := range []struct {
		name          string
		start         func(t *testing.T) (url, caFile string)
		warn          []string
		ca, server    time.Duration // the gauge's values, to a day
		user, passwrd string
	}{
		{"both in 10 days", func(t *testing.T) (string, string) { return shortTLSNATS(t, 10*day, 10*day) },
			[]string{"ca", "server"}, 10 * day, 10 * day, "", ""},
		{"the CA in 10 days", func(t *testing.T) (string, string) { return shortTLSNATS(t, 10*day, 365*day) },
			[]string{"ca"}, 10 * day, 365 * day, "", ""},
		{"fresh", tlsNATS, nil, natsCAValidity, natsServerValidity, "dinners", "right"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &testutil.LogBuffer{}
			slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			otel.SetMeterProvider(mp)
			url, caFile := tc.start(t)
			e := envvar.New(func(k string) string {
				return map[string]string{NATSCAFileEnv: caFile, NATSUserEnv: tc.user, NATSPasswordEnv: tc.passwrd}[k]
			})
			a := NATSAuthFrom(e)
			if err := e.Err(); err != nil {
				t.Fatal(err)
			}
			nc, err := ConnectNATS(url, "dinners", a)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			var warned []string
			for _, l := range strings.Split(logs.String(), "\n") {
				if !strings.Contains(l, "level=WARN") || !strings.Contains(l, "NATS TLS certificate expires soon") {
					continue
				}
				for _, kind := range []string{"ca", "server"} {
					if strings.Contains(l, " cert="+kind+" ") {
						warned = append(warned, kind)
					}
				}
				if !strings.Contains(l, "client=dinners") || !strings.Contains(l, "docs/runbook.md") || !strings.Contains(l, "days_left=9") {
					t.Errorf("the warning names no client, runbook or 9 whole days left: %s", l)
				}
			}
			if fmt.Sprint(warned) != fmt.Sprint(tc.warn) {
				t.Errorf("warned of %v, want %v:\n%s", warned, tc.warn, logs)
			}
			got := expiryGauge(t, reader)
			for kind, want := range map[string]time.Duration{"ca": tc.ca, "server": tc.server} {
				if v := got[kind]; v > want.Seconds() || v < (want-day).Seconds() {
					t.Errorf("nats.tls.expiry{cert=%s} = %.0f s, want within the day before %.0f s", kind, v, want.Seconds())
				}
			}
		})
	}
}

// TestWatchNATSCerts_WarnsAgain: the watch warns again each period (a
// day in a process; 10 ms here) while the certificate is near its end.
func TestWatchNATSCerts_WarnsAgain(t *testing.T) {
	t.Parallel()
	url, caFile := shortTLSNATS(t, 10*day, 10*day)
	caTLS, err := NATSTLSConfig(caFile, "", "")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := ConnectNATS(url, "notify", NATSAuth{TLS: caTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	logs := &testutil.LogBuffer{}
	stop := WatchNATSCerts(nc, "notify", slog.New(slog.NewTextHandler(logs, nil)), sdkmetric.NewMeterProvider(), 10*time.Millisecond)
	defer stop()
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if n := strings.Count(logs.String(), "cert=server"); n < 3 {
			return fmt.Errorf("warned %d times of the server's certificate, want 3 (at start and twice after)", n)
		}
		return nil
	})
}
