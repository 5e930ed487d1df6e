package deploytest

import (
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// rendered is a chart rendered for one set of values: its objects, each
// decoded strictly into its Kubernetes API type, by kind.
type rendered map[string]any

// render renders the chart as `helm template` does (schema validation
// included, unless skipSchema) and decodes every object strictly: an
// unknown or mistyped field fails.
func render(t *testing.T, values string, skipSchema bool) (rendered, error) {
	t.Helper()
	chrt, err := loader.Load(filepath.Join(repo, "deploy/helm/featureflags"))
	if err != nil {
		t.Fatal(err)
	}
	var vals map[string]any
	if err := yaml.Unmarshal([]byte(values), &vals); err != nil {
		t.Fatal(err)
	}
	top, err := util.ToRenderValuesWithSchemaValidation(chrt, vals, common.ReleaseOptions{Name: "ff", Namespace: "flags", IsInstall: true}, nil, skipSchema)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(chrt, top)
	if err != nil {
		return nil, err
	}
	out := rendered{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(files[name], -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			kind, obj := decodeObject(t, name, []byte(doc))
			if _, dup := out[kind]; dup {
				t.Fatalf("two %s objects", kind)
			}
			out[kind] = obj
		}
	}
	return out, nil
}

// decodeObject decodes one rendered object strictly into its API type.
func decodeObject(t *testing.T, file string, doc []byte) (string, any) {
	t.Helper()
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		t.Fatalf("%s: %v\n%s", file, err, doc)
	}
	var obj any
	switch meta.APIVersion + " " + meta.Kind {
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "v1 PersistentVolumeClaim":
		obj = &corev1.PersistentVolumeClaim{}
	case "networking.k8s.io/v1 Ingress":
		obj = &networkingv1.Ingress{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		obj = &autoscalingv2.HorizontalPodAutoscaler{}
	case "monitoring.coreos.com/v1 ServiceMonitor":
		obj = &monitoringv1.ServiceMonitor{}
	default:
		t.Fatalf("%s: unexpected object %s %s", file, meta.APIVersion, meta.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		t.Fatalf("%s: %s does not decode strictly: %v\n%s", file, meta.Kind, err, doc)
	}
	return meta.Kind, obj
}

func (r rendered) kinds() []string {
	var out []string
	for k := range r {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (r rendered) deployment(t *testing.T) (*appsv1.Deployment, corev1.Container, map[string]corev1.EnvVar) {
	t.Helper()
	d, ok := r["Deployment"].(*appsv1.Deployment)
	if !ok {
		t.Fatalf("no Deployment in %v", r.kinds())
	}
	c := d.Spec.Template.Spec.Containers[0]
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	return d, c, env
}

func mustRender(t *testing.T, values string) rendered {
	t.Helper()
	r, err := render(t, values, false)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantKinds(t *testing.T, r rendered, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := r.kinds(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("objects %v, want %v", got, want)
	}
}

// TestChartDefaults: one replica on SQLite on a volume, probes, a hardened
// pod, every server setting as an environment variable.
func TestChartDefaults(t *testing.T) {
	r := mustRender(t, "")
	wantKinds(t, r, "Deployment", "PersistentVolumeClaim", "PodDisruptionBudget", "Secret", "Service")
	d, c, env := r.deployment(t)
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("SQLite: replicas %d, strategy %q", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.StartupProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("probes: liveness %+v readiness %+v startup %+v", c.LivenessProbe, c.ReadinessProbe, c.StartupProbe)
	}
	sc, psc := c.SecurityContext, d.Spec.Template.Spec.SecurityContext
	if !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation || !*psc.RunAsNonRoot || *psc.RunAsUser == 0 {
		t.Errorf("security: container %+v pod %+v", sc, psc)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}
	if ts := d.Spec.Template.Spec.TopologySpreadConstraints; len(ts) != 1 || ts[0].LabelSelector.MatchLabels["app.kubernetes.io/instance"] != "ff" {
		t.Errorf("topology spread %+v", ts)
	}
	if env["FEATUREFLAGS_STORE"].Value != "/data/featureflags.db" || env["FEATUREFLAGS_LISTEN"].Value != "0.0.0.0:8080" ||
		env["FEATUREFLAGS_ADMIN_TOKEN"].ValueFrom.SecretKeyRef.Name != "ff-featureflags" {
		t.Errorf("env %+v", env)
	}
	// Every setting of `featureflags serve` but --listen and --store
	// (set above) is a value; whole numbers are written as such.
	for name, want := range map[string]string{
		"STORE_WAIT": "60s", "DEFAULT_ENVIRONMENT": "production", "LOG_LEVEL": "info", "LOG_FORMAT": "json",
		"SHUTDOWN_TIMEOUT": "15s", "MAX_BODY_BYTES": "1048576", "READ_HEADER_TIMEOUT": "10s", "READ_TIMEOUT": "30s",
		"INSECURE": "false", "WRITE_RATE": "20", "WRITE_BURST": "40", "MAX_FLAGS": "10000", "MAX_RULES_PER_FLAG": "100",
		"MAX_CONDITIONS_PER_RULE": "50", "MAX_VALUES_PER_LIST": "1000", "MAX_SEGMENT_CONDITIONS": "100",
		"REFRESH_INTERVAL": "2s", "SNAPSHOT_FILE": "/data/snapshot.json", "TRUSTED_PROXIES": "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
	} {
		if got := env["FEATUREFLAGS_"+name].Value; got != want {
			t.Errorf("FEATUREFLAGS_%s = %q, want %q", name, got, want)
		}
	}
	if s := r["Secret"].(*corev1.Secret); len(s.Data["admin-token"]) < 32 {
		t.Errorf("generated admin token %q", s.Data["admin-token"])
	}
}

func TestChartPostgresThreeReplicas(t *testing.T) {
	r := mustRender(t, `
replicaCount: 3
adminToken: an-admin-token-of-at-least-32-characters
store: {url: "postgres://ff:pw@db:5432/flags"}
config: {writeRate: 0.5}
`)
	wantKinds(t, r, "Deployment", "PodDisruptionBudget", "Secret", "Service")
	d, _, env := r.deployment(t)
	if *d.Spec.Replicas != 3 || d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %d, strategy %q", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	if ref := env["FEATUREFLAGS_STORE"].ValueFrom.SecretKeyRef; ref.Name != "ff-featureflags" || ref.Key != "store-url" {
		t.Errorf("store from %+v", ref)
	}
	if env["FEATUREFLAGS_WRITE_RATE"].Value != "0.5" {
		t.Errorf("write rate %q", env["FEATUREFLAGS_WRITE_RATE"].Value)
	}
	s := r["Secret"].(*corev1.Secret)
	if string(s.Data["store-url"]) != "postgres://ff:pw@db:5432/flags" || string(s.Data["admin-token"]) != "an-admin-token-of-at-least-32-characters" {
		t.Errorf("secret %q", s.Data)
	}
	if d.Spec.Template.Spec.Volumes[0].EmptyDir == nil {
		t.Errorf("data volume %+v: want an emptyDir for the snapshot file", d.Spec.Template.Spec.Volumes[0])
	}
}

func TestChartIngressAndServiceMonitor(t *testing.T) {
	r := mustRender(t, `
replicaCount: 2
store: {url: "mongodb://mongo/flags?replicaSet=rs0"}
ingress:
  enabled: true
  className: nginx
  hosts: [{host: flags.example.com, paths: [{path: /, pathType: Prefix}]}]
  tls: [{secretName: flags-tls, hosts: [flags.example.com]}]
serviceMonitor:
  enabled: true
  tokenSecret: {name: metrics-token, key: token}
autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 5}
`)
	wantKinds(t, r, "Deployment", "HorizontalPodAutoscaler", "Ingress", "PodDisruptionBudget", "Secret", "Service", "ServiceMonitor")
	ing := r["Ingress"].(*networkingv1.Ingress)
	for key, want := range map[string]string{
		"nginx.ingress.kubernetes.io/proxy-buffering":    "off",
		"nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
	} {
		if ing.Annotations[key] != want {
			t.Errorf("ingress annotation %s = %q, want %q", key, ing.Annotations[key], want)
		}
	}
	if ing.Spec.Rules[0].Host != "flags.example.com" || ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name != "ff-featureflags" {
		t.Errorf("ingress rules %+v", ing.Spec.Rules)
	}
	sm := r["ServiceMonitor"].(*monitoringv1.ServiceMonitor)
	auth := sm.Spec.Endpoints[0].Authorization
	if auth == nil || auth.Type != "Bearer" || auth.Credentials.Name != "metrics-token" || auth.Credentials.Key != "token" || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoint %+v", sm.Spec.Endpoints[0])
	}
	if d, _, _ := r.deployment(t); d.Spec.Replicas != nil {
		t.Errorf("with the autoscaler, the Deployment leaves replicas to it: %d", *d.Spec.Replicas)
	}
}

func TestChartExistingSecret(t *testing.T) {
	r := mustRender(t, `
replicaCount: 2
existingSecret: {name: flags-secrets, adminTokenKey: admin, storeURLKey: store}
serviceMonitor: {enabled: true}
`)
	wantKinds(t, r, "Deployment", "PodDisruptionBudget", "Service", "ServiceMonitor")
	_, _, env := r.deployment(t)
	admin, store := env["FEATUREFLAGS_ADMIN_TOKEN"].ValueFrom.SecretKeyRef, env["FEATUREFLAGS_STORE"].ValueFrom.SecretKeyRef
	if admin.Name != "flags-secrets" || admin.Key != "admin" || store.Name != "flags-secrets" || store.Key != "store" {
		t.Errorf("admin token from %+v, store from %+v", admin, store)
	}
	if c := r["ServiceMonitor"].(*monitoringv1.ServiceMonitor).Spec.Endpoints[0].Authorization.Credentials; c.Name != "flags-secrets" || c.Key != "admin" {
		t.Errorf("ServiceMonitor token from %+v", c)
	}
}

func TestChartSQLiteSingleReplica(t *testing.T) {
	r := mustRender(t, `
replicaCount: 1
persistence: {size: 5Gi, storageClass: fast}
podDisruptionBudget: {enabled: false}
`)
	wantKinds(t, r, "Deployment", "PersistentVolumeClaim", "Secret", "Service")
	pvc := r["PersistentVolumeClaim"].(*corev1.PersistentVolumeClaim)
	if pvc.Spec.Resources.Requests.Storage().String() != "5Gi" || *pvc.Spec.StorageClassName != "fast" {
		t.Errorf("volume %+v", pvc.Spec)
	}
	d, _, _ := r.deployment(t)
	if v := d.Spec.Template.Spec.Volumes[0]; v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "ff-featureflags" {
		t.Errorf("data volume %+v", v)
	}
}

// TestChartRejects: the schema refuses wrong types and unknown keys, and
// SQLite with more than one replica fails, by the schema and, should the
// schema be skipped, by the template.
func TestChartRejects(t *testing.T) {
	for values, want := range map[string]string{
		`replicaCount: "3"`:                     "replicaCount",
		`replicaCount: 2`:                       "replicaCount",
		`autoscaling: {enabled: true}`:          "autoscaling",
		`unknownKey: 1`:                         "unknownKey",
		`config: {logLevel: loud}`:              "logLevel",
		`config: {writeRate: fast}`:             "writeRate",
		`config: {storeWait: soon}`:             "storeWait",
		`config: {maxFlags: 0}`:                 "maxFlags",
		`config: {unknownSetting: 1}`:           "unknownSetting",
		`image: {tag: 5}`:                       "tag",
		`adminToken: short`:                     "adminToken",
		`store: {url: "mysql://db"}`:            "url",
		`service: {port: 70000}`:                "port",
		`ingress: {enabled: "yes"}`:             "enabled",
		`existingSecret: {name: s, bogus: x}`:   "bogus",
		`serviceMonitor: {tokenSecret: {n: x}}`: "n",
	} {
		if _, err := render(t, values, false); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %s", values, err, want)
		}
	}
	for _, values := range []string{`replicaCount: 2`, `autoscaling: {enabled: true}`, `{replicaCount: 3, existingSecret: {name: s}}`} {
		if _, err := render(t, values, true); err == nil || !strings.Contains(err.Error(), "SQLite") {
			t.Errorf("%s without the schema: %v, want the template's SQLite error", values, err)
		}
	}
}

// TestStrictDecoding: the decoding the chart tests rely on refuses
// unknown and mistyped fields.
func TestStrictDecoding(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: apps/v1\nkind: Deployment\nspec: {replicaz: 3}\n",
		"apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: \"3\"}\n",
	} {
		if err := yaml.UnmarshalStrict([]byte(doc), &appsv1.Deployment{}); err == nil {
			t.Errorf("decoded:\n%s", doc)
		}
	}
}
