package auditid

import (
	"fmt"
	"testing"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// TestKeepAppliesTheRuleToEveryID: Keep is the rule the gateway's log and
// notify both write through, so it must reach resource_id and each of
// resource_ids; the cases of the rule itself are the gateway's
// TestKeptIDKeepsOnlyIssuedShapes (through the stream) and notify's
// TestSentKeepsOnlyIssuedShapes.
func TestKeepAppliesTheRuleToEveryID(t *testing.T) {
	t.Parallel()
	const uuid = "01938a7c-5b1e-7c3d-9e2f-0123456789ab"
	e := &gatewayv1.AuditEntry{ResourceType: "participant", ResourceId: "19850101-1234", Outcome: "not_found",
		ResourceIds: []string{uuid, "Amina Hassan", ""}}
	Keep(e)
	got := fmt.Sprint(e.GetResourceId(), e.GetResourceIds())
	if want := fmt.Sprint(Invalid, []string{uuid, Invalid, ""}); got != want {
		t.Errorf("kept %s, want %s", got, want)
	}
}
