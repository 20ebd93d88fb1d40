package ops_test

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestCompose_EnsureFirst: compose makes every owner's key bucket with a
// one-shot `stack ensure` before any service opens its key ring (ADR
// 0244, 0252), as make up and Kubernetes do: without it a compose that
// runs only some services, or a reader that starts before an owner,
// waits for the missing owners' buckets. Every service compose builds
// from deploy/Dockerfile (each opens a key ring in service.Main: the six
// owners and notify, which reads them all) starts only after ensure has
// completed successfully; ensure starts once NATS answers its health
// check (it does not retry its connection: Kubernetes' Job retries), and
// runs as the Job motesplats-ensure does: the image motesplats/stack, the
// same command and the same variables, signed in as the tools' user with
// its password alone.
func TestCompose_EnsureFirst(t *testing.T) {
	t.Parallel()
	// The variables compose requires; only the NATS passwords are read.
	env := append([]string{"MP_PUBLIC_KEYS=k", "MP_NOTIFY_SIGNING_KEY=k", "MP_SIGNING_KEY=k", "MP_DATA_KEY=k"}, natsEnv()...)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithName("motesplats"), cli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(testutil.Context(t))
	if err != nil {
		t.Fatalf("compose-go: %v", err)
	}
	ensure, ok := p.Services["ensure"]
	if !ok {
		t.Error("compose: no service ensure")
	}

	// Every service that opens a key ring waits for ensure's success.
	openers := append(slices.Clone(seal.KeyOwners), "notify")
	for name, svc := range p.Services {
		if name == "ensure" || svc.Build == nil || svc.Build.Dockerfile != "deploy/Dockerfile" {
			continue
		}
		if d, ok := svc.DependsOn["ensure"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("compose %s: depends on ensure %+v, want condition %s", name, d, types.ServiceConditionCompletedSuccessfully)
		}
		openers = slices.DeleteFunc(openers, func(o string) bool { return o == name })
	}
	if len(openers) > 0 {
		t.Errorf("compose: no service %v built from deploy/Dockerfile, each opens a key ring", openers)
	}
	if n := p.Services["nats"]; n.HealthCheck == nil || len(n.HealthCheck.Test) == 0 ||
		!strings.Contains(strings.Join(n.HealthCheck.Test, " "), "8222/healthz") {
		t.Errorf("compose nats: health check %v, want one on its monitoring port's /healthz", n.HealthCheck)
	}
	if !ok {
		return
	}
	if d := ensure.DependsOn["nats"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("compose ensure: depends on nats %+v, want condition %s", d, types.ServiceConditionHealthy)
	}
	if ensure.Build == nil || ensure.Build.Args["SERVICE"] == nil || *ensure.Build.Args["SERVICE"] != "stack" || ensure.Image != "motesplats/stack" {
		t.Errorf("compose ensure: build %+v image %q, want deploy/Dockerfile's SERVICE=stack as motesplats/stack", ensure.Build, ensure.Image)
	}

	// The Job's container, as kustomize builds it.
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, "deploy", "k8s"))
	if err != nil {
		t.Fatalf("kustomize build deploy/k8s: %v", err)
	}
	var job map[string]any
	for _, r := range rm.Resources() {
		if r.GetKind() == "Job" && r.GetName() == "motesplats-ensure" {
			if job, err = r.Map(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if job == nil {
		t.Fatal("kustomize: no Job motesplats-ensure")
	}
	c := asSlice(get(job, "spec", "template", "spec", "containers"))[0]
	jobEnv := map[string]any{}
	for _, e := range asSlice(get(c, "env")) {
		jobEnv[get(e, "name").(string)] = e
	}
	composeEnv := map[string]string{}
	known := readByCode(t)
	for k, v := range ensure.Environment {
		if v != nil {
			composeEnv[k] = *v
		}
		if !known(k) {
			t.Errorf("compose ensure: %s is read by no code", k)
		}
	}
	if a, b := slices.Sorted(maps.Keys(composeEnv)), slices.Sorted(maps.Keys(jobEnv)); !slices.Equal(a, b) {
		t.Errorf("compose ensure's variables %v, the Job's %v", a, b)
	}
	var args []string
	for _, a := range asSlice(get(c, "args")) {
		args = append(args, strings.ReplaceAll(a.(string), "$(NATS_URL)", composeEnv["NATS_URL"]))
	}
	if !slices.Equal([]string(ensure.Command), args) {
		t.Errorf("compose ensure runs %v, the Job %v (its $(NATS_URL) as compose's)", ensure.Command, args)
	}
	if composeEnv["NATS_URL"] != "nats://nats:4222" {
		t.Errorf("compose ensure: NATS_URL=%q, want the services' nats://nats:4222", composeEnv["NATS_URL"])
	}
	if u := composeEnv[service.NATSUserEnv]; u != service.NATSToolsUser || u != get(jobEnv[service.NATSUserEnv], "value") {
		t.Errorf("compose ensure: NATS_USER=%q, the Job's %v, want %s", u, get(jobEnv[service.NATSUserEnv], "value"), service.NATSToolsUser)
	}
	if pw := composeEnv[service.NATSPasswordEnv]; pw != natsTestPassword(service.NATSToolsUser) ||
		get(jobEnv[service.NATSPasswordEnv], "valueFrom", "secretKeyRef", "key") != service.NATSPasswordVar(service.NATSToolsUser) {
		t.Errorf("compose ensure: NATS_PASSWORD is not .env's %s as the Job's is the Secret's", service.NATSPasswordVar(service.NATSToolsUser))
	}
	for k, v := range composeEnv {
		for _, other := range natsEnv() {
			if _, pw, _ := strings.Cut(other, "="); v == pw && pw != natsTestPassword(service.NATSToolsUser) {
				t.Errorf("compose ensure: %s is another NATS user's password (%s)", k, other)
			}
		}
	}
	mounted := map[string]string{}
	for _, v := range ensure.Volumes {
		mounted[v.Target] = v.Source
	}
	if ca := composeEnv[service.NATSCAFileEnv]; ca == "" || mounted[ca] != filepath.Join(root, "certs", "ca.crt") {
		t.Errorf("compose ensure: NATS_CA_FILE=%q is not ./certs/ca.crt mounted (%v)", ca, mounted)
	}
}
