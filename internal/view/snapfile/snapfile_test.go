package snapfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// TestStreamedEqualsMarshalled checks that writing the file flag by flag
// gives exactly the bytes json.Marshal gives for the whole file, and that
// Read returns what was written.
func TestStreamedEqualsMarshalled(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)
	expires := at.Add(time.Hour)
	tokens := []*ff.Token{
		{ID: "t2", Name: "ci", Role: ff.Role("evaluator"), Environment: "production", Hash: "h2", CreatedAt: at, ExpiresAt: &expires},
		{ID: "t1", Name: "admin", Role: ff.Role("admin"), Hash: "h1", CreatedAt: at},
	}
	full := &ff.Dataset{Revision: 7,
		Environments: []*ff.Environment{{Name: "production"}, {Name: "staging"}},
		Flags: []*ff.Flag{
			{ID: "a", Name: "alpha", Type: ff.TypeBoolean, Environments: map[string]bool{"production": true, "staging": false}, Version: 2, CreatedAt: at},
			{ID: "b", Name: "beta <&>", Type: ff.TypeString, Variants: map[string]any{"x": "X", "y": "Y"}, Tags: []string{"web"}, Version: 1,
				Targeting: map[string]*ff.Targeting{"production": {DefaultServe: &ff.Serve{Variant: "y"}}}},
		},
		Segments: []*ff.Segment{{Name: "beta-users"}},
	}
	for name, d := range map[string]*ff.Dataset{"full": full, "empty": {Revision: 1}} {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := encode(&got, d, tokens, at); err != nil {
				t.Fatal(err)
			}
			if want := marshalWhole(t, d, tokens, at); !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("streamed\n%s\nmarshalled\n%s", got.Bytes(), want)
			}
			path := filepath.Join(t.TempDir(), "snapshot.json")
			if err := Write(path, d, tokens, at); err != nil {
				t.Fatal(err)
			}
			back, gotTokens, info, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Revision != d.Revision || info.Flags != len(d.Flags) || len(back.Flags) != len(d.Flags) || len(gotTokens) != 2 || gotTokens[0].ID != "t1" {
				t.Fatalf("read back %+v, %d flags, tokens %v", info, len(back.Flags), gotTokens)
			}
			for i := range d.Flags {
				if !reflect.DeepEqual(back.Flags[i].Variants, d.Flags[i].Variants) || back.Flags[i].Name != d.Flags[i].Name {
					t.Fatalf("flag %d read back as %+v", i, back.Flags[i])
				}
			}
		})
	}
}

// marshalWhole is the file as one json.Marshal writes it.
func marshalWhole(t *testing.T, d *ff.Dataset, tokens []*ff.Token, at time.Time) []byte {
	f := file{Format: format, Version: version, SavedAt: at.UTC().Truncate(time.Millisecond),
		Dataset: &ff.Dataset{Revision: d.Revision, Environments: d.Environments, Flags: d.Flags, Segments: d.Segments}}
	if f.Dataset.Flags == nil {
		f.Dataset.Flags = []*ff.Flag{}
	}
	if f.Dataset.Segments == nil {
		f.Dataset.Segments = []*ff.Segment{}
	}
	for _, id := range []int{1, 0} {
		tk := tokens[id]
		f.Tokens = append(f.Tokens, token{ID: tk.ID, Name: tk.Name, Role: tk.Role, Environment: tk.Environment, Hash: tk.Hash,
			CreatedAt: tk.CreatedAt, ExpiresAt: tk.ExpiresAt, RevokedAt: tk.RevokedAt})
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkWrite writes a snapshot file of 20,000 flags: what one save
// allocates (B/op) is garbage the server's heap must make room for.
func BenchmarkWrite(b *testing.B) {
	d := &ff.Dataset{Revision: 1, Environments: []*ff.Environment{{Name: "development"}, {Name: "staging"}, {Name: "production"}}}
	for i := range 20000 {
		d.Flags = append(d.Flags, &ff.Flag{ID: fmt.Sprintf("id-%06d", i), Name: fmt.Sprintf("flag-%06d", i), Type: ff.TypeBoolean, Version: 1,
			Description: "a flag of the benchmark", Environments: map[string]bool{"development": true, "staging": true, "production": i%2 == 0}})
	}
	path := filepath.Join(b.TempDir(), "snapshot.json")
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(path, d, nil, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
