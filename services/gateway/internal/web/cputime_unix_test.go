//go:build unix

package web

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used (user and system, all
// threads, the garbage collector's included). A benchmark reports it per
// operation beside ns/op, because on a machine shared with other builds
// the wall time of an operation says more about the neighbours than about
// the code.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
