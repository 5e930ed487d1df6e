package deploytest

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeEnv are the values .env.example asks for.
var composeEnv = []string{
	"FEATUREFLAGS_ADMIN_TOKEN=" + adminToken,
	"FEATUREFLAGS_METRICS_TOKEN=" + adminToken,
	"GRAFANA_ADMIN_PASSWORD=grafana-secret",
	"POSTGRES_PASSWORD=postgres-secret",
}

// loadCompose loads a Compose file as `docker compose` does, validating
// it against the Compose specification's schema.
func loadCompose(t *testing.T, file string, env []string) (*types.Project, error) {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join(repo, "deploy/compose"))
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, file)},
		cli.WithWorkingDirectory(dir), cli.WithEnv(env), cli.WithInterpolation(true), cli.WithResolvedPaths(true))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

// wantService is what a Compose service must have.
type wantService struct {
	image       string
	ports       []string // published:target
	healthcheck string   // the command, joined by spaces
	volumes     []string // target paths
}

func checkServices(t *testing.T, p *types.Project, want map[string]wantService) {
	t.Helper()
	if got := p.ServiceNames(); len(got) != len(want) {
		t.Errorf("services %v, want %d", got, len(want))
	}
	for name, w := range want {
		s, err := p.GetService(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s.Image != w.image {
			t.Errorf("%s: image %q, want %q", name, s.Image, w.image)
		}
		var ports []string
		for _, port := range s.Ports {
			ports = append(ports, port.Published+":"+strconv.FormatUint(uint64(port.Target), 10))
		}
		if !slices.Equal(ports, w.ports) {
			t.Errorf("%s: ports %v, want %v", name, ports, w.ports)
		}
		if s.HealthCheck == nil || strings.Join(s.HealthCheck.Test, " ") != w.healthcheck {
			t.Errorf("%s: healthcheck %+v, want %q", name, s.HealthCheck, w.healthcheck)
		}
		var volumes []string
		for _, v := range s.Volumes {
			volumes = append(volumes, v.Target)
		}
		for _, v := range s.Tmpfs {
			volumes = append(volumes, strings.SplitN(v, ":", 2)[0])
		}
		if !slices.Equal(volumes, w.volumes) {
			t.Errorf("%s: volumes %v, want %v", name, volumes, w.volumes)
		}
	}
}

const ffImage = "ghcr.io/featureflags/featureflags:latest"

var (
	ffHealth          = "CMD /featureflags healthcheck"
	nginxService      = wantService{"nginx:1.28-alpine", []string{"80:80"}, "CMD wget -q -O /dev/null http://127.0.0.1/healthz", []string{"/etc/nginx/conf.d/default.conf", "/etc/nginx/featureflags-upstream.conf"}}
	prometheusService = wantService{"prom/prometheus:v3.5.0", []string{"9090:9090"}, "CMD wget -q -O /dev/null http://127.0.0.1:9090/-/ready", []string{"/etc/prometheus/prometheus.yml", "/etc/prometheus/rules", "/prometheus"}}
	grafanaService    = wantService{"grafana/grafana:12.1.0", []string{"3000:3000"}, "CMD wget -q -O /dev/null http://127.0.0.1:3000/api/health", []string{"/etc/grafana/provisioning", "/var/lib/grafana/dashboards", "/var/lib/grafana"}}
)

func TestComposeMongo(t *testing.T) {
	p, err := loadCompose(t, "compose.yaml", composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	checkServices(t, p, map[string]wantService{
		"mongo":        {"mongo:8.0", nil, "CMD mongosh --quiet --eval try { rs.status().ok } catch (e) { rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'mongo:27017'}]}).ok }", []string{"/data/db"}},
		"featureflags": {ffImage, nil, ffHealth, []string{"/data"}},
		"nginx":        nginxService,
		"prometheus":   prometheusService,
		"grafana":      grafanaService,
	})
	ff, _ := p.GetService("featureflags")
	if store := *ff.Environment["FEATUREFLAGS_STORE"]; !strings.Contains(store, "replicaSet=rs0") {
		t.Errorf("the store %q is not the replica set (change streams need one)", store)
	}
	if got := *ff.Environment["FEATUREFLAGS_ADMIN_TOKEN"]; got != adminToken {
		t.Errorf("the admin token comes from .env: %q", got)
	}
	checkSecret(t, p)
}

func TestComposePostgresReplicas(t *testing.T) {
	p, err := loadCompose(t, "compose.postgres.yaml", composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	checkServices(t, p, map[string]wantService{
		"postgres":       {"postgres:17", nil, "CMD pg_isready -U featureflags -d featureflags", []string{"/var/lib/postgresql/data"}},
		"featureflags-1": {ffImage, nil, ffHealth, []string{"/data"}},
		"featureflags-2": {ffImage, nil, ffHealth, []string{"/data"}},
		"nginx":          nginxService,
		"prometheus":     prometheusService,
		"grafana":        grafanaService,
	})
	for _, name := range []string{"featureflags-1", "featureflags-2"} {
		s, _ := p.GetService(name)
		if store := *s.Environment["FEATUREFLAGS_STORE"]; store != "postgres://featureflags:postgres-secret@postgres:5432/featureflags?sslmode=disable" {
			t.Errorf("%s: store %q", name, store)
		}
	}
	checkSecret(t, p)
}

// checkSecret: Prometheus gets its scrape token as a secret from .env.
func checkSecret(t *testing.T, p *types.Project) {
	t.Helper()
	prom, _ := p.GetService("prometheus")
	if len(prom.Secrets) != 1 || prom.Secrets[0].Source != "metrics_token" || p.Secrets["metrics_token"].Environment != "FEATUREFLAGS_METRICS_TOKEN" {
		t.Errorf("prometheus secrets %+v, project secrets %+v", prom.Secrets, p.Secrets)
	}
}

// TestComposeNeedsSecrets: without the secrets of .env the stacks refuse
// to start, naming the missing variable; nothing secret has a default.
func TestComposeNeedsSecrets(t *testing.T) {
	for _, file := range []string{"compose.yaml", "compose.postgres.yaml"} {
		_, err := loadCompose(t, file, []string{"FEATUREFLAGS_METRICS_TOKEN=x", "GRAFANA_ADMIN_PASSWORD=x", "POSTGRES_PASSWORD=x"})
		if err == nil || !strings.Contains(err.Error(), "FEATUREFLAGS_ADMIN_TOKEN") {
			t.Errorf("%s without FEATUREFLAGS_ADMIN_TOKEN: %v", file, err)
		}
	}
}

// TestComposeRejectsUnknownKeys: the loader is strict, so the tests above
// would catch a misspelt key.
func TestComposeRejectsUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	writeTemp(t, file, "services:\n  a:\n    image: x\n    helthcheck: {}\n")
	opts, err := cli.NewProjectOptions([]string{file}, cli.WithWorkingDirectory(dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opts.LoadProject(context.Background()); err == nil || !strings.Contains(err.Error(), "helthcheck") {
		t.Errorf("a misspelt key loaded: %v", err)
	}
}
