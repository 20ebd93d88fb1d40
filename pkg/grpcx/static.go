package grpcx

import (
	"fmt"
	"strings"

	"google.golang.org/grpc/resolver"
)

// StaticScheme names a fixed list of replicas in one target,
// "static:///127.0.0.1:7003,127.0.0.1:7103": Dial spreads calls over them
// (round robin) and skips one that is down, so a caller configured with
// one address per service (MENTORING_ADDR) reaches the other replica
// while the first is restarting. Kubernetes needs none of this: there a
// "dns:///" name of a headless service resolves to every pod.
const StaticScheme = "static"

// StaticTarget is the target naming every address in addrs (one address
// is returned as it is).
func StaticTarget(addrs ...string) string {
	if len(addrs) == 1 {
		return addrs[0]
	}
	return StaticScheme + ":///" + strings.Join(addrs, ",")
}

type staticBuilder struct{}

// Build resolves the target's comma-separated addresses once: the list
// does not change while the process runs.
func (staticBuilder) Build(t resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	var eps []resolver.Endpoint
	for _, a := range strings.Split(t.Endpoint(), ",") {
		if a = strings.TrimSpace(a); a != "" {
			eps = append(eps, resolver.Endpoint{Addresses: []resolver.Address{{Addr: a}}})
		}
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("grpcx: %s target without addresses", StaticScheme)
	}
	if err := cc.UpdateState(resolver.State{Endpoints: eps}); err != nil {
		return nil, err
	}
	return staticResolver{}, nil
}

func (staticBuilder) Scheme() string { return StaticScheme }

type staticResolver struct{}

func (staticResolver) ResolveNow(resolver.ResolveNowOptions) {}
func (staticResolver) Close()                                {}
