package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// dialDriver dials the participants service the way a load tool does: bare
// gRPC, without grpcx.Dial's otelgrpc client handler (a span and a metric
// per call) and its attempt bounds. The driver stands in for the users,
// whose clients are not ours to count, and nats bench, the figure a create
// is measured against, carries neither; with them the driver spent about
// 20 µs of this process's CPU per create (ADR 0147). The stack's own
// servers and their clients keep otelgrpc. The cached-Get and echo rounds
// keep grpcx.Dial on both sides, so their ratio compares as before.
func dialDriver(addr string, creds credentials.PerRPCCredentials) (*grpc.ClientConn, error) {
	cc, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("load: grpc client for %s: %w", addr, err)
	}
	return cc, nil
}

// senders are the load driver's callers: long-lived goroutines, each
// started when a send finds none idle, at most limit of them. The one that
// went idle last takes the next send, so a rate needs only the few it
// keeps busy, and their stacks, grown by the first create, stay grown.
// Before, every idle sender waited on one shared channel, which Go hands
// round the waiting goroutines in turn: at 1,000 creates a second each
// create ran on a sender that had not run for seconds, on a 2,000-strong
// set started afresh every step, and grew its stack again (runtime
// newstack, about 10 µs of CPU per create, ADR 0147).
type senders struct {
	send  func(sent time.Time)
	limit int

	mu   sync.Mutex
	idle []chan time.Time // LIFO: the last one back is the next one out
	all  []chan time.Time
	wg   sync.WaitGroup
}

func newSenders(limit int, send func(sent time.Time)) *senders {
	return &senders{send: send, limit: limit}
}

// offer hands a send made at sent to a sender, and reports false when all
// limit are busy (the driver is saturated: open loop, the send is dropped
// and the achieved rate shows it).
func (s *senders) offer(sent time.Time) bool {
	s.mu.Lock()
	if n := len(s.idle); n > 0 {
		ch := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		ch <- sent // its buffer of one is empty: an idle sender holds none
		return true
	}
	if len(s.all) == s.limit {
		s.mu.Unlock()
		return false
	}
	ch := make(chan time.Time, 1)
	s.all = append(s.all, ch)
	s.mu.Unlock()
	ch <- sent
	s.wg.Go(func() {
		for t := range ch {
			s.send(t)
			s.mu.Lock()
			s.idle = append(s.idle, ch)
			s.mu.Unlock()
		}
	})
	return true
}

// wait lets every sender finish its send and stop. No offer may follow.
func (s *senders) wait() {
	s.mu.Lock()
	for _, ch := range s.all {
		close(ch)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// probeOrganisation creates the organisation the load tools register
// their newcomers in, through the volunteers service at addr: the
// participants service takes a newcomer only in an organisation that
// stands (docs/adr/0202). Its request id makes a second run against the
// same stack find the one the first made; the other load tool (another
// caller, so another request) finds it by its name, which one
// organisation holds (docs/adr/0258).
func probeOrganisation(ctx context.Context, addr string, creds credentials.PerRPCCredentials) (string, error) {
	conn, err := dialDriver(addr, creds)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	vc := volunteersv1.NewVolunteerServiceClient(conn)
	res, err := vc.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{
		RequestId: "load-probe-organisation",
		Organisation: &volunteersv1.Organisation{Name: probeOrganisationName, Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION,
			MunicipalityCodes: []string{"0180"}}})
	if status.Code(err) == codes.AlreadyExists {
		list, lerr := vc.ListOrganisations(ctx, &volunteersv1.ListOrganisationsRequest{MunicipalityCode: "0180", PageSize: 500})
		if lerr == nil {
			for _, o := range list.GetOrganisations() {
				if o.GetName() == probeOrganisationName {
					return o.GetId(), nil
				}
			}
		}
	}
	if err != nil {
		return "", fmt.Errorf("load: the probe's organisation: %w", err)
	}
	return res.GetOrganisation().GetId(), nil
}

// probeOrganisationName is the name of the load tools' organisation.
const probeOrganisationName = "Lastprov"
