package codec

import (
	"fmt"
	"reflect"
	"testing"

	ff "github.com/featureflags/featureflags"
)

// TestFlagDecoder: flags decoded on several goroutines come out as
// DecodeFlag makes them, and a column that does not decode fails Wait.
func TestFlagDecoder(t *testing.T) {
	var want, got []*ff.Flag
	dec := NewFlagDecoder()
	for i := range 3*decodeBatch + 7 {
		f := &ff.Flag{Name: fmt.Sprint("f", i), Tags: []string{fmt.Sprint("t", i)},
			Environments: map[string]bool{"production": i%2 == 0}}
		c, err := EncodeFlag(f)
		if err != nil {
			t.Fatal(err)
		}
		w, g := &ff.Flag{Name: f.Name}, &ff.Flag{Name: f.Name}
		if err := DecodeFlag(w, c); err != nil {
			t.Fatal(err)
		}
		dec.Add(g, c)
		want, got = append(want, w), append(got, g)
	}
	if err := dec.Wait(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("flags decoded by the FlagDecoder differ from DecodeFlag's")
	}
	bad := NewFlagDecoder()
	bad.Add(&ff.Flag{}, FlagColumns{Environments: []byte(`{"production":`)})
	if err := bad.Wait(); err == nil {
		t.Fatal("a column that is not JSON decoded without an error")
	}
}
