//go:build race

package ops_test

// raceBuild: the test binary has the race detector, so the service
// binaries are built with it too; they then reuse the packages `make
// test` compiled for its own -race run, and races show in their logs.
const raceBuild = true
