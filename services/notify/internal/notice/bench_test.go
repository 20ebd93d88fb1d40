package notice_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/channel"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// smtpOnLoopback runs an in-process SMTP server (go-smtp) without TLS or
// AUTH and returns its address and inbox.
func smtpOnLoopback(tb testing.TB) (string, *inbox) {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	in := &inbox{}
	t, ok := tb.(*testing.T)
	if !ok {
		s := newSMTPServer(in)
		go func() { _ = s.Serve(lis) }()
		tb.Cleanup(func() { _ = s.Close() })
		return lis.Addr().String(), in
	}
	in.serve(t, lis, nil)
	return lis.Addr().String(), in
}

// BenchmarkSMTPWithBookkeeping sends b.N messages (to b.N/4 people, four
// each) through SMTP on loopback with everything a real send does: the
// create-once record, the lease, the render from the catalogue, the
// per-person order, the sent record, all in JetStream KV and sealed.
// Compare msgs/min with BenchmarkSMTPBare in the same run; the target is
// 1,000 a minute.
func BenchmarkSMTPWithBookkeeping(b *testing.B) {
	addr, in := smtpOnLoopback(b)
	email := channel.NewSMTP(channel.SMTPConfig{Addr: addr, From: "noreply@motesplats.test", Mode: channel.None})
	e := start(b, notice.Channels{Email: email})
	ctx := testutil.Context(b)
	people := max(1, b.N/4)
	e.dir.mu.Lock()
	for i := range people {
		e.dir.people[fmt.Sprintf("p-%d", i)] = notice.Person{FirstName: "P", Email: fmt.Sprintf("p%d@example.org", i), Language: "sv"}
	}
	e.dir.mu.Unlock()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := e.svc.Plan(ctx, notice.Planned{CauseID: fmt.Sprintf("c-%d", i), PersonID: fmt.Sprintf("p-%d", i%people),
			Role: pb.Role_ROLE_NEWCOMER, Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: "pair-b",
			Template: pb.Template_TEMPLATE_CANCELLATION, OrganisationID: org, Municipality: muni}); err != nil {
			b.Fatal(err)
		}
	}
	for len(in.received()) < b.N {
		if e.svc.SendDue(ctx) == 0 && len(in.received()) < b.N {
			time.Sleep(time.Millisecond) // the index catches up with the last writes
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Minutes(), "msgs/min")
}

// BenchmarkSMTPBare is the same SMTP server and client with no
// bookkeeping: the ceiling the bookkeeping is measured against.
func BenchmarkSMTPBare(b *testing.B) {
	addr, in := smtpOnLoopback(b)
	email := channel.NewSMTP(channel.SMTPConfig{Addr: addr, From: "noreply@motesplats.test", Mode: channel.None})
	ctx := testutil.Context(b)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if _, err := email.Send(ctx, notice.Outgoing{ID: fmt.Sprintf("m%d", i), Channel: pb.Channel_CHANNEL_EMAIL,
			To: "p@example.org", Language: "sv", Subject: "Det blir inte av", Text: "Hej!", HTML: "<p>Hej!</p>"}); err != nil {
			b.Fatal(err)
		}
	}
	if len(in.received()) != b.N {
		b.Fatalf("received %d of %d", len(in.received()), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Minutes(), "msgs/min")
}
