package deploytest

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestWorkflows: the GitHub Actions workflows pass actionlint, and every
// action is pinned to a version.
func TestWorkflows(t *testing.T) {
	actionlint := tool(t, "actionlint")
	files, _ := filepath.Glob(filepath.Join(repo, ".github/workflows/*.yaml"))
	if len(files) != 2 {
		t.Fatalf("workflows %v, want ci.yaml and release.yaml", files)
	}
	cmd := exec.Command(actionlint, append([]string{"-no-color"}, files...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
	pinned := regexp.MustCompile(`uses: [\w.-]+/[\w.-]+@v\d+\.\d+\.\d+\s*$`)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "uses:") && !pinned.MatchString(line) {
				t.Errorf("%s: %q is not pinned to a version", filepath.Base(f), strings.TrimSpace(line))
			}
		}
	}
	ci, _ := os.ReadFile(filepath.Join(repo, ".github/workflows/ci.yaml"))
	if !strings.Contains(string(ci), "run: .ci/run") {
		t.Error("ci.yaml does not run .ci/run")
	}
}

// TestArgoCDApplications: each Application deploys this repository's
// chart with a values file that exists and renders.
func TestArgoCDApplications(t *testing.T) {
	b := readFile(t, "deploy/argocd/applications.yaml")
	docs := regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1)
	if len(docs) != 3 {
		t.Fatalf("%d Applications, want dev, staging and production", len(docs))
	}
	for _, doc := range docs {
		var app struct {
			APIVersion, Kind string
			Metadata         struct{ Name string }
			Spec             struct {
				Source struct {
					Path string
					Helm struct{ ValueFiles []string }
				}
			}
		}
		if err := yaml.Unmarshal([]byte(doc), &app); err != nil {
			t.Fatal(err)
		}
		if app.APIVersion != "argoproj.io/v1alpha1" || app.Kind != "Application" || app.Spec.Source.Path != "deploy/helm/featureflags" {
			t.Errorf("%s: %+v", app.Metadata.Name, app)
		}
		for _, vf := range app.Spec.Source.Helm.ValueFiles {
			values := string(readFile(t, path.Join(app.Spec.Source.Path, vf)))
			r := mustRender(t, values)
			if _, ok := r["ServiceMonitor"]; !ok {
				t.Errorf("%s: %s renders %v", app.Metadata.Name, vf, r.kinds())
			}
		}
	}
}
