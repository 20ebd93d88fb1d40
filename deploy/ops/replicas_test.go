package ops_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUp_ClusterBucketsAtThreeReplicas: in a three-node cluster every
// stream and bucket notify makes is at R3, its processed-ids buckets
// (processed-notify-<stream>) too. Those were R1 on whichever node
// answered, found with `nats stream report` on `make up NATS_NODES=3`
// (ADR 0193): losing that node's disk lost notify's record of the
// erasures it had handled.
func TestUp_ClusterBucketsAtThreeReplicas(t *testing.T) {
	t.Parallel()
	s := mustUpWith(t, layout.Options{NATSNodes: 3, Services: []string{"notify"}})
	js := s.jetStream(t, "nats-1")
	ctx := testutil.Context(t)
	testutil.CheckFor(t, 90*time.Second, 250*time.Millisecond, func() error {
		processed, low := 0, []string{}
		for name := range js.StreamNames(ctx).Name() {
			if strings.HasPrefix(name, "KV_processed-notify-") {
				processed++
			}
			st, err := js.Stream(ctx, name)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if r := st.CachedInfo().Config.Replicas; r != 3 {
				low = append(low, fmt.Sprintf("%s R%d", name, r))
			}
		}
		if len(low) > 0 {
			return fmt.Errorf("not at R3: %v", low)
		}
		if processed != 5 {
			return fmt.Errorf("%d of notify's 5 processed-ids buckets made yet", processed)
		}
		return nil
	})
}
