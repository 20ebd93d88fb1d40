package ops_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/motesplats/motesplats/pkg/service"
)

// TestKustomize_EnsureJob: Kubernetes makes every owner's key bucket with
// the tools' Job motesplats-ensure (ADR 0244), as make up runs `stack
// ensure` before the services: `stack ensure` on the system's NATS, as
// the tools' user with its password alone, MP_REPLICAS and the CA of the
// shared configuration, the image pinned, non-root on a read-only root,
// and let through to NATS by its network policy (app: stack).
func TestKustomize_EnsureJob(t *testing.T) {
	t.Parallel()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, "deploy", "k8s"))
	if err != nil {
		t.Fatalf("kustomize build deploy/k8s: %v", err)
	}
	objs := map[string]map[string]any{}
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		objs[r.GetKind()+"/"+r.GetName()] = m
	}
	job := objs["Job/motesplats-ensure"]
	if job == nil {
		t.Fatal("no Job motesplats-ensure")
	}
	if get(job, "spec", "template", "metadata", "labels", "app") != "stack" {
		t.Errorf("the Job's pods are not labelled app: stack: %v", get(job, "spec", "template", "metadata", "labels"))
	}
	c := asSlice(get(job, "spec", "template", "spec", "containers"))[0]
	if img, _ := get(c, "image").(string); !strings.HasPrefix(img, "motesplats/stack:") {
		t.Errorf("the Job's image %q, want motesplats/stack with a tag", img)
	}
	if args := asSlice(get(c, "args")); len(args) == 0 || args[0] != "ensure" || !slices.Contains(args, any("$(NATS_URL)")) {
		t.Errorf("the Job runs %v, want stack ensure -nats $(NATS_URL)", args)
	}
	env := map[string]any{}
	for _, e := range asSlice(get(c, "env")) {
		env[get(e, "name").(string)] = e
	}
	if get(env[service.NATSUserEnv], "value") != service.NATSToolsUser ||
		get(env[service.NATSPasswordEnv], "valueFrom", "secretKeyRef", "key") != service.NATSPasswordVar(service.NATSToolsUser) {
		t.Errorf("the Job does not sign in as %s with its password: %v, %v", service.NATSToolsUser, env[service.NATSUserEnv], env[service.NATSPasswordEnv])
	}
	for _, e := range env {
		if k, _ := get(e, "valueFrom", "secretKeyRef", "key").(string); k != "" && k != service.NATSPasswordVar(service.NATSToolsUser) {
			t.Errorf("the Job has the secret key %s besides the tools' password", k)
		}
	}
	for _, k := range []string{"NATS_URL", service.NATSCAFileEnv, "MP_REPLICAS"} {
		if get(env[k], "valueFrom", "configMapKeyRef", "key") != k {
			t.Errorf("the Job's %s is not the shared configuration's: %v", k, env[k])
		}
	}
	if !mountsSecret(job, "/etc/nats-tls", "motesplats-nats-tls", []string{"ca.crt"}) {
		t.Error("the Job does not mount ca.crt alone of motesplats-nats-tls at /etc/nats-tls")
	}
	sc, _ := get(c, "securityContext").(map[string]any)
	if uid, _ := sc["runAsUser"].(int); sc["runAsNonRoot"] != true || uid <= 0 || sc["readOnlyRootFilesystem"] != true || sc["allowPrivilegeEscalation"] != false {
		t.Errorf("the Job's securityContext %v", sc)
	}
	let := false
	for _, rule := range asSlice(get(objs["NetworkPolicy/nats"], "spec", "ingress")) {
		for _, f := range asSlice(get(rule, "from")) {
			for _, e := range asSlice(get(f, "podSelector", "matchExpressions")) {
				let = let || slices.Contains(asSlice(get(e, "values")), any("stack"))
			}
		}
	}
	if !let {
		t.Error("NetworkPolicy/nats does not let the Job (app: stack) reach NATS")
	}
}
