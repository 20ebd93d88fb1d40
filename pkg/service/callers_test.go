package service

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/motesplats/motesplats/pkg/auth"
	_ "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	_ "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	_ "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	_ "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	_ "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	_ "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// servedPackages are the proto packages of the grpc-go services behind
// the gateway, which take service tokens. The gateway's own API (Connect,
// people's sessions) and the bench echo are not among them.
var servedPackages = []string{"motesplats.participants.v1", "motesplats.volunteers.v1", "motesplats.mentoring.v1",
	"motesplats.dinners.v1", "motesplats.guides.v1", "motesplats.notify.v1"}

// TestCallersNameEveryMethod walks every service's descriptor: each
// method has an entry in Callers (a new method must be decided), and
// each entry names a method that exists and only subjects that sign.
func TestCallersNameEveryMethod(t *testing.T) {
	t.Parallel()
	table := Callers()
	methods := map[string]bool{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !slices.Contains(servedPackages, string(fd.Package())) {
			return true
		}
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			for j := range sd.Methods().Len() {
				methods["/"+string(sd.FullName())+"/"+string(sd.Methods().Get(j).Name())] = true
			}
		}
		return true
	})
	if len(methods) < 80 {
		t.Fatalf("found %d methods: the descriptors were not registered", len(methods))
	}
	for m := range methods {
		if _, ok := table[m]; !ok {
			t.Errorf("%s has no entry in Callers: list the service subjects that may call it", m)
		}
	}
	signers := []string{auth.GatewaySubject, auth.NotifySubject, auth.AnswerLinkSubject}
	for m, who := range table {
		if !methods[m] {
			t.Errorf("Callers lists %s, which no service serves", m)
		}
		if !strings.HasPrefix(m, "/motesplats.") {
			t.Errorf("Callers key %q is not a full method name", m)
		}
		for _, s := range who {
			if !slices.Contains(signers, s) {
				t.Errorf("Callers lets %q call %s, a subject no key is bound to", s, m)
			}
		}
	}
}
