package lake

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// The survey-responses area of the lake. Responses arrive one at a time, so
// they are written in micro-batches that a compaction step merges; which
// files hold an organisation's responses of a quarter, and which responses
// those are, is said by one manifest per partition, switched with a
// conditional write exactly as a return's pointer is:
//
//	surveys/responses/org=<ORG>/period=<YYYY-Qn>/<batch-id>.parquet   followups rows, curated form
//	surveys/current/org=<ORG>/period=<YYYY-Qn>/manifest.json          the files, and the responses they hold
//	surveys/held/org=<ORG>/<response-key>.json                         waiting for the carer's registration
//	surveys/rejected/org=<ORG>/<response-key>.json                     rejected, with the reasons

// The survey area's folders.
const (
	surveyResponsesPrefix = "surveys/responses/"
	surveyManifestPrefix  = "surveys/current/"
)

// SurveyResponsesFolder is the folder of the survey responses' files.
func SurveyResponsesFolder() string { return surveyResponsesPrefix }

// SurveyManifestFolder is the folder of the survey partitions' manifests.
func SurveyManifestFolder() string { return surveyManifestPrefix }

// SurveyRecordFolder is the folder of every organisation's held (area
// "held") or rejected ("rejected") responses' records.
func SurveyRecordFolder(area string) string { return "surveys/" + area + "/" }

// SurveyDataKey is where a batch of an organisation's survey responses of a
// quarter is stored.
func SurveyDataKey(org string, period pipeline.Period, batchID string) string {
	return fmt.Sprintf("%sorg=%s/period=%s/%s.parquet", surveyResponsesPrefix, org, period, batchID)
}

// SurveyManifestKey is where a survey partition's manifest is.
func SurveyManifestKey(org string, period pipeline.Period) string {
	return fmt.Sprintf("%sorg=%s/period=%s/manifest.json", surveyManifestPrefix, org, period)
}

// SurveyDataPrefix is the folder of an organisation's survey responses'
// files, every quarter's.
func SurveyDataPrefix(org string) string { return surveyResponsesPrefix + "org=" + org + "/" }

// SurveyRecordPrefix is the folder of an organisation's held (area "held")
// or rejected ("rejected") responses' records.
func SurveyRecordPrefix(area, org string) string {
	return SurveyRecordFolder(area) + "org=" + org + "/"
}

// SurveyHeldKey and SurveyRejectedKey are where a response waiting for its
// carer, or rejected, is recorded.
func SurveyHeldKey(org, key string) string { return SurveyRecordPrefix("held", org) + key + ".json" }
func SurveyRejectedKey(org, key string) string {
	return SurveyRecordPrefix("rejected", org) + key + ".json"
}

// PurgeSurvey removes an object of the survey area for good: every version
// of it on a store that keeps versions (an erasure's).
func (l *Lake) PurgeSurvey(ctx context.Context, key string) error {
	if !strings.HasPrefix(key, "surveys/") {
		return pipeline.Errorf(pipeline.Internal, "remove %s: not in the survey area", key)
	}
	if err := Purge(ctx, l.Store, key); err != nil {
		return fmt.Errorf("remove %s: %w", key, err)
	}
	return nil
}

// SurveyManifest says which files hold a partition's survey responses, in
// the order they were committed, and which responses (by their
// de-duplication key) they hold.
type SurveyManifest struct {
	Org    string       `json:"org"`
	Period string       `json:"period"`
	Files  []SurveyFile `json:"files"`
	// Rows is the number of rows in all the files; each row's source_row
	// is its place in the partition (1 to Rows), in the order received.
	Rows int `json:"rows"`
	// Responses are the keys of the responses stored, sorted, and of
	// those erased since (whose redelivery is a duplicate, never stored).
	Responses []string `json:"responses"`
	// Erased counts the rows removed from the files by erasures
	// (pipeline/erasure): Responses lists Rows + Erased keys.
	Erased    int       `json:"erased,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NextRow is the place of the next row received: source_row counts every
// row the partition was given, erased ones too, so that it stays unique.
func (m *SurveyManifest) NextRow() int { return m.Rows + m.Erased }

// SurveyFile is one file of a survey partition.
type SurveyFile struct {
	Key  string `json:"key"`
	Rows int    `json:"rows"`
}

// Has reports whether a response is stored in the partition.
func (m *SurveyManifest) Has(key string) bool {
	_, ok := slices.BinarySearch(m.Responses, key)
	return ok
}

// Add records a file and the responses it holds.
func (m *SurveyManifest) Add(f SurveyFile, keys []string) {
	m.Files = append(m.Files, f)
	m.Rows += f.Rows
	m.Responses = append(m.Responses, keys...)
	slices.Sort(m.Responses)
	m.Responses = slices.Compact(m.Responses)
}

// SurveyPartition reads a survey partition's manifest and its ETag; ok is
// false when nothing was committed to it yet.
func (l *Lake) SurveyPartition(ctx context.Context, org string, period pipeline.Period) (m SurveyManifest, etag string, ok bool, err error) {
	obj, err := l.readJSON(ctx, SurveyManifestKey(org, period), &m)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return SurveyManifest{Org: org, Period: period.String()}, "", false, nil
	}
	if err != nil {
		return m, "", false, fmt.Errorf("read the survey manifest of %s %s: %w", org, period, err)
	}
	return m, obj.ETag, true, nil
}

// SwitchSurveys makes m the partition's manifest if the manifest still has
// the ETag etag ("" when there was none); otherwise it fails with a
// Conflict (or, on S3, NotFound) error and writes nothing.
func (l *Lake) SwitchSurveys(ctx context.Context, m SurveyManifest, etag string) error {
	period, err := pipeline.ParsePeriod(m.Period)
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "switch survey manifest: %w", err)
	}
	if err := l.writeJSON(ctx, SurveyManifestKey(m.Org, period), m, Condition{IfMatch: etag, IfAbsent: etag == ""}); err != nil {
		return fmt.Errorf("switch the survey manifest of %s %s: %w", m.Org, m.Period, err)
	}
	return nil
}

// SurveyPartitions lists the survey partitions with a manifest, of one
// organisation or (org "") of all.
func (l *Lake) SurveyPartitions(ctx context.Context, org string) ([]SurveyManifest, error) {
	prefix := surveyManifestPrefix
	if org != "" {
		prefix += "org=" + org + "/"
	}
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	var keys []string
	for _, o := range objs {
		if strings.HasSuffix(o.Key, "/manifest.json") {
			keys = append(keys, o.Key)
		}
	}
	return readObjects[SurveyManifest](ctx, l, keys)
}

// PutSurveyRecord writes a held or rejected response's record. With
// ifAbsent it writes only if there is none (a Conflict is then not an
// error: the same response was recorded already).
func (l *Lake) PutSurveyRecord(ctx context.Context, key string, v any, ifAbsent bool) error {
	err := l.writeJSON(ctx, key, v, Condition{IfAbsent: ifAbsent})
	if ifAbsent && pipeline.KindOf(err) == pipeline.Conflict {
		return nil
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// SurveyRecords reads the records under surveys/held/ or
// surveys/rejected/ (area) of an organisation.
func SurveyRecords[T any](ctx context.Context, l *Lake, area, org string) ([]T, error) {
	prefix := SurveyRecordPrefix(area, org)
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return readObjects[T](ctx, l, keys)
}

// PutBytes stores an object whole, unconditionally.
func (l *Lake) PutBytes(ctx context.Context, key string, b []byte) error {
	if _, err := l.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), Condition{}); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// SurveyRecordKeys lists the response keys recorded under surveys/held/ or
// surveys/rejected/ for an organisation: one listing, not a read each.
func (l *Lake) SurveyRecordKeys(ctx context.Context, area, org string) (map[string]bool, error) {
	prefix := SurveyRecordPrefix(area, org)
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	out := make(map[string]bool, len(objs))
	for _, o := range objs {
		out[strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), ".json")] = true
	}
	return out, nil
}

// checkSurveys verifies the survey area (part of Check):
//
//   - each manifest is at its own key, its rows are its files' rows and
//     the responses it lists (less those erased), sorted and once each; each file it names
//     exists under its partition (with that many rows, when inspected);
//   - each file under surveys/responses/ is named by its manifest, or is
//     younger than the grace period (a batch in flight).
func (l *Lake) checkSurveys(ctx context.Context, opt CheckOptions, cutoff time.Time) ([]Finding, error) {
	var out []Finding
	add := func(key, format string, args ...any) {
		out = append(out, Finding{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	mans, err := l.SurveyPartitions(ctx, "")
	if err != nil {
		return nil, err
	}
	files, err := l.Store.List(ctx, surveyResponsesPrefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", surveyResponsesPrefix, err)
	}
	byKey := map[string]Object{}
	for _, f := range files {
		byKey[f.Key] = f
	}
	named := map[string]bool{}
	for _, m := range mans {
		period, err := pipeline.ParsePeriod(m.Period)
		if err != nil {
			add(surveyManifestPrefix+"org="+m.Org, "a manifest with the quarter %q", m.Period)
			continue
		}
		key := SurveyManifestKey(m.Org, period)
		rows := 0
		for _, f := range m.Files {
			named[f.Key] = true
			rows += f.Rows
			obj, ok := byKey[f.Key]
			switch {
			case !strings.HasPrefix(f.Key, surveyResponsesPrefix+"org="+m.Org+"/period="+m.Period+"/"):
				add(key, "names %s, outside its partition", f.Key)
			case !ok:
				add(key, "names %s, which does not exist", f.Key)
			case opt.Inspect != nil:
				facts, err := l.inspect(ctx, obj, opt.Inspect)
				if err != nil {
					if pipeline.KindOf(err) != pipeline.Invalid {
						return nil, err
					}
					add(f.Key, "not a curated Parquet file: %v", err)
				} else if facts.Rows != int64(f.Rows) {
					add(key, "says %d rows in %s; it has %d", f.Rows, f.Key, facts.Rows)
				}
			}
		}
		if rows != m.Rows || len(m.Responses) != m.Rows+m.Erased {
			add(key, "says %d rows (and %d erased); its files have %d and it lists %d responses", m.Rows, m.Erased, rows, len(m.Responses))
		}
		if !slices.IsSorted(m.Responses) || len(slices.Compact(slices.Clone(m.Responses))) != len(m.Responses) {
			add(key, "its responses are not sorted and unique")
		}
	}
	for _, f := range files {
		if !named[f.Key] && !f.Modified.After(cutoff) {
			add(f.Key, "no survey manifest names it, and it is older than the grace period (%s): an orphan; `outcomes lake gc --apply` removes it", f.Modified.UTC().Format(time.RFC3339))
		}
	}
	return out, nil
}

// surveyOrphans lists the files under surveys/responses/ that no manifest
// names and that are older than cutoff (a batch that lost a race, or a
// compaction, and stopped before removing its file); with apply, each is
// removed once its manifest is read again and still does not name it.
func (l *Lake) surveyOrphans(ctx context.Context, cutoff time.Time, apply bool) ([]Object, error) {
	mans, err := l.SurveyPartitions(ctx, "")
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, m := range mans {
		for _, f := range m.Files {
			named[f.Key] = true
		}
	}
	files, err := l.Store.List(ctx, surveyResponsesPrefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", surveyResponsesPrefix, err)
	}
	var out []Object
	for _, f := range files {
		if named[f.Key] || f.Modified.After(cutoff) {
			continue
		}
		if apply {
			org, period, ok := surveyPartitionOf(f.Key)
			if !ok {
				continue
			}
			m, _, _, err := l.SurveyPartition(ctx, org, period)
			if err != nil {
				return out, err
			}
			if slices.ContainsFunc(m.Files, func(sf SurveyFile) bool { return sf.Key == f.Key }) {
				continue
			}
			if err := l.Store.Delete(ctx, f.Key); err != nil {
				return out, fmt.Errorf("remove %s: %w", f.Key, err)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// surveyPartitionOf reads the organisation and quarter of a survey file's
// key.
func surveyPartitionOf(key string) (string, pipeline.Period, bool) {
	parts := strings.Split(strings.TrimPrefix(key, surveyResponsesPrefix), "/")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "org=") || !strings.HasPrefix(parts[1], "period=") {
		return "", pipeline.Period{}, false
	}
	p, err := pipeline.ParsePeriod(strings.TrimPrefix(parts[1], "period="))
	if err != nil {
		return "", pipeline.Period{}, false
	}
	return strings.TrimPrefix(parts[0], "org="), p, true
}
