package migrate

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	ff "github.com/featureflags/featureflags"
)

// memory is a Schema that records what it applied.
type memory struct {
	version int
	applied []string
}

func (m *memory) Version(context.Context) (int, error) { return m.version, nil }

func (m *memory) Apply(_ context.Context, mg Migration) error {
	m.applied = append(m.applied, mg.Body)
	m.version = mg.Version
	return nil
}

var files = fstest.MapFS{
	"m/0002_b.sql": {Data: []byte("B")},
	"m/0001_a.sql": {Data: []byte("A")},
	"m/0003_c.sql": {Data: []byte("C")},
}

func TestRunAppliesWhatIsMissing(t *testing.T) {
	ms, err := Load(files, "m")
	if err != nil {
		t.Fatal(err)
	}
	s := &memory{version: 1}
	if err := Run(t.Context(), s, ms); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.applied, ""); got != "BC" || s.version != 3 {
		t.Fatalf("applied %q up to %d, want BC up to 3", got, s.version)
	}
	s.applied = nil
	if err := Run(t.Context(), s, ms); err != nil || s.applied != nil {
		t.Fatalf("second run: %v, applied %q", err, s.applied)
	}
}

func TestRunRefusesNewerSchema(t *testing.T) {
	ms, _ := Load(files, "m")
	err := Run(t.Context(), &memory{version: 7}, ms)
	if ff.ErrorCode(err) != ff.EINVALID || !strings.Contains(err.Error(), "version 7") || !strings.Contains(err.Error(), "up to 3") {
		t.Fatalf("newer schema: %v, want a refusal naming 7 and 3", err)
	}
}

func TestLoadRefusesRepeatedNumbers(t *testing.T) {
	_, err := Load(fstest.MapFS{"m/0001_a.sql": {}, "m/0001_b.sql": {}}, "m")
	if err == nil || !strings.Contains(err.Error(), "0001_b.sql is out of sequence") {
		t.Fatalf("repeated number: %v", err)
	}
	_, err = Load(fstest.MapFS{"m/0001_a.sql": {}, "m/x_b.sql": {}}, "m")
	if err == nil || !strings.Contains(err.Error(), "x_b.sql is out of sequence") {
		t.Fatalf("no number: %v", err)
	}
}

// A number may be skipped; the database records the number of the last
// file it ran.
func TestRunSkipsHeldNumbers(t *testing.T) {
	ms, err := Load(fstest.MapFS{"m/0001_a.sql": {Data: []byte("A")}, "m/0004_d.sql": {Data: []byte("D")}}, "m")
	if err != nil {
		t.Fatal(err)
	}
	s := &memory{version: 1}
	if err := Run(t.Context(), s, ms); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.applied, ""); got != "D" || s.version != 4 {
		t.Fatalf("applied %q up to %d, want D up to 4", got, s.version)
	}
}
