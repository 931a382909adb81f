// Package heapwatch measures the peak of the live Go heap while a piece of
// work runs, for the benchmarks that must show memory staying flat in the
// number of rows (docs/benchmarks.md). It samples runtime/metrics rather than
// reading MemStats, which stops the world.
package heapwatch

import (
	"runtime"
	"runtime/metrics"
	"time"
)

// interval is how often the heap is sampled.
const interval = 5 * time.Millisecond

// Start collects garbage, then samples the live heap until the returned stop
// is called; stop returns the largest growth over the heap at the start, in
// bytes.
func Start() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	runtime.GC()
	metrics.Read(s)
	base := s[0].Value.Uint64()
	done := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() {
		var p uint64
		t := time.NewTicker(interval)
		defer t.Stop()
		sample := func() {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base {
				p = max(p, v-base)
			}
		}
		for {
			sample()
			select {
			case <-done:
				sample() // the work may have ended between two ticks
				peak <- p
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-peak
	}
}
