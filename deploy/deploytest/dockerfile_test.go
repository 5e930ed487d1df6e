package deploytest

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// TestDockerfile parses the Dockerfile with BuildKit's parser and checks
// its shape: a Go build stage whose module download is a layer of its
// own, building with make build's flags; a distroless final stage running
// as non-root with /data, port 8080, a healthcheck and every address.
func TestDockerfile(t *testing.T) {
	ast, err := parser.Parse(bytes.NewReader(readFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || stages[0].Name != "build" || stages[0].BaseName != "golang:${GO_VERSION}" ||
		stages[1].Name != "final" || stages[1].BaseName != "gcr.io/distroless/static-debian12:nonroot" {
		t.Fatalf("stages: want build (golang) and final (distroless static), got %d: %+v", len(stages), stages)
	}
	checkBuildStage(t, stages[0])
	checkFinalStage(t, stages[1])
}

func checkBuildStage(t *testing.T, build instructions.Stage) {
	t.Helper()
	var order []string
	var buildCmd string
	for _, c := range build.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			order = append(order, "COPY "+strings.Join(c.SourcePaths, " "))
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			if strings.Contains(line, "go mod download") {
				order = append(order, "RUN go mod download")
			}
			if i := strings.Index(line, "CGO_ENABLED=0 go build"); i >= 0 {
				buildCmd = line[i:]
			}
		}
	}
	want := []string{"COPY go.mod go.sum", "RUN go mod download", "COPY ."}
	if !slices.Equal(order, want) {
		t.Errorf("build stage: %v, want %v (modules downloaded in a layer of their own)", order, want)
	}
	// make build's command, with the Dockerfile's version argument and
	// output path.
	out, err := exec.Command(tool(t, "make"), "-s", "-n", "-C", repo, "build", "GO=go", "VERSION=$${VERSION}", "COMMIT=$${COMMIT}").Output() // $$: make expands it to $
	if err != nil {
		t.Fatal(err)
	}
	makeCmd := strings.Replace(strings.TrimSpace(string(out)), "-o bin/featureflags", "-o /out/featureflags", 1)
	if buildCmd != makeCmd {
		t.Errorf("the Dockerfile builds with\n  %s\nmake build with\n  %s", buildCmd, makeCmd)
	}
}

func checkFinalStage(t *testing.T, final instructions.Stage) {
	t.Helper()
	var user, health, listen string
	var expose, volumes []string
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.HealthCheckCommand:
			health = strings.Join(c.Health.Test, " ")
		case *instructions.ExposeCommand:
			expose = append(expose, c.Ports...)
		case *instructions.VolumeCommand:
			volumes = append(volumes, c.Volumes...)
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				if kv.Key == "FEATUREFLAGS_LISTEN" {
					listen = kv.Value
				}
			}
		}
	}
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" {
		t.Errorf("USER %q: want a non-root user", user)
	}
	if health != "CMD /featureflags healthcheck" {
		t.Errorf("HEALTHCHECK %q", health)
	}
	if !slices.Equal(expose, []string{"8080"}) || !slices.Equal(volumes, []string{"/data"}) || listen != "0.0.0.0:8080" {
		t.Errorf("EXPOSE %v, VOLUME %v, FEATUREFLAGS_LISTEN %q", expose, volumes, listen)
	}
}
