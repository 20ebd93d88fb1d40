package natsembed

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestStart_PortInUseSaysWhichPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	s, err := Start(Options{StoreDir: t.TempDir(), Port: port})
	if err == nil {
		s.Shutdown()
		t.Fatal("Start on a taken port succeeded")
	}
	var inUse *PortInUseError
	if !errors.As(err, &inUse) || inUse.Port != port {
		t.Fatalf("err = %v, want a *PortInUseError for port %d", err, port)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(port)) || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("message %q does not say which port is taken", err)
	}
}

func TestStart_FreePort(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	s.Shutdown()
}
