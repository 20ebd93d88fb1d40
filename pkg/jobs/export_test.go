package jobs

import (
	"context"
	"time"
)

// SetForgetLockTTL shortens m's Forget lock lifetime, so a test can show a
// lock left by a crashed holder is taken over without waiting a minute.
func SetForgetLockTTL(m *Manager, ttl time.Duration) { m.forgetTTL = ttl }

// ForgetLockKey is the key of the cluster's Forget lock in the requests
// bucket, for a test that plays a crashed holder.
const ForgetLockKey = forgetLockKey

// OnForgetLockWait sets fn to run whenever taking m's Forget lock has to
// wait for another holder.
func OnForgetLockWait(m *Manager, fn func()) { m.forgetWait = fn }

// Finish runs what m does once job j is final (drops a succeeded job's
// snapshot, runs OnFinish), for a test that races it with Forget.
func Finish(ctx context.Context, m *Manager, j Job) error { return m.finish(ctx, j) }

// PutData is the pipeline's put of job data (putData), for a benchmark
// of what the forgotten log adds to it.
func PutData(ctx context.Context, m *Manager, mark uint64, id string, kind Kind, raw []byte) (string, []byte, error) {
	return m.putData(ctx, mark, id, kind, raw)
}

// ForgottenMark is the mark an attempt notes before reading its snapshot.
func ForgottenMark(ctx context.Context, m *Manager) (uint64, error) { return m.forgottenMark(ctx) }

// Exported for TestReadWhileReplaced: what a read that met a new version
// on every reread answers, and how many rereads it makes.
var (
	ErrReplaced = errReplaced
	MaxRereads  = int64(maxRereads)
)
