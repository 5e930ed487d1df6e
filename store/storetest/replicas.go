package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// PairOpener returns two handles on one new, empty database, as two
// replicas of the service hold. The suite closes them.
type PairOpener func(t *testing.T) (ff.Store, ff.Store)

// RunReplicas runs the tests of two service instances writing through two
// handles on one database: each instance checks against its own view,
// which the other's writes outdate, so the store must keep the data whole.
func RunReplicas(t *testing.T, open PairOpener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b *service.Service)
	}{
		{"StaleViews", testStaleViews},
		{"RacingWriters", testRacingWriters},
		{"SchedulesRunOnce", testSchedulesRunOnce},
		{"RacingPrerequisites", testRacingPrerequisites},
		{"WebhookLimit", testWebhookLimitAcrossReplicas},
		{"WebhookOrder", testWebhookOrderAcrossReplicas},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sa, sb := open(t)
			t.Cleanup(func() { sa.Close(); sb.Close() })
			a, b := service.New(sa), service.New(sb)
			must(t, a.Init(ctx(t)))
			must(t, b.Init(ctx(t)))
			tt.fn(t, a, b)
			checkWhole(t, a)
		})
	}
}

func str(s string) *string { return &s }

func refersTo(segs ...string) *[]ff.Condition {
	return &newSegment("", segs...).Conditions
}

func usingInput(name, seg string) service.FlagInput {
	f := flagUsing(name, seg)
	return service.FlagInput{Name: name, Environments: map[string]bool{"production": true}, Targeting: f.Targeting}
}

func createSegments(t *testing.T, s *service.Service, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := s.CreateSegment(ctx(t), service.SegmentInput{Name: str(n)})
		must(t, err)
	}
}

// Each write below passes the checks of its service's outdated view, and
// the store refuses it.
func testStaleViews(t *testing.T, a, b *service.Service) {
	createSegments(t, a, "deleted", "renamed", "x", "y", "gone")
	_, err := b.ListSegments(ctx(t)) // b sees them all; a sees b's writes no more
	must(t, err)

	_, err = b.CreateFlag(ctx(t), usingInput("on-deleted", "deleted"))
	must(t, err)
	mustCode(t, a.DeleteSegment(ctx(t), "deleted", ff.AnyVersion), ff.ECONFLICT)

	_, err = b.CreateFlag(ctx(t), usingInput("on-renamed", "renamed"))
	must(t, err)
	_, err = a.UpdateSegment(ctx(t), "renamed", service.SegmentInput{Name: str("renamed2")}, ff.AnyVersion)
	mustField(t, err, ff.EINVALID, "name")

	_, err = a.UpdateSegment(ctx(t), "x", service.SegmentInput{Conditions: refersTo("y")}, ff.AnyVersion)
	must(t, err)
	_, err = b.UpdateSegment(ctx(t), "y", service.SegmentInput{Conditions: refersTo("x")}, ff.AnyVersion)
	mustField(t, err, ff.EINVALID, "conditions")

	must(t, a.DeleteSegment(ctx(t), "gone", ff.AnyVersion))
	_, err = b.CreateFlag(ctx(t), usingInput("on-gone", "gone"))
	mustField(t, err, ff.EINVALID, "targeting")
}

// racingRounds bounds testRacingWriters.
const racingRounds = 12

// The two services race: one deletes or renames a segment while the other
// starts using it, and both close half of a cycle at once. Whoever wins,
// the data stays whole (checkWhole).
func testRacingWriters(t *testing.T, a, b *service.Service) {
	for i := range racingRounds {
		seg, p, q := fmt.Sprintf("s%d", i), fmt.Sprintf("p%d", i), fmt.Sprintf("q%d", i)
		createSegments(t, a, seg, p, q)
		_, err := b.ListSegments(ctx(t))
		must(t, err)
		race(t,
			func() error {
				if i%2 == 0 {
					return a.DeleteSegment(ctx(t), seg, ff.AnyVersion)
				}
				_, err := a.UpdateSegment(ctx(t), seg, service.SegmentInput{Name: str(seg + "-new")}, ff.AnyVersion)
				return err
			},
			func() error { _, err := b.CreateFlag(ctx(t), usingInput("f"+seg, seg)); return err },
			func() error {
				_, err := a.UpdateSegment(ctx(t), p, service.SegmentInput{Conditions: refersTo(q)}, ff.AnyVersion)
				return err
			},
			func() error {
				_, err := b.UpdateSegment(ctx(t), q, service.SegmentInput{Conditions: refersTo(p)}, ff.AnyVersion)
				return err
			},
		)
	}
}

// race runs the writes at once and checks that each either succeeded or
// was refused as invalid or conflicting; who wins is checked afterwards.
func race(t *testing.T, writes ...func() error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(writes))
	for i, w := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = w()
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if code := ff.ErrorCode(err); code != "" && code != ff.EINVALID && code != ff.ECONFLICT {
			t.Errorf("racing write %d: %v, want success or a refusal", i, err)
		}
	}
}

// checkWhole checks that every reference in the store resolves, that no
// segments refer to each other in a cycle, and that an export imports.
func checkWhole(t *testing.T, s *service.Service) {
	t.Helper()
	d, err := s.Export(context.WithoutCancel(ctx(t)))
	must(t, err)
	names := map[string]bool{}
	for _, sg := range d.Segments {
		names[sg.Name] = true
	}
	for _, f := range d.Flags {
		for _, ref := range f.SegmentRefs() {
			if !names[ref] {
				t.Errorf("flag %q refers to the missing segment %q", f.Name, ref)
			}
		}
	}
	for _, sg := range d.Segments {
		for _, ref := range sg.SegmentRefs() {
			if !names[ref] {
				t.Errorf("segment %q refers to the missing segment %q", sg.Name, ref)
			}
		}
	}
	if cycle := ff.SegmentCycle(d.Segments); cycle != nil {
		t.Errorf("segments refer to each other in a cycle: %v", cycle)
	}
	checkPrerequisitesWhole(t, d.Flags)
	if err := s.Import(ctx(t), d); err != nil {
		t.Errorf("the export does not import: %v", err)
	}
}
