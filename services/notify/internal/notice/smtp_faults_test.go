package notice_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/channel"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// faulty is a real SMTP server (go-smtp's) that misbehaves by recipient:
// it refuses the message after its data (554), drops the connection in
// the middle of the first message's data, answers every RCPT "try later"
// (451), or holds the data's reply until the test lets it go.
type faulty struct {
	mu       sync.Mutex
	kept     map[string]int // recipient: messages the server accepted
	rcpts    map[string]int // recipient: RCPT commands seen
	dropped  bool
	arrived  chan struct{} // the slow recipient's data is in
	release  chan struct{} // and may now be answered
	holdOnce sync.Once
}

const (
	refusedTo = "refused@example.org"
	droppedTo = "dropped@example.org"
	busyTo    = "busy@example.org"
	slowTo    = "slow@example.org"
)

type faultySession struct {
	f    *faulty
	conn *smtp.Conn
	to   string
}

func (f *faulty) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &faultySession{f: f, conn: c}, nil
}

func (s *faultySession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *faultySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.f.mu.Lock()
	s.f.rcpts[to]++
	s.f.mu.Unlock()
	if to == busyTo {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.to = to
	return nil
}

func (s *faultySession) Data(r io.Reader) error {
	if s.to == droppedTo {
		s.f.mu.Lock()
		first := !s.f.dropped
		s.f.dropped = true
		s.f.mu.Unlock()
		if first {
			// Half the data read, then the line goes dead.
			_, _ = io.ReadFull(r, make([]byte, 64))
			_ = s.conn.Conn().Close()
			return errors.New("dropped")
		}
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	switch s.to {
	case refusedTo:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "message refused"}
	case slowTo:
		s.f.holdOnce.Do(func() {
			close(s.f.arrived)
			<-s.f.release
		})
	}
	s.f.mu.Lock()
	s.f.kept[s.to]++
	s.f.mu.Unlock()
	return nil
}

func (s *faultySession) Reset()        {}
func (s *faultySession) Logout() error { return nil }

func (f *faulty) counts(to string) (kept, rcpts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kept[to], f.rcpts[to]
}

// tally counts what notify reports to the operator's metrics
// (motesplats_notifications_sent_total and ..._failed_total{reason}).
type tally struct {
	mu                         sync.Mutex
	sent, temporary, permanent int
}

var _ notice.Metrics = (*tally)(nil)

func (m *tally) Sent(pb.Channel) { m.mu.Lock(); m.sent++; m.mu.Unlock() }
func (m *tally) Failed(_ pb.Channel, permanent bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if permanent {
		m.permanent++
	} else {
		m.temporary++
	}
}
func (m *tally) Retained(int, int, time.Duration) {}

// TestSMTPFaults: a mail server that refuses a message after its data
// (5xx), drops the connection mid-data, answers "try later" for ever, or
// is slow to answer while another replica sends. Nothing is lost: the
// dropped message goes out on the next attempt; nothing goes twice: the
// slow one is not taken by the other replica while the first still
// waits; a refusal is final after one attempt; "try later" is given up
// after the bounded number of attempts (MaxAttempts) and says so; and the
// operator's metrics count every attempt's failure, temporary or final,
// and every send.
func TestSMTPFaults(t *testing.T) {
	t.Parallel()
	f := &faulty{kept: map[string]int{}, rcpts: map[string]int{}, arrived: make(chan struct{}), release: make(chan struct{})}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(f)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })
	email := channel.NewSMTP(channel.SMTPConfig{Addr: lis.Addr().String(), From: "noreply@motesplats.test", Mode: channel.None,
		DialTimeout: time.Second})
	m := &tally{}
	e := start(t, notice.Channels{Email: email})
	withMetrics := func(d *notice.Deps) { d.Metrics = m }
	one, other := e.serviceWith(notice.Channels{Email: email}, "replica-1", withMetrics),
		e.serviceWith(notice.Channels{Email: email}, "replica-2", withMetrics)
	ctx := testutil.Context(t)
	people := map[string]string{"p-refused": refusedTo, "p-dropped": droppedTo, "p-busy": busyTo, "p-slow": slowTo}
	e.dir.mu.Lock()
	for id, addr := range people {
		e.dir.people[id] = notice.Person{FirstName: "X", Email: addr, Language: "sv"}
	}
	e.dir.mu.Unlock()
	for id := range people {
		if err := one.Plan(ctx, notice.Planned{CauseID: "c-" + id, PersonID: id, Role: pb.Role_ROLE_NEWCOMER,
			Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: "pair-" + id, Template: pb.Template_TEMPLATE_CANCELLATION,
			OrganisationID: org, Municipality: muni}); err != nil {
			t.Fatal(err)
		}
	}
	// The first pass: the slow server holds its message; the other
	// replica's pass meanwhile must leave it alone.
	first := make(chan struct{})
	go func() { defer close(first); one.SendDue(ctx) }()
	<-f.arrived
	other.SendDue(ctx)
	if kept, rcpts := f.counts(slowTo); kept != 0 || rcpts != 1 {
		t.Fatalf("while the slow server held the message, the other replica sent it again: %d kept, %d RCPTs", kept, rcpts)
	}
	close(f.release)
	<-first
	status := func(id string) *pb.StoredMessage {
		ds := adminDeliveries(t, e, id)
		if len(ds) != 1 {
			t.Fatalf("%s has %d deliveries, want 1", id, len(ds))
		}
		return ds[0]
	}
	// Retries, with the clock past each backoff, until every message is
	// settled.
	testutil.CheckFor(t, 20*time.Second, 10*time.Millisecond, func() error {
		e.clock.Add(2 * time.Minute)
		one.SendDue(ctx)
		for id := range people {
			if s := status(id).GetStatus(); s != pb.DeliveryStatus_DELIVERY_STATUS_SENT && s != pb.DeliveryStatus_DELIVERY_STATUS_FAILED {
				return fmt.Errorf("%s is %v", id, s)
			}
		}
		return nil
	})
	for range 3 { // further passes change nothing
		e.clock.Add(time.Hour)
		one.SendDue(ctx)
		other.SendDue(ctx)
	}
	for _, c := range []struct {
		id, to   string
		status   pb.DeliveryStatus
		failure  pb.Failure
		attempts int32
		kept     int
		rcpts    int
	}{
		{"p-refused", refusedTo, pb.DeliveryStatus_DELIVERY_STATUS_FAILED, pb.Failure_FAILURE_REJECTED, 1, 0, 1},
		{"p-dropped", droppedTo, pb.DeliveryStatus_DELIVERY_STATUS_SENT, 0, 2, 1, 2},
		{"p-busy", busyTo, pb.DeliveryStatus_DELIVERY_STATUS_FAILED, pb.Failure_FAILURE_GAVE_UP, 5, 0, 5},
		{"p-slow", slowTo, pb.DeliveryStatus_DELIVERY_STATUS_SENT, 0, 1, 1, 1},
	} {
		d := status(c.id)
		kept, rcpts := f.counts(c.to)
		if d.GetStatus() != c.status || d.GetFailure() != c.failure || d.GetAttempts() != c.attempts || kept != c.kept || rcpts != c.rcpts {
			t.Errorf("%s: %v %v after %d attempts, the server kept %d of %d RCPTs; want %v %v after %d, %d of %d",
				c.id, d.GetStatus(), d.GetFailure(), d.GetAttempts(), kept, rcpts, c.status, c.failure, c.attempts, c.kept, c.rcpts)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Sent: dropped (second try) and slow. Temporary: the drop once and
	// "try later" four times; final: the refusal and the fifth "try later".
	if m.sent != 2 || m.temporary != 5 || m.permanent != 2 {
		t.Errorf("metrics: %d sent, %d temporary and %d final failures; want 2, 5, 2", m.sent, m.temporary, m.permanent)
	}
}
