package grpcx

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/balancer/roundrobin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/status"
)

// guardName is the load-balancing policy Dial uses: round robin over
// every replica, leaving out for a while a replica that let an attempt
// time out (ADR 0138). grpc-go's outlier detection would do this, but it
// is internal to its xDS packages, counts every error (a NotFound too) as
// the replica's fault, and needs five replicas by default.
const guardName = "grpcx_round_robin_guarded"

// Left-out windows: a replica that timed out is skipped for leftOut; then
// one call that is safe to repeat probes it; each probe that times out
// doubles the window, up to maxLeftOut. Any answer from the replica, even
// an error status, brings it back at once.
const (
	leftOut    = 5 * time.Second
	maxLeftOut = 30 * time.Second
)

// maxPicks bounds how often a pick asks round robin again to get past
// left-out replicas: enough to see every replica of a service a few times
// over, even with other calls picking at the same time.
const maxPicks = 16

var registerGuard sync.Once

type guardBuilder struct{}

func (guardBuilder) Name() string { return guardName }

// Build wraps round robin: the guard sits between it and the ClientConn,
// learns each SubConn's address as round robin creates it, and wraps every
// picker round robin publishes.
func (guardBuilder) Build(cc balancer.ClientConn, opts balancer.BuildOptions) balancer.Balancer {
	g := &guard{ClientConn: cc, addrs: map[balancer.SubConn]string{}, state: map[string]*replicaState{}, now: time.Now}
	return balancer.Get(roundrobin.Name).Build(g, opts)
}

// guard is one ClientConn's record of which replicas are left out. It is
// keyed by address, so a replica stays left out when round robin makes a
// new SubConn for it.
type guard struct {
	balancer.ClientConn
	now func() time.Time

	mu    sync.Mutex
	addrs map[balancer.SubConn]string
	state map[string]*replicaState
}

// replicaState is a left-out replica: until when, the window that ends
// then (doubled by a probe that times out), and whether a probe is out.
type replicaState struct {
	until   time.Time
	window  time.Duration
	probing bool
}

// NewSubConn records the new SubConn's address and forgets it when the
// SubConn shuts down (a replica gone from a DNS name).
func (g *guard) NewSubConn(addrs []resolver.Address, opts balancer.NewSubConnOptions) (balancer.SubConn, error) {
	var sc balancer.SubConn
	if listen := opts.StateListener; listen != nil {
		opts.StateListener = func(s balancer.SubConnState) {
			if s.ConnectivityState == connectivity.Shutdown {
				g.forget(sc)
			}
			listen(s)
		}
	}
	sc, err := g.ClientConn.NewSubConn(addrs, opts)
	if err != nil || len(addrs) == 0 {
		return sc, err
	}
	g.mu.Lock()
	g.addrs[sc] = addrs[0].Addr
	g.mu.Unlock()
	return sc, nil
}

func (g *guard) forget(sc balancer.SubConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	addr, ok := g.addrs[sc]
	if !ok {
		return
	}
	delete(g.addrs, sc)
	for _, a := range g.addrs {
		if a == addr {
			return // another SubConn still reaches it
		}
	}
	delete(g.state, addr)
}

// UpdateState passes round robin's state on with its picker wrapped.
func (g *guard) UpdateState(s balancer.State) {
	if s.Picker != nil {
		s.Picker = &guardPicker{g: g, child: s.Picker}
	}
	g.ClientConn.UpdateState(s)
}

type guardPicker struct {
	g     *guard
	child balancer.Picker
}

// Pick asks round robin until it names a replica that is not left out.
// When every replica it names is left out, the first is used all the
// same: the attempt's timeout bounds the call, and a single replica that
// was merely slow once is not refused for the window.
func (p *guardPicker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	mark, bounded := markOf(info.Ctx)
	var first balancer.PickResult
	for i := range maxPicks {
		pr, err := p.child.Pick(info)
		if err != nil {
			return pr, err
		}
		if i == 0 {
			first = pr
		}
		if ok, probe := p.g.admit(pr.SubConn, mark.repeatable); ok {
			return p.g.watch(info.Ctx, pr, bounded, probe), nil
		}
	}
	return p.g.watch(info.Ctx, first, bounded, false), nil
}

// admit reports whether a call may go to sc, and whether it goes as the
// probe of a left-out replica whose window has passed.
func (g *guard) admit(sc balancer.SubConn, repeatable bool) (ok, probe bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.state[g.addrs[sc]]
	switch {
	case st == nil:
		return true, false
	case st.probing || !repeatable || g.now().Before(st.until):
		return false, false
	}
	st.probing = true
	return true, true
}

// watch wraps the pick's Done to learn from the attempt's outcome. A
// stream that boundStream cut for going quiet counts as a timed-out
// attempt, whatever it received before (ADR 0145).
func (g *guard) watch(ctx context.Context, pr balancer.PickResult, bounded, probe bool) balancer.PickResult {
	sc, done := pr.SubConn, pr.Done
	pr.Done = func(di balancer.DoneInfo) {
		if done != nil {
			done(di)
		}
		if errors.Is(context.Cause(ctx), errQuiet) {
			di.BytesReceived, di.Err, bounded = false, status.Error(codes.DeadlineExceeded, "quiet"), true
		}
		g.outcome(sc, di, bounded, probe)
	}
	return pr
}

// outcome updates sc's replica after an attempt: any bytes from it
// (headers, an error status) show it answers; a bounded attempt that
// timed out with nothing from it leaves it out. Other failures (a refused
// connection, the caller going away) say nothing about a stall, except
// that a probe that ended so lets the next call probe.
func (g *guard) outcome(sc balancer.SubConn, di balancer.DoneInfo, bounded, probe bool) {
	timedOut := bounded && !di.BytesReceived && status.Code(di.Err) == codes.DeadlineExceeded
	if !di.BytesReceived && !timedOut && !probe {
		return
	}
	g.mu.Lock()
	addr := g.addrs[sc]
	st := g.state[addr]
	switch {
	case di.BytesReceived:
		if st == nil {
			g.mu.Unlock()
			return
		}
		delete(g.state, addr)
		g.mu.Unlock()
		slog.Default().Info("grpc: replica answers again; calls go to it", "addr", addr)
		return
	case !timedOut:
		if st != nil {
			st.probing = false
		}
		g.mu.Unlock()
		return
	}
	// Calls sent before the replica was left out time out one after the
	// other: only the first sets the window, and only a probe doubles it.
	var window time.Duration
	switch {
	case st == nil:
		st = &replicaState{window: leftOut}
		g.state[addr] = st
		window = st.window
	case probe:
		st.window = min(2*st.window, maxLeftOut)
		st.probing = false
		window = st.window
	default:
		g.mu.Unlock()
		return
	}
	st.until = g.now().Add(window)
	g.mu.Unlock()
	slog.Default().Warn("grpc: replica did not answer in time; calls go to the other replicas", "addr", addr, "for", window.String())
}

// guardConfig is Dial's service config: the guarded round robin.
const guardConfig = `{"loadBalancingConfig":[{"` + guardName + `":{}}]}`

// registerBalancer registers the guarded round robin once per process:
// gRPC finds load-balancing policies only by name in its registry.
func registerBalancer() { registerGuard.Do(func() { balancer.Register(guardBuilder{}) }) }
