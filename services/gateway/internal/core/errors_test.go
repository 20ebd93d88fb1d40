package core

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// TestPublicCanceledIsNoFailure: a service stream that ends Canceled,
// because the caller stopped following (mp dinners jobs start -follow,
// every time the job finished), is not logged as a failed request at
// ERROR nor turned into Internal (outside round s25); an unknown error
// still is.
func TestPublicCanceledIsNoFailure(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		err      error
		want     apperr.Code
		errorLog bool
	}{
		{"service canceled", status.Error(codes.Canceled, "context canceled"), apperr.Unavailable, false},
		{"context canceled", context.Canceled, apperr.Unavailable, false},
		{"unknown error", status.Error(codes.Unknown, "boom"), apperr.Internal, true},
	} {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		got := Public(context.Background(), log, c.err)
		if got.Code != c.want {
			t.Errorf("%s: code %s, want %s", c.name, got.Code, c.want)
		}
		if logged := strings.Contains(buf.String(), "level=ERROR"); logged != c.errorLog {
			t.Errorf("%s: logged at ERROR %v, want %v: %s", c.name, logged, c.errorLog, buf.String())
		}
	}
}
