package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestGuideJobFormRefusesInSwedish: an administrator's assignment form
// with a typed code that is no municipality, or a quota the form does not
// offer, is refused by the field in Swedish (the first was English, the
// second ran as a job without a quota), and no job is started.
func TestGuideJobFormRefusesInSwedish(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.swedish()
	_, page := b.get("/guides/assign")
	m := requestIDRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no request id on the assignment page:\n%s", trim(page))
	}
	for _, tt := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"request_id": {m[1]}, "municipality_codes": {"9999"}}, "är ingen kommunkod från SCB"},
		{url.Values{"request_id": {m[1]}, "municipality_codes": {"0880"}, "quota": {"QUOTA_KIND_BOGUS"}}, "är ingen känd kvot"},
	} {
		code, body := b.post("/guides/jobs", tt.form)
		text := strings.Join(strings.Fields(visibleText(body)), " ")
		if code != http.StatusUnprocessableEntity || !strings.Contains(text, tt.want) || strings.Contains(text, "is not") {
			t.Errorf("%v: %d %s", tt.form, code, trim(text))
		}
	}
	jobs, err := admin.guides.ListGuideJobs(testutil.Context(t), connect.NewRequest(&gatewayv1.ListGuideJobsRequest{}))
	if err != nil || len(jobs.Msg.GetJobs()) != 0 {
		t.Errorf("jobs after refused forms: %v %v", jobs, err)
	}
}
