package seal

// SetClaimHook makes every claim call f between its copy and its delete
// (a crash there when f fails), until the returned func is called.
func SetClaimHook(f func(subject string) error) (restore func()) {
	claimHook.Store(&f)
	return func() { claimHook.Store(nil) }
}
