package ingest

import (
	"context"
	"fmt"
	"os"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// commitFile asks the lake to make each stored table of a validated file
// current, logs the rejected ones, and stores the uploader's report.
func commitFile(ctx context.Context, cfg Config, req Request, up *Upload, fr *validate.FileReport, files []*tableFile) error {
	var stored, late []string
	for _, tr := range fr.Tables {
		t := Table{Kind: tr.Kind, Sheet: tr.Sheet, Rows: tr.Rows, Accepted: tr.Accepted, Rejected: tr.Rejected, Status: TableRejected}
		var tf *tableFile
		for _, f := range files {
			if f.kind == tr.Kind && f.sheet == tr.Sheet {
				tf = f
			}
		}
		stats := tableStats(tr)
		switch {
		// A table whose every row was rejected does not replace the earlier
		// version with nothing; a table with no rows at all does.
		case tf != nil && (tr.Accepted > 0 || tr.Rows == 0):
			stats.Values = tf.values.Counts()
			if err := commitTable(ctx, cfg, req, up.UploadID, tf, stats, &t); err != nil {
				return fmt.Errorf("commit %s of %s: %w", tr.Kind, fr.File, err)
			}
			if t.Status == TableLate {
				late = append(late, tr.Kind)
			} else {
				stored = append(stored, tr.Kind)
			}
		case tr.Kind != "":
			err := cfg.Lake.Reject(ctx, lake.LedgerEntry{Org: req.Org, Period: req.Period.String(), Kind: tr.Kind, File: fr.File,
				Sheet: tr.Sheet, UploadID: up.UploadID, SchemaVersion: cfg.Standard.Version, ReceivedAt: req.Received,
				CommittedAt: cfg.now(), RowsRead: stats.RowsRead, RowsAccepted: stats.RowsAccepted, RowsRejected: stats.RowsRejected,
				ErrorsByCode: stats.ErrorsByCode})
			if err != nil {
				return err
			}
		}
		up.Tables = append(up.Tables, t)
	}
	switch {
	case fr.Error == nil && len(stored) > 0:
		up.Status = lake.UploadDone
	case fr.Error == nil && len(late) > 0:
		up.Status = lake.UploadLate
	default:
		up.Status = lake.UploadRejected
	}
	return storeReport(ctx, cfg, req, up, fr, stored, late)
}

func tableStats(tr *validate.TableReport) lake.Stats {
	s := lake.Stats{RowsRead: tr.Rows, RowsAccepted: tr.Accepted, RowsRejected: tr.Rejected}
	// The report lists the first few errors of each column; the counts are
	// of them all.
	if counts := tr.Counts("error"); len(counts) > 0 {
		s.ErrorsByCode = counts
	}
	return s
}

// commitTable commits a table's Parquet file through the lake's protocol.
func commitTable(ctx context.Context, cfg Config, req Request, id string, tf *tableFile, stats lake.Stats, t *Table) error {
	f, err := os.Open(tf.path)
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "open %s: %w", tf.path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "open %s: %w", tf.path, err)
	}
	out, err := cfg.Lake.Commit(ctx, lake.Version{
		Partition: lake.Partition{Kind: tf.kind, Org: req.Org, Period: req.Period},
		UploadID:  id, ReceivedAt: req.Received, File: tf.fileName, Sheet: tf.sheet, SchemaVersion: cfg.Standard.Version,
		Rows: tf.rows, Stats: stats, Data: f, Size: st.Size(), CommittedAt: cfg.now(),
	})
	if err != nil {
		return err
	}
	switch out.Status {
	case lake.Committed:
		t.Status, t.Key, t.Superseded = TableStored, out.Pointer.Key, out.Pointer.SupersededUploadID
	case lake.Unchanged:
		t.Status, t.Key = TableUnchanged, out.Pointer.Key
	default:
		t.Status, t.Current = TableLate, out.Pointer.UploadID
	}
	return nil
}
