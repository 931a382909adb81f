package ingest

import (
	"fmt"
	"os"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// sink writes each table's accepted rows to a temporary Parquet file while
// validation streams them; validation commits a table only once the whole
// upload has been read, and the lake commit happens after that.
type sink struct {
	cfg Config
	req Request
	// hasher is shared with the registry: both run on validation's
	// goroutine, and the registry has just hashed the reference the writer
	// asks for, which the hasher remembers.
	hasher   *pseudonym.Hasher
	tables   []*curated.Table
	uploads  []Upload
	freshIdx []int
	files    []*tableFile
}

// tableFile is one table's Parquet file on its way to the lake.
type tableFile struct {
	input     int // position among the validated inputs
	fileName  string
	kind      string
	sheet     string
	path      string
	rows      int
	file      *os.File
	writer    *curated.Writer
	values    *ValueCounter
	committed bool
}

func (s *sink) Table(info validate.TableInfo) (validate.TableSink, error) {
	var table *curated.Table
	for _, t := range s.tables {
		if t.Kind.Name == info.Kind.Name {
			table = t
		}
	}
	if table == nil {
		return nil, pipeline.Errorf(pipeline.Internal, "no curated table for %s", info.Kind.Name)
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "ingest-*.parquet")
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Transient, "create temporary file: %w", err)
	}
	up := s.uploads[s.freshIdx[info.Input]]
	w, err := curated.NewWriter(f, table, curated.Meta{
		UploadID: up.UploadID, Org: s.req.Org, Period: s.req.Period.String(),
		SchemaVersion: s.cfg.Standard.Version, FileName: info.File, Sheet: info.Sheet,
	}, s.hasher)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %w", info.Kind.Name, err)
	}
	t := &tableFile{input: info.Input, fileName: info.File, kind: info.Kind.Name, sheet: info.Sheet, path: f.Name(), file: f, writer: w,
		values: NewValueCounter(info.Kind)}
	s.files = append(s.files, t)
	return t, nil
}

func (t *tableFile) Row(rec *validate.Record) error {
	t.rows++
	if err := t.writer.Write(rec); err != nil {
		return err
	}
	t.values.Add(rec)
	return nil
}

func (t *tableFile) Commit() error {
	if err := t.writer.Close(); err != nil {
		return pipeline.Errorf(pipeline.Internal, "finish Parquet of %s: %w", t.kind, err)
	}
	if err := t.file.Close(); err != nil {
		return pipeline.Errorf(pipeline.Transient, "finish Parquet of %s: %w", t.kind, err)
	}
	t.committed = true
	return nil
}

func (t *tableFile) Abort() {
	if !t.committed {
		t.writer.Close()
		t.file.Close()
	}
	os.Remove(t.path)
	t.committed = false
}

// committed returns the finished tables of one validated input.
func (s *sink) committed(input int) []*tableFile {
	var out []*tableFile
	for _, t := range s.files {
		if t.input == input && t.committed {
			out = append(out, t)
		}
	}
	return out
}

func (s *sink) cleanup() {
	for _, t := range s.files {
		if !t.committed {
			t.writer.Close()
			t.file.Close()
		}
		os.Remove(t.path)
	}
}
