package jobs

import "time"

// SetForgetLockTTL shortens m's Forget lock lifetime, so a test can show a
// lock left by a crashed holder is taken over without waiting a minute.
func SetForgetLockTTL(m *Manager, ttl time.Duration) { m.forgetTTL = ttl }

// ForgetLockKey is the key of the cluster's Forget lock in the requests
// bucket, for a test that plays a crashed holder.
const ForgetLockKey = forgetLockKey
