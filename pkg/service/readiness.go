package service

import (
	"context"
	"time"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/motesplats/motesplats/pkg/store"
)

// readinessEvery is how often the health status follows the stores'
// readiness: a field read, no request to NATS.
const readinessEvery = time.Second

// followReadiness sets hs's overall status (service "", what the
// Kubernetes gRPC probes ask) to NOT_SERVING while a store of this
// process has an index still behind its bucket after Open (ADR 0255), and
// back to SERVING once none has, until ctx ends. Serve's shutdown sets
// NOT_SERVING for good after it.
func followReadiness(ctx context.Context, hs *health.Server) {
	t := time.NewTicker(readinessEvery)
	defer t.Stop()
	serving := true
	for {
		if ready := store.Behind() == 0; ready != serving {
			serving = ready
			st := healthpb.HealthCheckResponse_SERVING
			if !ready {
				st = healthpb.HealthCheckResponse_NOT_SERVING
			}
			hs.SetServingStatus("", st)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
