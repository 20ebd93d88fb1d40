package natsembed

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats-server/v2/server"
)

// TestConnectInProcess checks that the connection reaches JetStream and
// that the server sees it as in-process, not as a TCP client.
func TestConnectInProcess(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{StoreDir: t.TempDir(), Host: "127.0.0.1", Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	nc, err := ConnectInProcess(s, "in-process")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "s.x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	conns, err := s.Connz(&server.ConnzOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range conns.Conns {
		if c.Name == "in-process" {
			found = true
			if c.Port != 0 {
				t.Fatalf("connection %q came over TCP from port %d, want in-process", c.Name, c.Port)
			}
		}
	}
	if !found {
		t.Fatalf("server lists no connection named in-process among %d", len(conns.Conns))
	}
}

// BenchmarkClientConnection compares a client over loopback TCP with an
// in-process one, as the embedded stack uses them: a synchronous publish
// to a stream delivered to three pull consumers that ack. cpu-µs/op is the
// whole process's CPU (client, server, consumers) per publish.
func BenchmarkClientConnection(b *testing.B) {
	for _, inproc := range []bool{false, true} {
		b.Run(fmt.Sprintf("inprocess=%v", inproc), func(b *testing.B) {
			s, err := Start(Options{StoreDir: b.TempDir(), Host: "127.0.0.1", Port: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Shutdown()
			connect := Connect
			if inproc {
				connect = ConnectInProcess
			}
			nc, err := connect(s, "bench")
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
			if err != nil {
				b.Fatal(err)
			}
			const consumers = 3
			done := make(chan struct{}, 1024)
			for i := range consumers {
				c, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
					Durable: fmt.Sprintf("c%d", i), AckPolicy: jetstream.AckExplicitPolicy})
				if err != nil {
					b.Fatal(err)
				}
				cc, err := c.Consume(func(m jetstream.Msg) { _ = m.Ack(); done <- struct{}{} })
				if err != nil {
					b.Fatal(err)
				}
				defer cc.Stop()
			}
			payload := make([]byte, 400)
			b.ResetTimer()
			c0 := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := js.Publish(ctx, "s.x", payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
			for range consumers * b.N {
				<-done
			}
			b.ReportMetric(float64(processCPU()-c0)/float64(b.N)/1e3, "cpu-µs/op")
		})
	}
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

