package view_test

import (
	"context"
	"reflect"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// Every operation of the missing store answers EUNAVAILABLE, but Close,
// which has nothing to do.
func TestUnavailable(t *testing.T) {
	var st ff.Store = view.Unavailable{}
	v := reflect.ValueOf(st)
	ctx := reflect.ValueOf(context.Background())
	for i := range v.NumMethod() {
		m, name := v.Method(i), v.Type().Method(i).Name
		args := []reflect.Value{ctx}
		for j := 1; j < m.Type().NumIn(); j++ {
			args = append(args, reflect.Zero(m.Type().In(j)))
		}
		if name == "Close" {
			args = nil
		}
		out := m.Call(args)
		err, _ := out[len(out)-1].Interface().(error)
		if name == "Close" {
			if err != nil {
				t.Errorf("Close: %v", err)
			}
			continue
		}
		if ff.ErrorCode(err) != ff.EUNAVAILABLE {
			t.Errorf("%s: %v, want EUNAVAILABLE", name, err)
		}
	}
	k := view.NewKeeper(view.Config{})
	if k.HasStore() || k.Store() != st {
		t.Fatal("a keeper without a store must hold Unavailable")
	}
}
