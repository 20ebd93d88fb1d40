package ops_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/motesplats/motesplats/pkg/service"
)

// TestKustomize builds deploy/k8s with kustomize's krusty (what kubectl
// apply -k runs) and checks the result against the code's defaults.
func TestKustomize(t *testing.T) {
	t.Parallel()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(root, "deploy", "k8s"))
	if err != nil {
		t.Fatalf("kustomize build deploy/k8s: %v", err)
	}
	objs := map[string]map[string]any{}
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		if ns := r.GetNamespace(); r.GetKind() != "Namespace" && ns != "motesplats" {
			t.Errorf("%s/%s in namespace %q, want motesplats", r.GetKind(), r.GetName(), ns)
		}
		objs[r.GetKind()+"/"+r.GetName()] = m
	}
	known := readByCode(t)

	// The shared configuration: R3, NATS and the collector in the namespace.
	var cfg map[string]any
	for key, m := range objs {
		if strings.HasPrefix(key, "ConfigMap/motesplats-config") {
			cfg = get(m, "data").(map[string]any)
		}
	}
	if cfg == nil {
		t.Fatal("no ConfigMap motesplats-config")
	}
	if cfg["MP_REPLICAS"] != "3" || cfg["NATS_URL"] != "nats://nats:4222" {
		t.Errorf("motesplats-config: MP_REPLICAS=%v NATS_URL=%v; want 3 and nats://nats:4222", cfg["MP_REPLICAS"], cfg["NATS_URL"])
	}
	for k := range cfg {
		if !known(k) {
			t.Errorf("motesplats-config: %s is read by no code", k)
		}
	}
	if ep, _ := cfg["OTEL_EXPORTER_OTLP_ENDPOINT"].(string); ep != "otel-collector:4317" || objs["Service/otel-collector"] == nil || objs["Deployment/otel-collector"] == nil {
		t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT=%q; want otel-collector:4317 and a collector Deployment and Service", ep)
	}
	sts := objs["StatefulSet/nats"]
	if sts == nil || get(sts, "spec", "replicas") != 3 {
		t.Errorf("NATS StatefulSet with 3 replicas missing: %v", sts != nil)
	}
	if cfg[service.NATSCAFileEnv] != "/etc/nats-tls/ca.crt" {
		t.Errorf("motesplats-config: NATS_CA_FILE=%v, want /etc/nats-tls/ca.crt", cfg[service.NATSCAFileEnv])
	}
	if sts != nil && !mountsSecret(sts, "/etc/nats-tls", "motesplats-nats-tls", nil) {
		t.Error("NATS StatefulSet: does not mount the Secret motesplats-nats-tls at /etc/nats-tls")
	}
	if objs["PodDisruptionBudget/nats"] == nil {
		t.Error("no PodDisruptionBudget for nats")
	}

	check := func(name, listenEnv string, listen, metrics int, grpcProbe bool) {
		d := objs["Deployment/"+name]
		if d == nil {
			t.Errorf("no Deployment %s", name)
			return
		}
		if objs["PodDisruptionBudget/"+name] == nil {
			t.Errorf("no PodDisruptionBudget for %s", name)
		}
		// Two of every service, the registers too (ADR 0268): one copy
		// under a budget of one available could never be drained, and
		// make up and its tests run the two that production does.
		if r, _ := get(d, "spec", "replicas").(int); r < 2 {
			t.Errorf("%s: %v replicas, want at least 2", name, get(d, "spec", "replicas"))
		}
		ann, _ := get(d, "spec", "template", "metadata", "annotations").(map[string]any)
		if ann["prometheus.io/port"] != strconv.Itoa(metrics) {
			t.Errorf("%s: prometheus.io/port %v, want %d", name, ann["prometheus.io/port"], metrics)
		}
		c := get(d, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)
		env := map[string]string{}
		for _, e := range c["env"].([]any) {
			e := e.(map[string]any)
			v, _ := e["value"].(string)
			env[e["name"].(string)] = v
			if !known(e["name"].(string)) {
				t.Errorf("%s: env %s is read by no code", name, e["name"])
			}
		}
		if got, want := env[listenEnv], "0.0.0.0:"+strconv.Itoa(listen); got != want {
			t.Errorf("%s: %s=%q, want %q", name, listenEnv, got, want)
		}
		// NATS' CA (ADR 0230): ca.crt alone of the Secret
		// motesplats-nats-tls, where NATS_CA_FILE says.
		if !mountsSecret(d, "/etc/nats-tls", "motesplats-nats-tls", []string{"ca.crt"}) {
			t.Errorf("%s: does not mount ca.crt alone of motesplats-nats-tls at /etc/nats-tls", name)
		}
		if got, want := env[service.MetricsEnv], "0.0.0.0:"+strconv.Itoa(metrics); got != want {
			t.Errorf("%s: %s=%q, want %q", name, service.MetricsEnv, got, want)
		}
		var ports []int
		for _, p := range c["ports"].([]any) {
			ports = append(ports, get(p.(map[string]any), "containerPort").(int))
		}
		if !slices.Contains(ports, listen) || !slices.Contains(ports, metrics) {
			t.Errorf("%s: container ports %v, want %d and %d", name, ports, listen, metrics)
		}
		// The start-up probe holds liveness off while a replica replays its
		// streams before listening (ADR 0123: ~25 s per million events per
		// pool side), so a large replay is not killed and restarted forever.
		if sp, _ := c["startupProbe"].(map[string]any); sp == nil {
			t.Errorf("%s: no startupProbe", name)
		} else if period, _ := sp["periodSeconds"].(int); period*intOr(sp["failureThreshold"], 3) < 300 {
			t.Errorf("%s: startupProbe allows %d s, want at least 300", name, period*intOr(sp["failureThreshold"], 3))
		}
		if get(c, "livenessProbe", "initialDelaySeconds") != nil {
			t.Errorf("%s: livenessProbe has initialDelaySeconds; the startupProbe is what waits", name)
		}
		for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
			p, _ := c[probe].(map[string]any)
			if grpcProbe {
				if get(p, "grpc", "port") != listen {
					t.Errorf("%s: %s is not a gRPC probe on %d: %v", name, probe, listen, p)
				}
			} else if get(p, "httpGet", "port") != listen {
				t.Errorf("%s: %s is not an HTTP probe on %d: %v", name, probe, listen, p)
			}
		}
		if get(c, "resources", "limits", "memory") == nil || get(c, "resources", "requests", "cpu") == nil {
			t.Errorf("%s: no memory limit or cpu request", name)
		}
		// Non-root with a numeric user (the distroless image's USER is the
		// name "nonroot", which runAsNonRoot cannot verify: the kubelet
		// refuses such a container), no privilege escalation and a
		// read-only root: the services keep nothing on disk (ADR 0193).
		sc, _ := c["securityContext"].(map[string]any)
		if uid, _ := sc["runAsUser"].(int); sc["runAsNonRoot"] != true || uid <= 0 || sc["readOnlyRootFilesystem"] != true ||
			sc["allowPrivilegeEscalation"] != false || !slices.Contains(asSlice(get(sc, "capabilities", "drop")), any("ALL")) {
			t.Errorf("%s: securityContext %v; want runAsNonRoot, a numeric runAsUser, readOnlyRootFilesystem, no privilege escalation, capabilities drop ALL", name, sc)
		}
		svc := objs["Service/"+name]
		if svc == nil || get(get(svc, "spec", "ports").([]any)[0].(map[string]any), "port") != listen {
			t.Errorf("%s: Service missing or not on port %d", name, listen)
		}
	}
	gw := objs["Deployment/gateway"]
	for _, s := range deployed(t) {
		if objs["Deployment/"+s.Name] == nil && s.Name != service.Participants.Name && s.Name != service.Volunteers.Name && s.Name != service.Mentoring.Name {
			t.Logf("kustomize: %s has no manifest yet", s.Name)
			continue
		}
		check(s.Name, s.Env, port(t, s.Addr), port(t, service.DefaultMetricsAddr(s.Name)), true)
		want := s.Name + ":" + strconv.Itoa(port(t, s.Addr))
		found := false
		for _, e := range get(gw, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["env"].([]any) {
			e := e.(map[string]any)
			found = found || (e["name"] == s.Env && e["value"] == want)
		}
		if !found {
			t.Errorf("gateway: %s should be %s", s.Env, want)
		}
	}
	check("gateway", "GATEWAY_ADDR", 8080, port(t, service.DefaultMetricsAddr("gateway")), false)

	// Behind the TLS ingress the gateway sends HSTS and bases its links on
	// MP_PUBLIC_URL; without it there is no HSTS (outside round s30, ADR 0168).
	// It reads the same secret key notify's links are built from.
	pub := false
	for _, e := range get(gw, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["env"].([]any) {
		e := e.(map[string]any)
		pub = pub || (e["name"] == "MP_PUBLIC_URL" && get(e, "valueFrom", "secretKeyRef", "name") == "motesplats-notify" &&
			get(e, "valueFrom", "secretKeyRef", "key") == "MP_PUBLIC_URL")
	}
	if !pub {
		t.Error("gateway: MP_PUBLIC_URL should come from secret motesplats-notify, key MP_PUBLIC_URL (HSTS and the setup link follow it)")
	}
	// Notify signs with a key of its own, named notify, from a secret of
	// its own: with the gateway's it could sign any person (ADR 0210).
	notifyEnv := map[string]any{}
	if nd := objs["Deployment/notify"]; nd != nil {
		for _, e := range get(nd, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["env"].([]any) {
			e := e.(map[string]any)
			notifyEnv[e["name"].(string)] = e
		}
	}
	if k := notifyEnv["MP_SIGNING_KEY"]; get(k, "valueFrom", "secretKeyRef", "name") != "motesplats-notify-signing" ||
		get(notifyEnv["MP_SIGNING_KEY_ID"], "value") != service.NotifyKeyID {
		t.Errorf("notify: MP_SIGNING_KEY should come from secret motesplats-notify-signing with MP_SIGNING_KEY_ID=%s: %v, %v",
			service.NotifyKeyID, k, notifyEnv["MP_SIGNING_KEY_ID"])
	}
	// The gateway's key is the gateway's alone, and the operators' is in no
	// pod: their tools run outside the cluster (ADR 0217). Any container
	// (and init container) of any workload, by env, envFrom or volume.
	for key, m := range objs {
		spec, _ := get(m, "spec", "template", "spec").(map[string]any)
		if spec == nil {
			continue
		}
		var secrets []string
		for _, c := range append(asSlice(spec["containers"]), asSlice(spec["initContainers"])...) {
			for _, e := range asSlice(get(c, "env")) {
				if n, _ := get(e, "name").(string); n == "MP_OPERATOR_SIGNING_KEY" {
					t.Errorf("%s: a container is given MP_OPERATOR_SIGNING_KEY", key)
				}
				if n, _ := get(e, "valueFrom", "secretKeyRef", "name").(string); n != "" {
					secrets = append(secrets, n)
				}
			}
			for _, e := range asSlice(get(c, "envFrom")) {
				if n, _ := get(e, "secretRef", "name").(string); n != "" {
					secrets = append(secrets, n)
				}
			}
		}
		for _, v := range asSlice(spec["volumes"]) {
			if n, _ := get(v, "secret", "secretName").(string); n != "" {
				secrets = append(secrets, n)
			}
		}
		if slices.Contains(secrets, "motesplats-signing") && key != "Deployment/gateway" {
			t.Errorf("%s: has the gateway's secret motesplats-signing (its private key)", key)
		}
		// Every service signs in to NATS as its own user, with the one
		// key of motesplats-nats-users that is its password (ADR 0226);
		// the other users' passwords, motesplats' (ADR 0225) and the
		// system user's are the NATS pods' alone.
		if name, ok := strings.CutPrefix(key, "Deployment/"); ok && (name == "gateway" || slices.ContainsFunc(deployed(t), func(s service.Info) bool { return s.Name == name })) {
			env := map[string]any{}
			for _, e := range asSlice(get(get(m, "spec", "template", "spec", "containers").([]any)[0], "env")) {
				env[get(e, "name").(string)] = e
			}
			if get(env[service.NATSUserEnv], "value") != name ||
				get(env[service.NATSPasswordEnv], "valueFrom", "secretKeyRef", "name") != "motesplats-nats-users" ||
				get(env[service.NATSPasswordEnv], "valueFrom", "secretKeyRef", "key") != service.NATSPasswordVar(name) {
				t.Errorf("%s: does not sign in to NATS as %s with %s of motesplats-nats-users: %v, %v", key, name,
					service.NATSPasswordVar(name), env[service.NATSUserEnv], env[service.NATSPasswordEnv])
			}
			for _, e := range env {
				if k, _ := get(e, "valueFrom", "secretKeyRef", "key").(string); strings.HasPrefix(k, "NATS_") && k != service.NATSPasswordVar(name) {
					t.Errorf("%s: has another NATS user's password %s", key, k)
				}
			}
		}
		for _, nats := range []string{"motesplats-nats", "motesplats-nats-sys"} {
			if slices.Contains(secrets, nats) && key != "StatefulSet/nats" {
				t.Errorf("%s: has the NATS pods' secret %s", key, nats)
			}
		}
	}
	if cfg[service.NATSUserEnv] != nil {
		t.Errorf("motesplats-config: NATS_USER=%v, want none: each service has its own (ADR 0226)", cfg[service.NATSUserEnv])
	}
	// The NATS pods' monitoring port is reached by no pod: the kubelet's
	// probe alone reads it (ADR 0226).
	for _, rule := range asSlice(get(objs["NetworkPolicy/nats"], "spec", "ingress")) {
		for _, p := range asSlice(get(rule, "ports")) {
			if fmt.Sprint(get(p, "port")) == "8222" {
				t.Errorf("NetworkPolicy/nats lets pods reach the monitoring port: %v", rule)
			}
		}
	}
	// Only the app's pods reach NATS's client port and Redis.
	for _, target := range []string{"nats", "redis"} {
		np := objs["NetworkPolicy/"+target]
		if np == nil || get(np, "spec", "podSelector", "matchLabels", "app") != target {
			t.Errorf("no NetworkPolicy selecting app=%s", target)
			continue
		}
		var from []string
		for _, rule := range asSlice(get(np, "spec", "ingress")) {
			for _, f := range asSlice(get(rule, "from")) {
				for _, e := range asSlice(get(f, "podSelector", "matchExpressions")) {
					for _, v := range asSlice(get(e, "values")) {
						from = append(from, v.(string))
					}
				}
				if a, _ := get(f, "podSelector", "matchLabels", "app").(string); a != "" {
					from = append(from, a)
				}
				if get(f, "namespaceSelector") != nil || get(f, "ipBlock") != nil {
					t.Errorf("NetworkPolicy/%s: lets in another namespace or network: %v", target, f)
				}
			}
		}
		for _, s := range append(deployed(t), service.Info{Name: "gateway"}) {
			if objs["Deployment/"+s.Name] != nil && !slices.Contains(from, s.Name) {
				t.Errorf("NetworkPolicy/%s: %s cannot reach it", target, s.Name)
			}
		}
		for _, a := range from {
			// The tools' Job that makes the key buckets reaches NATS
			// (ADR 0244; manifests_ensure_test.go).
			tools := a == "stack" && target == "nats" && objs["Job/motesplats-ensure"] != nil
			if objs["Deployment/"+a] == nil && a != "nats" && !tools {
				t.Errorf("NetworkPolicy/%s: lets in %s, which is not one of the app's pods", target, a)
			}
		}
	}
	// Every image is pinned to a tag, so `kubectl apply -k` after a build
	// runs what was built, not whatever tag the node last pulled.
	for key, m := range objs {
		if !strings.HasPrefix(key, "Deployment/") {
			continue
		}
		for _, c := range get(m, "spec", "template", "spec", "containers").([]any) {
			if img, _ := get(c, "image").(string); strings.HasPrefix(img, "motesplats/") && !strings.Contains(img, ":") {
				t.Errorf("%s: image %s has no tag (kustomization.yaml images: newTag)", key, img)
			}
		}
	}
}

// get walks nested maps; nil when a key is missing.
func get(m any, path ...string) any {
	for _, k := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[k]
	}
	return m
}

// asSlice is v as a list, nil when it is not one.
func asSlice(v any) []any {
	l, _ := v.([]any)
	return l
}

// intOr is v as an int, or def when v is not one (a field left out).
func intOr(v any, def int) int {
	if i, ok := v.(int); ok {
		return i
	}
	return def
}
