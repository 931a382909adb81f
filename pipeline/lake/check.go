package lake

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// DefaultGrace is how old a curated file that no pointer names must be
// before it counts as an orphan: younger, it may be an ingest in flight
// (stored, not yet switched to).
const DefaultGrace = 24 * time.Hour

// FileFacts is what the check needs to know of a curated Parquet file.
type FileFacts struct {
	Rows    int64
	Columns []string // top-level column names
}

// CheckOptions configures Check and GC.
type CheckOptions struct {
	// Now is the time orphans' ages are measured from; zero means now.
	Now time.Time
	// Grace is the age below which an unnamed file or an unlogged commit
	// is taken to be in flight; zero means DefaultGrace.
	Grace time.Duration
	// Inspect reads a curated file's row count and columns (see
	// curated.Inspect); nil skips the checks that need them.
	Inspect func(r io.ReaderAt, size int64) (FileFacts, error)
	// RawColumns are column names no curated file may have: the
	// standard's identifiers, which the lake keeps only pseudonymised.
	RawColumns []string
}

func (o CheckOptions) cutoff() time.Time {
	now, grace := o.Now, o.Grace
	if now.IsZero() {
		now = time.Now()
	}
	if grace == 0 {
		grace = DefaultGrace
	}
	return now.Add(-grace)
}

// Finding is one thing wrong with a lake.
type Finding struct {
	Key     string `json:"key"`
	Problem string `json:"problem"`
}

func (f Finding) String() string { return f.Key + ": " + f.Problem }

// state is a lake's pointers, files and log, read once.
type state struct {
	pointers map[string]Pointer // by pointer key
	files    map[string]Object  // curated files by key
	entries  map[string]LedgerEntry
	strays   []string // objects under current/ that are not pointers
}

func (l *Lake) readState(ctx context.Context) (*state, error) {
	s := &state{pointers: map[string]Pointer{}, files: map[string]Object{}, entries: map[string]LedgerEntry{}}
	all, err := l.listKeys(ctx, currentPrefix)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range all {
		if strings.HasSuffix(k, "/current.json") {
			keys = append(keys, k)
		} else {
			s.strays = append(s.strays, k)
		}
	}
	ptrs := make([]Pointer, len(keys))
	err = l.readEach(ctx, keys, func(i int) error {
		if _, err := l.readJSON(ctx, keys[i], &ptrs[i]); err != nil {
			return fmt.Errorf("read %s: %w", keys[i], err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		s.pointers[k] = ptrs[i]
	}
	files, err := l.Store.List(ctx, curatedPrefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", curatedPrefix, err)
	}
	for _, f := range files {
		s.files[f.Key] = f
	}
	logKeys, err := l.listKeys(ctx, ledgerPrefix)
	if err != nil {
		return nil, err
	}
	entries, err := l.readLedger(ctx, logKeys)
	if err != nil {
		return nil, err
	}
	for i, k := range logKeys {
		s.entries[k] = entries[i]
	}
	return s, nil
}

// named is the set of curated keys the pointers name.
func (s *state) named() map[string]bool {
	out := map[string]bool{}
	for _, p := range s.pointers {
		out[p.Key] = true
	}
	return out
}

// CheckReport is what Check looked at and what it found wrong.
type CheckReport struct {
	Pointers, Files, Entries int
	Findings                 []Finding
}

// Check verifies a lake's invariants and lists what is wrong; no findings
// means a sound lake. The error is for failures to read it.
//
//   - each pointer is where its partition says, and names an existing
//     curated file whose row count is the pointer's;
//   - each curated file is named by a pointer, or is younger than the
//     grace period (an ingest in flight), and has no raw identifier column;
//   - the ingest log holds one entry per pointer transition, versions 1 to
//     the pointer's, each superseding the one before, the last naming the
//     pointer's upload with its row count; each entry's key is the one its
//     content derives;
//   - the survey area's manifests and files agree (checkSurveys).
func (l *Lake) Check(ctx context.Context, opt CheckOptions) (CheckReport, error) {
	s, err := l.readState(ctx)
	if err != nil {
		return CheckReport{}, err
	}
	out, err := l.check(ctx, s, opt)
	if err == nil {
		var more []Finding
		more, err = l.checkSurveys(ctx, opt, opt.cutoff())
		out = append(out, more...)
	}
	return CheckReport{Pointers: len(s.pointers), Files: len(s.files), Entries: len(s.entries), Findings: out}, err
}

func (l *Lake) check(ctx context.Context, s *state, opt CheckOptions) ([]Finding, error) {
	cutoff := opt.cutoff()
	var out []Finding
	add := func(key, format string, args ...any) {
		out = append(out, Finding{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	named := s.named()
	facts := map[string]FileFacts{}
	unreadable := map[string]error{}
	if opt.Inspect != nil {
		keys := make([]string, 0, len(s.files))
		for k := range s.files {
			keys = append(keys, k)
		}
		got := make([]FileFacts, len(keys))
		errs := make([]error, len(keys))
		err := l.readEach(ctx, keys, func(i int) error {
			got[i], errs[i] = l.inspect(ctx, s.files[keys[i]], opt.Inspect)
			if pipeline.KindOf(errs[i]) == pipeline.Invalid {
				return nil // a finding, not a failure to read
			}
			return errs[i]
		})
		if err != nil {
			return nil, err
		}
		for i, k := range keys {
			if errs[i] != nil {
				unreadable[k] = errs[i]
			} else {
				facts[k] = got[i]
			}
		}
	}
	type history struct {
		byVersion map[int]LedgerEntry
		ptr       *Pointer
	}
	histories := map[string]*history{}
	hist := func(org, period, kind string) *history {
		k := kind + "/org=" + org + "/period=" + period
		if histories[k] == nil {
			histories[k] = &history{byVersion: map[int]LedgerEntry{}}
		}
		return histories[k]
	}
	for key, p := range s.pointers {
		part, err := p.partition()
		if err != nil || pointerKey(part) != key {
			add(key, "the pointer's organisation, quarter and kind (%s %s %s) are not its key's", p.Org, p.Period, p.Kind)
			continue
		}
		if !strings.HasPrefix(p.Key, curatedPrefix+part.path()+"/") {
			add(key, "names %s, outside its partition", p.Key)
		}
		if _, ok := s.files[p.Key]; !ok {
			add(key, "names %s, which does not exist", p.Key)
		} else if f, ok := facts[p.Key]; ok && f.Rows != int64(p.Rows) {
			add(key, "says %d rows; %s has %d", p.Rows, p.Key, f.Rows)
		}
		h := hist(p.Org, p.Period, p.Kind)
		h.ptr = &p
	}
	for _, key := range s.strays {
		add(key, "not a pointer: only current.json belongs under %s", currentPrefix)
	}
	for key, f := range s.files {
		if !named[key] && !f.Modified.After(cutoff) {
			add(key, "no pointer names it, and it is older than the grace period (%s): an orphan; `outcomes lake gc --apply` removes it", f.Modified.UTC().Format(time.RFC3339))
		}
		if err := unreadable[key]; err != nil {
			add(key, "not a curated Parquet file: %v", err)
		}
		for _, c := range facts[key].Columns {
			if slices.Contains(opt.RawColumns, c) {
				add(key, "has the raw identifier column %s", c)
			}
		}
	}
	for key, e := range s.entries {
		if entryKey(e) != key {
			add(key, "the entry's content (%s %s %s, upload %s, %s) belongs under %s", e.Org, e.Period, e.Kind, short(e.UploadID), e.Status, entryKey(e))
			continue
		}
		if e.Status != StatusCurrent {
			continue
		}
		h := hist(e.Org, e.Period, e.Kind)
		if prev, dup := h.byVersion[e.Version]; dup {
			add(key, "a second entry for version %d (the other names upload %s)", e.Version, short(prev.UploadID))
		}
		h.byVersion[e.Version] = e
	}
	for k, h := range histories {
		if h.ptr == nil {
			add(ledgerPrefix+k, "the log records versions made current, but there is no pointer")
			continue
		}
		p := h.ptr
		pkey := pointerKey(Partition{Kind: p.Kind, Org: p.Org, Period: mustPeriod(p.Period)})
		for v := range h.byVersion {
			if v < 1 || v > p.Version {
				add(pkey, "the log has version %d; the pointer is at version %d", v, p.Version)
			}
		}
		for v := 1; v <= p.Version; v++ {
			e, ok := h.byVersion[v]
			if !ok {
				if v == p.Version && p.CommittedAt.After(cutoff) {
					continue // the commit is in flight
				}
				add(pkey, "no log entry for version %d", v)
				continue
			}
			if prev, ok := h.byVersion[v-1]; ok && e.SupersededUploadID != prev.UploadID {
				add(pkey, "log version %d says it superseded upload %s; version %d was upload %s", v, short(e.SupersededUploadID), v-1, short(prev.UploadID))
			}
			if v == 1 && e.SupersededUploadID != "" {
				add(pkey, "log version 1 says it superseded upload %s", short(e.SupersededUploadID))
			}
			if v == p.Version && (e.UploadID != p.UploadID || e.RowsAccepted != p.Rows && p.Rows != 0) {
				add(pkey, "names upload %s with %d rows; its log entry says upload %s with %d accepted", short(p.UploadID), p.Rows, short(e.UploadID), e.RowsAccepted)
			}
		}
	}
	slices.SortFunc(out, func(a, b Finding) int { return strings.Compare(a.Key+a.Problem, b.Key+b.Problem) })
	return out, nil
}

func mustPeriod(s string) pipeline.Period {
	p, _ := pipeline.ParsePeriod(s)
	return p
}

func (l *Lake) inspect(ctx context.Context, f Object, inspect func(io.ReaderAt, int64) (FileFacts, error)) (FileFacts, error) {
	rc, obj, err := l.Store.Get(ctx, f.Key)
	if err != nil {
		return FileFacts{}, fmt.Errorf("read %s: %w", f.Key, err)
	}
	defer rc.Close()
	ra, ok := rc.(io.ReaderAt)
	size := obj.Size
	if !ok {
		b, err := io.ReadAll(rc)
		if err != nil {
			return FileFacts{}, pipeline.Errorf(pipeline.Transient, "read %s: %w", f.Key, err)
		}
		ra, size = strings.NewReader(string(b)), int64(len(b))
	}
	facts, err := inspect(ra, size)
	if err != nil {
		return FileFacts{}, fmt.Errorf("inspect %s: %w", f.Key, err)
	}
	return facts, nil
}

// GCReport is what GC removed (or, in a dry run, would remove).
type GCReport struct {
	// Removed are curated files no pointer names, and survey files no
	// survey manifest names, older than the grace period.
	Removed []Object
	// Completed are the pointers whose commit stopped after the switch
	// and before its log entry, older than the grace period: the entry is
	// written from the pointer.
	Completed []string
}

// GC removes the curated files that no pointer names and that are older
// than the grace period, and writes the log entry of any commit that
// stopped after its switch. Unless apply is set it changes nothing and
// reports what it would do.
func (l *Lake) GC(ctx context.Context, opt CheckOptions, apply bool) (GCReport, error) {
	var rep GCReport
	s, err := l.readState(ctx)
	if err != nil {
		return rep, err
	}
	cutoff := opt.cutoff()
	named := s.named()
	keys := make([]string, 0, len(s.files))
	for k := range s.files {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := s.files[k]
		if named[k] || f.Modified.After(cutoff) {
			continue
		}
		if apply {
			// A file may have become current since the listing: look again
			// just before removing it.
			if current, err := l.names(ctx, k); err != nil {
				return rep, err
			} else if current {
				continue
			}
			if err := l.deleteData(ctx, k); err != nil {
				return rep, err
			}
		}
		rep.Removed = append(rep.Removed, f)
	}
	for key, p := range s.pointers {
		if p.Version == 0 || p.CommittedAt.After(cutoff) {
			continue
		}
		if _, ok := s.entries[entryKey(p.entry())]; ok {
			continue
		}
		if apply {
			if err := l.record(ctx, p.entry()); err != nil {
				return rep, err
			}
		}
		rep.Completed = append(rep.Completed, key)
	}
	slices.Sort(rep.Completed)
	orphans, err := l.surveyOrphans(ctx, cutoff, apply)
	rep.Removed = append(rep.Removed, orphans...)
	return rep, err
}

// names reports whether the pointer of a curated key's partition names it.
func (l *Lake) names(ctx context.Context, key string) (bool, error) {
	dir := strings.TrimPrefix(key[:strings.LastIndex(key, "/")], curatedPrefix)
	var p Pointer
	_, err := l.readJSON(ctx, currentPrefix+dir+"/current.json", &p)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the pointer of %s: %w", key, err)
	}
	return p.Key == key, nil
}
