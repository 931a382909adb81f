package erasure

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
)

// maxSurveySwitches bounds how often a survey partition's rewrite is tried
// again after a batch or a compaction switched its manifest first.
const maxSurveySwitches = 20

// surveys removes the carer from the survey area (docs/surveys.md): their
// rows from every file of the organisation's survey partitions, each file
// rewritten under a new key and the partition's manifest switched to it
// (the manifest keeps the responses' keys, so a redelivery stays a
// duplicate and is never stored again); a file no manifest names (a batch
// in flight, or an old file an earlier run did not remove) rewritten where
// it is; and the records of the carer's held and rejected responses.
func (e *eraser) surveys(ctx context.Context) error {
	mans, err := e.cfg.Lake.SurveyPartitions(ctx, e.org)
	if err != nil {
		return err
	}
	named := map[string]bool{}
	for _, m := range mans {
		period, err := pipeline.ParsePeriod(m.Period)
		if err != nil {
			return pipeline.Errorf(pipeline.Internal, "erase from the survey manifest of %s: %w", m.Period, err)
		}
		files, err := e.surveyPartition(ctx, period)
		if err != nil {
			return err
		}
		for _, f := range files {
			named[f] = true
		}
	}
	objs, err := e.cfg.Lake.Store.List(ctx, lake.SurveyDataPrefix(e.org))
	if err != nil {
		return fmt.Errorf("list the survey responses of %s: %w", e.org, err)
	}
	for _, o := range objs {
		if named[o.Key] {
			continue
		}
		data, err := e.read(ctx, o.Key)
		if pipeline.KindOf(err) == pipeline.NotFound {
			continue
		}
		if err != nil {
			return err
		}
		out, n, err := e.redact(o.Key, data)
		if err != nil || n == 0 {
			return err
		}
		if err := e.cfg.Lake.PurgeSurvey(ctx, o.Key); err != nil {
			return err
		}
		if err := e.cfg.Lake.PutBytes(ctx, o.Key, out); err != nil {
			return err
		}
		if err := e.done(ctx, o.Key, ActionRedacted); err != nil {
			return err
		}
	}
	for _, area := range []string{"held", "rejected"} {
		if err := e.surveyRecords(ctx, area); err != nil {
			return err
		}
	}
	return nil
}

// redact is a survey file without the carer's rows, and how many it lost.
func (e *eraser) redact(key string, data []byte) ([]byte, int, error) {
	var out bytes.Buffer
	red, err := curated.Redact(bytes.NewReader(data), int64(len(data)), e.carer, &out)
	if err != nil {
		return nil, 0, fmt.Errorf("erase from %s: %w", key, err)
	}
	return out.Bytes(), len(red.Rows), nil
}

// surveyPartition rewrites the files of one survey partition that hold the
// carer, and switches its manifest to the rewrites; it returns the files
// the manifest names afterwards.
func (e *eraser) surveyPartition(ctx context.Context, period pipeline.Period) ([]string, error) {
	l := e.cfg.Lake
	for try := 1; ; try++ {
		man, etag, ok, err := l.SurveyPartition(ctx, e.org, period)
		if err != nil || !ok {
			return nil, err
		}
		next := man
		next.Files = slices.Clone(man.Files)
		var old, written []string
		for i, f := range man.Files {
			data, err := e.read(ctx, f.Key)
			if err != nil {
				return nil, err
			}
			out, n, err := e.redact(f.Key, data)
			if err != nil {
				return nil, err
			}
			if n == 0 {
				continue
			}
			// The rewrite's key follows from the file and the erasure, so
			// a rerun writes the same one.
			sum := sha256.Sum256([]byte(f.Key + "\nerased " + e.rec.ID))
			key := lake.SurveyDataKey(e.org, period, hex.EncodeToString(sum[:]))
			if err := l.PutBytes(ctx, key, out); err != nil {
				return nil, err
			}
			next.Files[i] = lake.SurveyFile{Key: key, Rows: f.Rows - n}
			next.Rows -= n
			next.Erased += n
			old, written = append(old, f.Key), append(written, key)
		}
		keys := func(m lake.SurveyManifest) []string {
			var out []string
			for _, f := range m.Files {
				out = append(out, f.Key)
			}
			return out
		}
		if len(old) == 0 {
			return keys(man), nil
		}
		next.UpdatedAt = e.cfg.now()
		if err := l.SwitchSurveys(ctx, next, etag); err != nil {
			if k := pipeline.KindOf(err); k != pipeline.Conflict && k != pipeline.NotFound || try == maxSurveySwitches {
				return nil, err
			}
			// A batch or a compaction switched the manifest first: the
			// rewrites go, and the partition is read again.
			for _, key := range written {
				if err := l.PurgeSurvey(ctx, key); err != nil {
					return nil, err
				}
			}
			continue
		}
		for _, key := range written {
			if err := e.done(ctx, key, ActionRewritten); err != nil {
				return nil, err
			}
		}
		for _, key := range old {
			if err := l.PurgeSurvey(ctx, key); err != nil {
				return nil, err
			}
			if err := e.done(ctx, key, ActionRemoved); err != nil {
				return nil, err
			}
		}
		return keys(next), nil
	}
}

// surveyRecords removes the records of the carer's held or rejected
// responses (area "held" or "rejected"), which hold the mapped answers.
func (e *eraser) surveyRecords(ctx context.Context, area string) error {
	objs, err := e.cfg.Lake.Store.List(ctx, lake.SurveyRecordPrefix(area, e.org))
	if err != nil {
		return fmt.Errorf("list the %s survey responses of %s: %w", area, e.org, err)
	}
	for _, o := range objs {
		b, err := e.read(ctx, o.Key)
		if pipeline.KindOf(err) == pipeline.NotFound {
			continue
		}
		if err != nil {
			return err
		}
		var rec struct {
			Message struct {
				Values map[string]string `json:"values"`
			} `json:"message"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return pipeline.Errorf(pipeline.Internal, "read %s: %w", o.Key, err)
		}
		if rec.Message.Values["client_ref"] != e.carer {
			continue
		}
		if err := e.cfg.Lake.PurgeSurvey(ctx, o.Key); err != nil {
			return err
		}
		if err := e.done(ctx, o.Key, ActionRemoved); err != nil {
			return err
		}
	}
	return nil
}
