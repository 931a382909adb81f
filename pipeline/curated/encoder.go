package curated

import (
	"github.com/parquet-go/parquet-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// encoder hands batches of column values to parquet-go in a goroutine of
// its own, and ends each row group when it is full. A few batches take
// turns: validation fills one while the others wait to be encoded, so that
// it can run ahead while a full row group is compressed, and memory stays at
// encodeBatches batches.
type encoder struct {
	pw    *parquet.GenericWriter[any]
	what  string
	work  chan encodeJob
	free  chan encodeJob
	done  chan error
	group int // rows in the current row group; owned by the goroutine
	err   error
	ended bool
}

// encodeBatches is how many batches exist: enough to cover the compression
// of a row group (about 60 ms for follow-ups) while validation runs ahead.
const encodeBatches = 16

type encodeJob struct {
	cols  [][]parquet.Value
	arena []byte
	n     int
}

func newEncoder(pw *parquet.GenericWriter[any], columns int, what string) *encoder {
	e := &encoder{pw: pw, what: what, work: make(chan encodeJob, encodeBatches), free: make(chan encodeJob, encodeBatches), done: make(chan error, 1)}
	for range encodeBatches {
		job := encodeJob{cols: make([][]parquet.Value, columns), arena: make([]byte, 0, batchRows*48)}
		for i := range job.cols {
			job.cols[i] = make([]parquet.Value, batchRows)
		}
		e.free <- job
	}
	go e.run()
	return e
}

func (e *encoder) run() {
	var err error
	for job := range e.work {
		if err == nil {
			err = e.encode(job)
		}
		job.arena = job.arena[:0]
		e.free <- job
	}
	e.done <- err
}

// encode writes a batch a column at a time (parquet-go copies the values
// into its column buffers): writing by column saves parquet-go splitting
// every row into its columns again.
func (e *encoder) encode(job encodeJob) error {
	for i, cw := range e.pw.ColumnWriters() {
		if _, err := cw.WriteRowValues(job.cols[i][:job.n]); err != nil {
			return pipeline.Errorf(pipeline.Internal, "write %s: %w", e.what, err)
		}
	}
	if e.group += job.n; e.group >= RowGroupRows {
		e.group = 0
		if err := e.pw.Flush(); err != nil {
			return pipeline.Errorf(pipeline.Internal, "write the row group of %s: %w", e.what, err)
		}
	}
	return nil
}

// next returns an empty batch to fill, waiting for the encoder to finish
// with it.
func (e *encoder) next() ([][]parquet.Value, []byte) {
	job := <-e.free
	return job.cols, job.arena
}

// send queues a filled batch. An error in encoding is reported by close.
func (e *encoder) send(cols [][]parquet.Value, arena []byte, n int) {
	e.work <- encodeJob{cols: cols, arena: arena, n: n}
}

// close waits for the queued batches and returns the first error; it may be
// called more than once.
func (e *encoder) close() error {
	if !e.ended {
		close(e.work)
		e.err, e.ended = <-e.done, true
	}
	return e.err
}
