package deploytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

const rulesDir = "deploy/prometheus/rules"

// TestPrometheusRules: the rules load, and their unit tests (one firing
// and one quiet case for every alert) pass.
func TestPrometheusRules(t *testing.T) {
	promtool := tool(t, "promtool")
	for _, args := range [][]string{
		{"check", "rules", "featureflags.yml"},
		{"test", "rules", "featureflags_test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = filepath.Join(repo, rulesDir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	var unit struct {
		Tests []struct {
			AlertRuleTest []struct{ Alertname string } `json:"alert_rule_test"`
		}
	}
	if err := yaml.Unmarshal(readFile(t, rulesDir+"/featureflags_test.yml"), &unit); err != nil {
		t.Fatal(err)
	}
	tested := map[string]bool{}
	for _, tc := range unit.Tests {
		for _, a := range tc.AlertRuleTest {
			tested[a.Alertname] = true
		}
	}
	for _, r := range loadRules(t) {
		if r.Alert != "" && !tested[r.Alert] {
			t.Errorf("alert %s has no unit test in featureflags_test.yml", r.Alert)
		}
	}
}

type rule struct {
	Record, Alert, Expr string
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	var file struct{ Groups []struct{ Rules []rule } }
	if err := yaml.Unmarshal(readFile(t, rulesDir+"/featureflags.yml"), &file); err != nil {
		t.Fatal(err)
	}
	var out []rule
	for _, g := range file.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// threshold is an alert's final comparison with a number; without it the
// expression is the series the alert watches.
var threshold = regexp.MustCompile(`\s*(>|<|==|!=|>=|<=)\s*[0-9.e+-]+\s*$`)

// TestPrometheusScrapesServer runs a real Prometheus with the shipped
// scrape configuration and token file against a real server, makes some
// traffic, and checks that every PromQL expression of the dashboard and
// the rules returns at least one series: none names a metric the server
// does not export.
func TestPrometheusScrapesServer(t *testing.T) {
	prometheus, promtool := tool(t, "prometheus"), tool(t, "promtool")
	srv := startServer(t)
	base := startPrometheus(t, prometheus, promtool, srv.addr)
	traffic(t, "http://"+srv.addr)

	var exprs []string
	for _, r := range loadRules(t) {
		exprs = append(exprs, threshold.ReplaceAllString(r.Expr, ""))
	}
	exprs = append(exprs, dashboardExprs(t)...)
	for _, expr := range exprs {
		eventually(t, 60*time.Second, "a series for "+expr, func() bool { return seriesCount(t, base, expr) > 0 })
	}
}

// startPrometheus runs Prometheus on the shipped prometheus.yml with
// these changes only: its target, the token file's path, the rule
// files' path and a 1 s interval.
func startPrometheus(t *testing.T, prometheus, promtool, target string) string {
	t.Helper()
	dir := t.TempDir()
	var cfg map[string]any
	if err := yaml.Unmarshal(readFile(t, "deploy/prometheus/prometheus.yml"), &cfg); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(adminToken), 0o600); err != nil {
		t.Fatal(err)
	}
	rules, _ := filepath.Abs(filepath.Join(repo, rulesDir, "featureflags.yml"))
	cfg["global"] = map[string]any{"scrape_interval": "1s", "evaluation_interval": "1s"}
	cfg["rule_files"] = []any{rules}
	job := cfg["scrape_configs"].([]any)[0].(map[string]any)
	job["authorization"].(map[string]any)["credentials_file"] = tokenFile
	job["static_configs"] = []any{map[string]any{"targets": []any{target}}}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", config).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	logs := &lockedBuffer{}
	ready := startLogged(t, exec.Command(prometheus, "--config.file="+config, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+listen), logs, "Server is ready to receive web requests")
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("Prometheus did not start:\n%s", logs)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Prometheus output:\n%s", logs)
		}
	})
	return "http://" + listen
}

// traffic makes requests of every kind the dashboard shows: management,
// an OFREP evaluation, and a change heard on an event stream.
func traffic(t *testing.T, base string) {
	t.Helper()
	lines := subscribe(t, base)
	if code, _ := call(t, "POST", base+"/flags", `{"name":"observed","environments":{"production":true}}`, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	for line := range lines {
		if line == "event: change" {
			break
		}
	}
	if code, _ := call(t, "POST", base+"/ofrep/v1/evaluate/flags/observed", `{"context":{"targetingKey":"u1"}}`, nil); code != 200 {
		t.Fatalf("OFREP evaluation: %d", code)
	}
	call(t, "GET", base+"/flags", "", nil)
}

// dashboardExprs are the dashboard's queries, with its variables set as
// Grafana would: every job, a one-minute rate interval.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(readFile(t, "deploy/grafana/dashboards/featureflags.json"), &dash); err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer("$job", ".+", "$__rate_interval", "1m")
	var out []string
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			out = append(out, r.Replace(target.Expr))
		}
	}
	return out
}

// seriesCount is the number of series an instant query returns.
func seriesCount(t *testing.T, base, expr string) int {
	t.Helper()
	res, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var answer struct {
		Status string
		Error  string
		Data   struct{ Result []json.RawMessage }
	}
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	if answer.Status != "success" {
		t.Fatalf("query %s: %s", expr, answer.Error)
	}
	return len(answer.Data.Result)
}
