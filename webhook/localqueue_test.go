package webhook_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

// The local queue hands every message to the consumer in batches of at
// most its size, tries a failed batch again, and Close returns only once
// all are written.
func TestLocalQueue(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	failures := 2
	biggest := 0
	q := webhook.NewLocalQueue(func(_ context.Context, msgs []surveys.Message) error {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return pipeline.Errorf(pipeline.Transient, "the lake is away")
		}
		biggest = max(biggest, len(msgs))
		for _, m := range msgs {
			seen[m.ResponseID]++
		}
		return nil
	}, 7, 10*time.Millisecond, t.Logf)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := q.Send(context.Background(), []surveys.Message{{ResponseID: fmt.Sprint(i)}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	q.Close()
	if len(seen) != 50 || biggest > 7 {
		t.Fatalf("%d responses written, batches up to %d", len(seen), biggest)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("response %s written %d times", id, n)
		}
	}
}
