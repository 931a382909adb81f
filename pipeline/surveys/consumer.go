package surveys

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// Consumer writes queued responses to the lake.
type Consumer struct {
	Standard *standard.Standard
	Lake     *lake.Lake
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Key, when loaded, is the consortium's key: with it a response of a
	// carer who was erased (pipeline/erasure) is dropped, never stored
	// nor held. Without it such a response is held, as for any carer not
	// registered (the erasure's register names carers by a keyed hash).
	Key pseudonym.Key
}

// Result counts what happened to a batch's responses.
type Result struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"` // already received: nothing changed
	Held       int `json:"held"`       // for a carer not registered yet
	Rejected   int `json:"rejected"`
	Erased     int `json:"erased,omitempty"` // of an erased carer: dropped
}

func (r *Result) add(o Result) {
	r.Accepted += o.Accepted
	r.Duplicates += o.Duplicates
	r.Held += o.Held
	r.Rejected += o.Rejected
	r.Erased += o.Erased
}

// Held is a response waiting for its carer's registration: pseudonymised
// and mapped already, as it was queued.
type Held struct {
	Message Message          `json:"message"`
	Since   time.Time        `json:"held_since"`
	Reasons []validate.Issue `json:"reasons"`
}

// Rejected is a response that failed validation, with the reasons, listed
// for the organisation. The message holds the mapped answers (the client
// reference as its pseudonym), so that the organisation can see what was
// wrong without the lake holding anything a return would not.
type Rejected struct {
	Message    Message          `json:"message"`
	RejectedAt time.Time        `json:"rejected_at"`
	Reasons    []validate.Issue `json:"reasons"`
}

// maxSwitchTries bounds how often a batch is redone after losing the race
// for a partition's manifest.
const maxSwitchTries = 20

func (c *Consumer) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// Process writes a batch of queued responses: each new one is accepted
// (stored in its partition), held (its carer is not registered yet) or
// rejected (with its reasons); one already received changes nothing.
// Running a batch again, whole or in part, in any order or at the same time
// as another, ends in the state of one clean run. The error is for the
// lake, with its pipeline kind: Transient ones are worth retrying.
func (c *Consumer) Process(ctx context.Context, msgs []Message) (Result, error) {
	return c.process(ctx, msgs, false)
}

func (c *Consumer) process(ctx context.Context, msgs []Message, fromHold bool) (Result, error) {
	type group struct {
		org    string
		period pipeline.Period
	}
	groups := map[group][]Message{}
	var order []group
	for _, m := range msgs {
		if err := c.Standard.ValidOrg(m.Org); err != nil {
			return Result{}, pipeline.Errorf(pipeline.Invalid, "process response %s: %w", m.ResponseID, err)
		}
		g := group{m.Org, m.Period()}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], m)
	}
	var total Result
	regs := map[string]map[string]pipeline.Days{}
	for _, g := range order {
		reg, ok := regs[g.org]
		if !ok {
			var err error
			if reg, err = Registry(ctx, c.Lake, g.org); err != nil {
				return total, err
			}
			regs[g.org] = reg
		}
		r, err := c.partition(ctx, g.org, g.period, groups[g], reg, fromHold)
		total.add(r)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// outcome is what validation made of one response.
type outcome struct {
	msg    Message
	key    string
	issues []validate.Issue
	held   bool
	row    int // its row in the validated table
}

// partition writes one organisation's responses of one quarter.
func (c *Consumer) partition(ctx context.Context, org string, period pipeline.Period, msgs []Message, reg map[string]pipeline.Days, fromHold bool) (Result, error) {
	held, err := c.Lake.SurveyRecordKeys(ctx, "held", org)
	if err != nil {
		return Result{}, err
	}
	rejected, err := c.Lake.SurveyRecordKeys(ctx, "rejected", org)
	if err != nil {
		return Result{}, err
	}
	erased, err := c.erased(ctx, org)
	if err != nil {
		return Result{}, err
	}
	for try := 1; ; try++ {
		man, etag, _, err := c.Lake.SurveyPartition(ctx, org, period)
		if err != nil {
			return Result{}, err
		}
		var res Result
		seen := map[string]bool{}
		var fresh []*outcome
		for _, m := range msgs {
			k := m.Key()
			if seen[k] || man.Has(k) || rejected[k] || held[k] && !fromHold {
				res.Duplicates++
				if fromHold && !seen[k] {
					// Decided by an earlier run that stopped before it
					// removed the hold.
					if err := c.Lake.Store.Delete(ctx, lake.SurveyHeldKey(org, k)); err != nil {
						return res, fmt.Errorf("remove the hold of response %s: %w", m.ResponseID, err)
					}
				}
				continue
			}
			seen[k] = true
			if erased(m.Values[clientRefColumn]) {
				res.Erased++
				if fromHold {
					if err := c.Lake.Store.Delete(ctx, lake.SurveyHeldKey(org, k)); err != nil {
						return res, fmt.Errorf("remove the hold of response %s: %w", m.ResponseID, err)
					}
				}
				continue
			}
			fresh = append(fresh, &outcome{msg: m, key: k})
		}
		if len(fresh) == 0 {
			return res, nil
		}
		offered := make([]string, len(fresh))
		for i, o := range fresh {
			offered[i] = o.key
		}
		id := batchID(offered, man.NextRow())
		data, accepted, err := c.validate(ctx, org, period, fresh, reg, man.NextRow(), id)
		if err != nil {
			return res, err
		}
		if len(accepted) > 0 {
			keys := make([]string, len(accepted))
			for i, o := range accepted {
				keys[i] = o.key
			}
			file := lake.SurveyFile{Key: lake.SurveyDataKey(org, period, id), Rows: len(accepted)}
			if err := c.Lake.PutBytes(ctx, file.Key, data); err != nil {
				return res, err
			}
			next := man
			next.Org, next.Period = org, period.String()
			next.Files = slices.Clone(man.Files)
			next.Responses = slices.Clone(man.Responses)
			next.Add(file, keys)
			next.UpdatedAt = c.now()
			if err := c.Lake.SwitchSurveys(ctx, next, etag); err != nil {
				k := pipeline.KindOf(err)
				if k != pipeline.Conflict && k != pipeline.NotFound || try == maxSwitchTries {
					return res, err
				}
				// Another batch committed first, and this one is read
				// again against the winner. Its file goes unless the winner
				// was this same batch (the same responses at the same
				// place) and the manifest names it: only a switch from the
				// manifest read above could, and that one is taken.
				if err := dropUnnamed(ctx, c.Lake, org, period, file.Key); err != nil {
					return res, err
				}
				continue
			}
		}
		res.Accepted = len(accepted)
		if err := c.record(ctx, org, fresh, fromHold, &res); err != nil {
			return res, err
		}
		return res, nil
	}
}

// erased says whether a carer_id is an erased carer's of org; without the
// key, none is.
func (c *Consumer) erased(ctx context.Context, org string) (func(carerID string) bool, error) {
	if !c.Key.Loaded() {
		return func(string) bool { return false }, nil
	}
	ids, err := c.Lake.Erased(ctx, org)
	if err != nil || len(ids) == 0 {
		return func(string) bool { return false }, err
	}
	return func(carerID string) bool {
		id, err := c.Key.ErasureID(org, carerID)
		return err == nil && ids[id]
	}, nil
}

// dropUnnamed removes a batch's file unless the partition's manifest
// names it.
func dropUnnamed(ctx context.Context, l *lake.Lake, org string, period pipeline.Period, key string) error {
	man, _, _, err := l.SurveyPartition(ctx, org, period)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(man.Files, func(f lake.SurveyFile) bool { return f.Key == key }) {
		return nil
	}
	if err := l.Store.Delete(ctx, key); err != nil {
		return fmt.Errorf("remove %s: %w", key, err)
	}
	return nil
}

// record writes the held and rejected responses' records after the
// accepted ones are committed, and removes the hold of a held response
// that was decided.
func (c *Consumer) record(ctx context.Context, org string, fresh []*outcome, fromHold bool, res *Result) error {
	now := c.now()
	for _, o := range fresh {
		switch {
		case o.held:
			res.Held++
			if !fromHold {
				h := Held{Message: o.msg, Since: now, Reasons: o.issues}
				if err := c.Lake.PutSurveyRecord(ctx, lake.SurveyHeldKey(org, o.key), h, true); err != nil {
					return err
				}
			}
			continue
		case len(o.issues) > 0:
			res.Rejected++
			r := Rejected{Message: o.msg, RejectedAt: now, Reasons: o.issues}
			if err := c.Lake.PutSurveyRecord(ctx, lake.SurveyRejectedKey(org, o.key), r, true); err != nil {
				return err
			}
		}
		if fromHold {
			if err := c.Lake.Store.Delete(ctx, lake.SurveyHeldKey(org, o.key)); err != nil {
				return fmt.Errorf("remove the hold of response %s: %w", o.msg.ResponseID, err)
			}
		}
	}
	return nil
}

// batchID names a batch by the responses offered in it and where it starts in
// the partition, so that the same batch written twice is one file.
func batchID(keys []string, start int) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\n", start)
	for _, k := range keys {
		io.WriteString(h, k+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// validate checks the responses exactly as a followups table of a return
// is checked (the same rules, the same error codes): they are written out
// as one table, a row each, and read back by validation, whose accepted
// rows stream into a curated Parquet file. Each row's source_row is its
// place in the partition, after the start rows already there. A response
// whose only problem is an unregistered carer is marked held.
func (c *Consumer) validate(ctx context.Context, org string, period pipeline.Period, fresh []*outcome, reg map[string]pipeline.Days, start int, id string) ([]byte, []*outcome, error) {
	k := c.Standard.Kind("followups")
	var table bytes.Buffer
	w := csv.NewWriter(&table)
	header := make([]string, len(k.Fields))
	for i, f := range k.Fields {
		header[i] = f.Name
	}
	w.Write(header)
	row := make([]string, len(k.Fields))
	for i, o := range fresh {
		for j, f := range k.Fields {
			row[j] = o.msg.Values[f.Name]
		}
		o.row = i + 2 // the header is row 1
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, nil, pipeline.Errorf(pipeline.Internal, "write responses as a table: %w", err)
	}
	tables, err := curated.Tables(c.Standard)
	if err != nil {
		return nil, nil, err
	}
	var t *curated.Table
	for _, tb := range tables {
		if tb.Kind.Name == k.Name {
			t = tb
		}
	}
	sink := &batchSink{table: t, org: org, period: period, version: c.Standard.Version, start: start, id: id, stored: map[int]bool{}}
	limits := tabular.DefaultLimits()
	rep, err := validate.Run(ctx, validate.Config{Standard: c.Standard, Org: org, Period: period, Limits: limits, Registry: registry(reg), Sink: sink},
		[]validate.Input{{Name: "responses.csv", Data: bytes.NewReader(table.Bytes()), Size: int64(table.Len())}})
	if err != nil {
		return nil, nil, err
	}
	if len(rep.Files) != 1 || rep.Files[0].Error != nil || len(rep.Files[0].Tables) != 1 {
		return nil, nil, pipeline.Errorf(pipeline.Internal, "validate responses: the table was not read: %+v", rep.Files)
	}
	tr := rep.Files[0].Tables[0]
	byRow := map[int]*outcome{}
	for _, o := range fresh {
		byRow[o.row] = o
	}
	for _, is := range tr.Errors {
		if o := byRow[is.Row]; o != nil {
			o.issues = append(o.issues, is)
		}
	}
	var accepted []*outcome
	for _, o := range fresh {
		switch {
		case sink.stored[o.row]:
			accepted = append(accepted, o)
			continue
		case len(o.issues) == 0:
			// Validation passes over a row with no value at all: a
			// response none of whose answers was mapped is rejected, not
			// lost.
			o.issues = []validate.Issue{{Row: o.row, Code: "required", Message: "the response has no answer the form's mapping takes: check the mapping's question ids"}}
		}
		o.held = !slices.ContainsFunc(o.issues, func(is validate.Issue) bool { return is.Code != "unregistered_carer" })
	}
	if len(accepted) == 0 {
		return nil, nil, nil
	}
	return sink.out.Bytes(), accepted, nil
}

// registry answers validation's question by pseudonym: a response's
// client_ref is the carer_id already.
type registry map[string]pipeline.Days

func (r registry) Registered(carerID []byte) (pipeline.Days, bool) {
	d, ok := r[string(carerID)]
	return d, ok
}

// batchSink writes the accepted rows of a batch as a curated followups
// file, source_row numbering them from start+1 in the order accepted.
type batchSink struct {
	table   *curated.Table
	org     string
	period  pipeline.Period
	version int
	start   int
	id      string
	out     bytes.Buffer
	w       *curated.Writer
	rows    int
	stored  map[int]bool // the rows written, by their row in the validated table
}

func (s *batchSink) Table(validate.TableInfo) (validate.TableSink, error) {
	// upload_id holds the batch's id, as the file's name does.
	w, err := curated.NewWriter(&s.out, s.table, curated.Meta{UploadID: s.id, Org: s.org, Period: s.period.String(),
		SchemaVersion: s.version, FileName: "survey responses", CarerIDs: true}, nil)
	if err != nil {
		return nil, err
	}
	s.w = w
	return s, nil
}

func (s *batchSink) Row(rec *validate.Record) error {
	s.rows++
	s.stored[rec.Row] = true
	row := rec.Row
	rec.Row = s.start + s.rows
	err := s.w.Write(rec)
	rec.Row = row
	return err
}

func (s *batchSink) Commit() error { return s.w.Close() }
func (s *batchSink) Abort()        { s.w.Close() }

// Registry reads the carers an organisation has registered, by pseudonym,
// with the earliest registration date of each, from the current carers
// returns in the lake.
func Registry(ctx context.Context, l *lake.Lake, org string) (map[string]pipeline.Days, error) {
	ptrs, err := l.Pointers(ctx, "carers", org)
	if err != nil {
		return nil, err
	}
	out := map[string]pipeline.Days{}
	for _, p := range ptrs {
		b, err := readAll(ctx, l, p.Key)
		if err != nil {
			return nil, err
		}
		err = curated.ScanCarers(bytes.NewReader(b), int64(len(b)), func(carerID []byte, d pipeline.Days) error {
			// The bytes are the scan's: copied only for a new carer.
			if old, ok := out[string(carerID)]; !ok || d < old {
				out[string(carerID)] = d
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read carers %s: %w", p.Key, err)
		}
	}
	return out, nil
}

func readAll(ctx context.Context, l *lake.Lake, key string) ([]byte, error) {
	rc, _, err := l.Store.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Transient, "read %s: %w", key, err)
	}
	return b, nil
}

// Recheck decides an organisation's held responses again: it runs after the
// organisation's carers are committed, and each response whose carer is
// registered now is accepted or rejected; the others stay held.
func (c *Consumer) Recheck(ctx context.Context, org string) (Result, error) {
	hs, err := lake.SurveyRecords[Held](ctx, c.Lake, "held", org)
	if err != nil || len(hs) == 0 {
		return Result{}, err
	}
	msgs := make([]Message, len(hs))
	for i, h := range hs {
		msgs[i] = h.Message
	}
	return c.process(ctx, msgs, true)
}

// Rejections lists an organisation's rejected responses with their reasons.
func Rejections(ctx context.Context, l *lake.Lake, org string) ([]Rejected, error) {
	return lake.SurveyRecords[Rejected](ctx, l, "rejected", org)
}

// Holds lists an organisation's responses waiting for their carer.
func Holds(ctx context.Context, l *lake.Lake, org string) ([]Held, error) {
	return lake.SurveyRecords[Held](ctx, l, "held", org)
}
