package curated

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// PseudonymColumn is the column that holds a row's carer.
const PseudonymColumn = "carer_id"

// Redacted is what Redact found in a file.
type Redacted struct {
	// Rows are the source rows of the carer's rows, in file order; none
	// when the file does not hold the carer (nothing is written then).
	Rows []int
	// Kept is how many rows the rewritten file has.
	Kept int
}

// Redact writes to w a copy of the curated file r without the rows of one
// carer (carer_id = carerID): the same schema, the same metadata, every other
// row's values unchanged and in the same order. It reads the file once. When
// the file holds no row of the carer it writes nothing and returns no Rows,
// so a caller can check first and rewrite only what holds the carer.
//
// This is the erasure's rewrite (pipeline/erasure): a file is never edited
// in place; the copy is stored under a new key and made current the way any
// version is.
func Redact(r io.ReaderAt, size int64, carerID string, w io.Writer) (Redacted, error) {
	var out Redacted
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return out, pipeline.Errorf(pipeline.Invalid, "redact: open Parquet: %w", err)
	}
	schema := f.Schema()
	idCol, ok := schema.Lookup(PseudonymColumn)
	if !ok {
		return out, pipeline.Errorf(pipeline.Invalid, "redact: not a curated file: no %s column", PseudonymColumn)
	}
	rowCol, ok := schema.Lookup(SourceRowColumn)
	if !ok {
		return out, pipeline.Errorf(pipeline.Invalid, "redact: not a curated file: no %s column", SourceRowColumn)
	}
	id := []byte(carerID)
	var kept []parquet.Row
	buf := make([]parquet.Row, 256)
	for gi, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				if v := value(row, idCol.ColumnIndex); !v.IsNull() && bytes.Equal(v.ByteArray(), id) {
					out.Rows = append(out.Rows, int(value(row, rowCol.ColumnIndex).Int32()))
					continue
				}
				kept = append(kept, row.Clone())
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rows.Close()
				return out, pipeline.Errorf(pipeline.Invalid, "redact: row group %d: %w", gi, err)
			}
		}
		rows.Close()
	}
	if len(out.Rows) == 0 {
		return out, nil
	}
	opts := append(fileOptions(schema, &zstd.Codec{Level: zstd.SpeedFastest}), parquet.SkipPageBounds(PseudonymColumn))
	for _, kv := range f.Metadata().KeyValueMetadata {
		opts = append(opts, parquet.KeyValueMetadata(kv.Key, kv.Value))
	}
	if cb := f.Metadata().CreatedBy; cb != "" {
		opts = append(opts, createdBy(cb))
	}
	if _, err := parquet.NewWriterConfig(opts...); err != nil {
		return out, pipeline.Errorf(pipeline.Internal, "redact: configure the writer: %w", err)
	}
	pw := parquet.NewWriter(w, opts...)
	if _, err := pw.WriteRows(kept); err != nil {
		return out, fmt.Errorf("redact: write rows: %w", err)
	}
	if err := pw.Close(); err != nil {
		return out, fmt.Errorf("redact: finish the file: %w", err)
	}
	out.Kept = len(kept)
	return out, nil
}

// value is a row's value of one leaf column.
func value(row parquet.Row, col int) parquet.Value {
	for _, v := range row {
		if v.Column() == col {
			return v
		}
	}
	return parquet.Value{}
}
