package surveys

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
)

// Compaction merges the micro-batches of a survey partition (one
// organisation's responses of one quarter) into one file, so that a query
// reads one object per partition, not one per minute of responses. An
// organisation's quarter of follow-ups is a few thousand rows, a few
// hundred kilobytes: far below the 512 MB Athena and Glue aim files at, so
// the target is simply one file per partition. It runs on a schedule
// (docs/surveys.md), and merging an already compact partition does nothing.

// Compact merges a partition's files into one, with the same rows in the
// same order; merged is false when it had one file or none. The switch to
// the merged file is the manifest's conditional write: a batch committed
// meanwhile makes the compaction start again from the new manifest.
func Compact(ctx context.Context, l *lake.Lake, org string, period pipeline.Period) (merged bool, err error) {
	for try := 1; ; try++ {
		man, etag, ok, err := l.SurveyPartition(ctx, org, period)
		if err != nil || !ok || len(man.Files) <= 1 {
			return false, err
		}
		h := sha256.New()
		for _, f := range man.Files {
			io.WriteString(h, f.Key+"\n")
		}
		key := lake.SurveyDataKey(org, period, hex.EncodeToString(h.Sum(nil)))
		data, rows, err := merge(ctx, l, man.Files)
		if err != nil {
			return false, err
		}
		if rows != man.Rows {
			return false, pipeline.Errorf(pipeline.Internal, "compact %s %s: %d rows read, the manifest says %d", org, period, rows, man.Rows)
		}
		if err := l.PutBytes(ctx, key, data); err != nil {
			return false, err
		}
		next := man
		next.Files = []lake.SurveyFile{{Key: key, Rows: rows}}
		if err := l.SwitchSurveys(ctx, next, etag); err != nil {
			if k := pipeline.KindOf(err); k != pipeline.Conflict && k != pipeline.NotFound || try == maxSwitchTries {
				return false, err
			}
			// A compaction of the same files may have won with this same
			// key: the file stays if the manifest names it.
			if err := dropUnnamed(ctx, l, org, period, key); err != nil {
				return false, err
			}
			continue
		}
		for _, f := range man.Files {
			if f.Key == key {
				continue
			}
			if err := l.Store.Delete(ctx, f.Key); err != nil {
				return true, fmt.Errorf("remove compacted %s: %w", f.Key, err)
			}
		}
		return true, nil
	}
}

// CompactAll compacts every survey partition of an organisation (or, org
// "", of all) that has more than one file, and says how many it merged.
func CompactAll(ctx context.Context, l *lake.Lake, org string) (int, error) {
	mans, err := l.SurveyPartitions(ctx, org)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range mans {
		if len(m.Files) <= 1 {
			continue
		}
		period, err := pipeline.ParsePeriod(m.Period)
		if err != nil {
			return n, pipeline.Errorf(pipeline.Invalid, "compact %s: %w", m.Org, err)
		}
		merged, err := Compact(ctx, l, m.Org, period)
		if err != nil {
			return n, err
		}
		if merged {
			n++
		}
	}
	return n, nil
}

// merge copies the rows of files, in order, into one Parquet file with the
// first file's schema and metadata, written as the curated writer writes.
func merge(ctx context.Context, l *lake.Lake, files []lake.SurveyFile) ([]byte, int, error) {
	var out bytes.Buffer
	var w *parquet.GenericWriter[any]
	rows := 0
	for _, f := range files {
		b, err := readAll(ctx, l, f.Key)
		if err != nil {
			return nil, 0, err
		}
		pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil, 0, pipeline.Errorf(pipeline.Invalid, "compact: open %s: %w", f.Key, err)
		}
		if w == nil {
			opts := []parquet.WriterOption{pf.Schema(), parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
				parquet.DataPageVersion(1), parquet.MaxRowsPerRowGroup(curated.RowGroupRows),
				parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain)}
			for _, kv := range pf.Metadata().KeyValueMetadata {
				opts = append(opts, parquet.KeyValueMetadata(kv.Key, kv.Value))
			}
			w = parquet.NewGenericWriter[any](&out, opts...)
		} else if !parquet.EqualNodes(pf.Schema(), w.Schema()) {
			return nil, 0, pipeline.Errorf(pipeline.Invalid, "compact: %s has another schema than the partition's first file", f.Key)
		}
		for _, rg := range pf.RowGroups() {
			rr := rg.Rows()
			n, err := parquet.CopyRows(w, rr)
			rr.Close()
			if err != nil {
				return nil, 0, pipeline.Errorf(pipeline.Internal, "compact: copy %s: %w", f.Key, err)
			}
			rows += int(n)
		}
	}
	if w == nil {
		return nil, 0, nil
	}
	if err := w.Close(); err != nil {
		return nil, 0, pipeline.Errorf(pipeline.Internal, "compact: finish the file: %w", err)
	}
	return out.Bytes(), rows, nil
}
