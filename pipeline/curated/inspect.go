package curated

import (
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Inspect reads what the lake check needs of a curated file from its
// footer: the row count and the top-level column names. A file that is not
// Parquet is Invalid.
func Inspect(r io.ReaderAt, size int64) (lake.FileFacts, error) {
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return lake.FileFacts{}, pipeline.Errorf(pipeline.Invalid, "open Parquet: %w", err)
	}
	facts := lake.FileFacts{Rows: f.NumRows()}
	for _, c := range f.Schema().Fields() {
		facts.Columns = append(facts.Columns, c.Name())
	}
	return facts, nil
}

// RawColumns are the standard's fields that the lake keeps only in a
// derived form (a pseudonym, an age band, an outward code): a curated file
// with a column of one of these names holds raw identifiers.
func RawColumns(std *standard.Standard) []string {
	var out []string
	for _, k := range std.Kinds {
		for _, f := range k.Fields {
			if f.Personal != "" && !slices.Contains(out, f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// CheckOptions are the lake check's options for files written from std:
// Parquet inspected, raw identifier columns refused.
func CheckOptions(std *standard.Standard) lake.CheckOptions {
	return lake.CheckOptions{Inspect: Inspect, RawColumns: RawColumns(std)}
}
