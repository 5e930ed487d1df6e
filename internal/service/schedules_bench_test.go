package service_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// BenchmarkScheduleLateness measures, with the real clock, how late 200
// one-step schedules (25 ms apart) run when a worker polls every 500 ms,
// as the serve command's does: lateness is the step's recorded ranAt less
// its runAt. It reports the median and 99th percentile in milliseconds.
func BenchmarkScheduleLateness(b *testing.B) {
	const steps, interval, spacing = 200, 500 * time.Millisecond, 25 * time.Millisecond
	for b.Loop() {
		svc := service.New(openSQLite(b, filepath.Join(b.TempDir(), "flags.db")))
		if err := svc.Init(b.Context()); err != nil {
			b.Fatal(err)
		}
		f, err := svc.CreateFlag(b.Context(), service.FlagInput{Name: "timed"})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() { // the worker, polling from the start as the serve command's does
			defer close(done)
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for ran := 0; ran < steps; {
				<-tick.C
				n, err := svc.RunDueSchedules(b.Context())
				if err != nil {
					b.Error(err)
					return
				}
				ran += n
			}
		}()
		start := time.Now().Add(time.Second)
		for i := range steps {
			on := i%2 == 0
			_, err := svc.CreateSchedule(b.Context(), f.ID, service.ScheduleInput{Environment: "production",
				Steps: []ff.ScheduleStep{{RunAt: start.Add(time.Duration(i) * spacing), Change: ff.ScheduledChange{Enabled: &on}}}})
			if err != nil {
				b.Fatal(err)
			}
		}
		<-done
		reportLateness(b, svc)
	}
}

func reportLateness(b *testing.B, svc *service.Service) {
	list, err := svc.ListSchedules(b.Context(), "", false)
	if err != nil {
		b.Fatal(err)
	}
	var late []time.Duration
	for _, sc := range list {
		st := sc.Steps[0]
		if st.Status != ff.StepDone || st.RanAt == nil {
			b.Fatalf("step not done: %+v", st)
		}
		late = append(late, st.RanAt.Sub(st.RunAt))
	}
	slices.Sort(late)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(late[len(late)/2]), "p50-ms")
	b.ReportMetric(ms(late[len(late)*99/100]), "p99-ms")
	b.ReportMetric(ms(late[len(late)-1]), "max-ms")
}
