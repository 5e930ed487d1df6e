package deploytest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startNginx runs the shipped deploy/nginx/featureflags.conf in a real
// nginx in front of upstream. Only two things change from the shipped
// files: the listen port (loopback) and the upstream file's address.
func startNginx(t *testing.T, upstream string) string {
	t.Helper()
	nginx := tool(t, "nginx")
	dir := t.TempDir()
	port := freePort(t)
	conf := string(readFile(t, "deploy/nginx/featureflags.conf"))
	if strings.Count(conf, "listen 80;") != 1 {
		t.Fatal("deploy/nginx/featureflags.conf: want exactly one `listen 80;`")
	}
	conf = strings.Replace(conf, "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port), 1)
	shippedUpstream := string(readFile(t, "deploy/nginx/featureflags-upstream.conf"))
	if strings.Count(shippedUpstream, "server featureflags:8080;") != 1 {
		t.Fatal("deploy/nginx/featureflags-upstream.conf: want exactly one `server featureflags:8080;`")
	}
	files := map[string]string{
		"featureflags.conf":          conf,
		"featureflags-upstream.conf": strings.Replace(shippedUpstream, "featureflags:8080", upstream, 1),
		"nginx.conf": fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 128; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include featureflags.conf;
}
`, dir),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	global := "daemon off; master_process on;"
	if os.Geteuid() == 0 {
		global += " user root;" // the workers must reach the test's private directory
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"), "-g", global)
	logs := &lockedBuffer{}
	startLogged(t, cmd, logs, "")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	eventually(t, 10*time.Second, "nginx to answer", func() bool {
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", logs, b)
		}
	})
	return base
}

type flagJSON struct {
	ID           string          `json:"_id"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Enabled      bool            `json:"enabled"`
	Environments map[string]bool `json:"environments"`
}

// TestNginxEndToEnd runs the original app's end-to-end check (create,
// list, toggle, update, delete a flag through /flags) through nginx, and
// checks what nginx passes on: the request id, the client's address.
func TestNginxEndToEnd(t *testing.T) {
	srv := startServer(t, "--trusted-proxies", "127.0.0.1")
	base := startNginx(t, srv.addr)

	var created flagJSON
	code, h := call(t, "POST", base+"/flags", `{"name":"e2e-flag","description":"end to end","environments":{"development":true}}`, &created,
		"X-Request-Id", "e2e-request-1", "X-Forwarded-For", "203.0.113.7")
	if code != 201 || created.Name != "e2e-flag" || !created.Environments["development"] {
		t.Fatalf("create: %d %+v", code, created)
	}
	if h.Get("X-Request-Id") != "e2e-request-1" {
		t.Errorf("X-Request-Id through nginx: %q", h.Get("X-Request-Id"))
	}
	var list []flagJSON
	if code, _ := call(t, "GET", base+"/flags?environment=development", "", &list); code != 200 || len(list) != 1 || !list[0].Enabled {
		t.Fatalf("list: %d %+v", code, list)
	}
	var toggled flagJSON
	if code, _ := call(t, "POST", base+"/flags/"+created.ID+"/toggle", `{"environment":"development"}`, &toggled); code != 200 || toggled.Enabled {
		t.Fatalf("toggle: %d %+v", code, toggled)
	}
	var updated flagJSON
	if code, _ := call(t, "PUT", base+"/flags/e2e-flag", `{"description":"updated","environments":{"staging":true}}`, &updated); code != 200 ||
		updated.Description != "updated" || !updated.Environments["staging"] || updated.Environments["development"] {
		t.Fatalf("update: %d %+v", code, updated)
	}
	if code, _ := call(t, "DELETE", base+"/flags/e2e-flag", "", nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := call(t, "GET", base+"/flags/e2e-flag", "", nil); code != 404 {
		t.Fatalf("get after delete: %d", code)
	}
	// The server's log names the client nginx forwarded for, and the id
	// the client sent.
	eventually(t, 5*time.Second, "the request log line", func() bool {
		return strings.Contains(srv.logs.String(), `"request_id":"e2e-request-1","client":"203.0.113.7"`)
	})
}

// TestNginxStreams: an SSE client through nginx hears of a toggle within
// a second; nginx neither buffers the event nor holds it.
func TestNginxStreams(t *testing.T) {
	srv := startServer(t)
	base := startNginx(t, srv.addr)
	if code, _ := call(t, "POST", base+"/flags", `{"name":"streamed"}`, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	lines := subscribe(t, base)
	toggled := time.Now()
	if code, _ := call(t, "POST", base+"/flags/streamed/toggle", `{"environment":"production"}`, nil); code != 200 {
		t.Fatalf("toggle: %d", code)
	}
	timeout := time.After(time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			if line == "event: change" {
				t.Logf("change event %s after the toggle", time.Since(toggled))
				return
			}
		case <-timeout:
			t.Fatal("no change event through nginx within 1 s of the toggle")
		}
	}
}
