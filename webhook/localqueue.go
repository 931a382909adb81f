package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// LocalQueue is the queue of one machine (`outcomes serve`): the handler's
// Send returns as soon as the responses are in memory, and one goroutine
// hands them to the consumer in micro-batches, as SQS and the consumer
// function do in AWS. It keeps nothing on disk: a crash loses what was not
// written yet (on AWS, SQS keeps it), so it is for trials and the demo.
type LocalQueue struct {
	process func(context.Context, []surveys.Message) error
	log     func(format string, args ...any)
	batch   int
	wait    time.Duration

	ch   chan surveys.Message
	done chan struct{}
	once sync.Once
}

// NewLocalQueue starts a queue that calls process with up to batch
// messages at a time, gathered for at most wait after the first. A batch
// that fails is tried again after a pause, until it is written or the
// queue is closed.
func NewLocalQueue(process func(context.Context, []surveys.Message) error, batch int, wait time.Duration, log func(string, ...any)) *LocalQueue {
	q := &LocalQueue{process: process, log: log, batch: batch, wait: wait, ch: make(chan surveys.Message, 1<<16), done: make(chan struct{})}
	go q.run()
	return q
}

// Send queues messages; a full queue is Transient (the tool retries).
func (q *LocalQueue) Send(ctx context.Context, msgs []surveys.Message) error {
	for _, m := range msgs {
		select {
		case q.ch <- m:
		case <-ctx.Done():
			return pipeline.Errorf(pipeline.Transient, "queue response %s: %w", m.ResponseID, ctx.Err())
		default:
			return pipeline.Errorf(pipeline.Transient, "queue response %s: the queue is full", m.ResponseID)
		}
	}
	return nil
}

// Close stops taking messages, writes those queued and returns when done.
func (q *LocalQueue) Close() {
	q.once.Do(func() { close(q.ch) })
	<-q.done
}

func (q *LocalQueue) run() {
	defer close(q.done)
	for {
		first, ok := <-q.ch
		if !ok {
			return
		}
		batch := []surveys.Message{first}
		timer := time.NewTimer(q.wait)
	gather:
		for len(batch) < q.batch {
			select {
			case m, ok := <-q.ch:
				if !ok {
					break gather
				}
				batch = append(batch, m)
			case <-timer.C:
				break gather
			}
		}
		timer.Stop()
		for pause := 100 * time.Millisecond; ; pause = min(2*pause, 10*time.Second) {
			err := q.process(context.Background(), batch)
			if err == nil {
				break
			}
			if q.log != nil {
				q.log("write %d survey responses: %v (trying again in %s)", len(batch), err, pause)
			}
			time.Sleep(pause)
		}
	}
}
