package web

import (
	"errors"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// TestOlderJob: a page whose address names a job beyond its list of
// recent jobs (a bookmarked progress address, ADR 0135) reads that job;
// one on the list, none named, or one unknown or malformed reads nothing
// more, and the service being down fails the page as any read does.
func TestOlderJob(t *testing.T) {
	t.Parallel()
	down := errors.New("unavailable")
	for _, tc := range []struct {
		name, id string
		got      error
		want     string
		wantErr  error
		wantCall bool
	}{
		{name: "none named"},
		{name: "on the list", id: "b"},
		{name: "older", id: "z", want: "z", wantCall: true},
		{name: "unknown", id: "z", got: apperr.Errorf(apperr.NotFound, "no job"), wantCall: true},
		{name: "malformed", id: "../x", got: apperr.FieldError("id", "is not an id"), wantCall: true},
		{name: "down", id: "z", got: down, wantErr: down, wantCall: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			got, err := olderJob(tc.id, []string{"a", "b"}, func(s string) string { return s }, func() (string, error) {
				called = true
				if tc.got != nil {
					return "", tc.got
				}
				return tc.id, nil
			})
			if got != tc.want || !errors.Is(err, tc.wantErr) || called != tc.wantCall {
				t.Errorf("olderJob(%q) = %q, %v (read %v); want %q, %v (read %v)", tc.id, got, err, called, tc.want, tc.wantErr, tc.wantCall)
			}
		})
	}
}
