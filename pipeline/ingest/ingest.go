// Package ingest turns an organisation's quarterly return into the lake's
// long-term record: it validates the files, writes the accepted rows of each
// table as pseudonymised Parquet, makes them current with the lake's commit
// protocol, logs what happened, and stores the uploader's report. The CLI and
// the ingest Lambda both call Run, so a return is ingested the same way on a
// laptop and in AWS.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// Config is what every ingest needs.
type Config struct {
	Standard *standard.Standard
	Lake     *lake.Lake
	Key      pseudonym.Key
	Limits   tabular.Limits
	// TempDir holds each table's Parquet file until it is stored; "" means
	// the system's temporary folder.
	TempDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Progress, when set, is told how many rows of a request's file
	// (its index in Request.Files) have been checked.
	Progress func(file, rows int)
}

// File is one uploaded file.
type File struct {
	Name string
	Data io.ReaderAt
	Size int64
	// ID, for a file refused unread (Data nil, Size over the limit), is the
	// id its report is kept under: its bytes were never read, so the
	// caller names it (the ingest function: the SHA-256 of the landing key).
	ID string
}

// unread stands for the bytes of a file refused for its size: validation
// refuses it on its size alone, and a read would be a mistake.
type unread struct{}

func (unread) ReadAt([]byte, int64) (int, error) {
	return 0, pipeline.Errorf(pipeline.Internal, "a file refused for its size was read")
}

// Request is one organisation's upload of files for a quarter.
type Request struct {
	Org    string
	Period pipeline.Period
	Files  []File
	// Received is when the return arrived; zero means now.
	Received time.Time
}

// Result says what happened to each file and table.
type Result struct {
	Report  *validate.Report
	Uploads []Upload
}

// Upload is the outcome for one file.
type Upload struct {
	File     string
	UploadID string
	Status   lake.UploadState // lake.UploadDone, lake.UploadRejected, lake.UploadLate or lake.UploadDuplicate
	Tables   []Table
}

// Table is the outcome for one table of a file.
type Table struct {
	Kind       string
	Sheet      string
	Status     TableStatus // stored, unchanged (already current), rejected, superseded_on_arrival, or replaced
	Rows       int
	Accepted   int
	Rejected   int
	Key        string // the Parquet file, when current
	Superseded string // the upload id this one replaced
	Current    string // the upload received later that is current, when superseded on arrival or replaced
}

// TableStatus is what became of one table of a file.
type TableStatus string

// Table statuses.
const (
	TableStored    TableStatus = "stored"    // its accepted rows are now current
	TableUnchanged TableStatus = "unchanged" // the same upload was already current
	TableRejected  TableStatus = "rejected"  // nothing of it was stored
	// TableLate: valid, but a return received later was already current.
	TableLate TableStatus = "superseded_on_arrival"
	// TableReplaced: an upload delivered again whose table a later one has
	// replaced since it was ingested.
	TableReplaced TableStatus = "replaced"
)

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// UploadID is the SHA-256 of a file's bytes, in hex: the same bytes are the
// same upload wherever and however often they arrive.
func UploadID(r io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return "", pipeline.Errorf(pipeline.Transient, "hash upload: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Run ingests a request. Problems in the files are in the result's report;
// the error is for failures to read or write the lake, with their pipeline
// kind (Transient ones are worth retrying: every step is idempotent).
func Run(ctx context.Context, cfg Config, req Request) (*Result, error) {
	if err := cfg.Standard.ValidOrg(req.Org); err != nil {
		return nil, err
	}
	if req.Received.IsZero() {
		req.Received = cfg.now()
	}
	hasher, err := cfg.Key.For(req.Org)
	if err != nil {
		return nil, err
	}
	// The carers already in the lake load while the files are hashed; an
	// upload that turns out to be a repeat simply does not use them.
	type loaded struct {
		r   *registry
		err error
	}
	regCh := make(chan loaded, 1)
	go func() {
		r, err := loadRegistry(ctx, cfg.Lake, req.Org, cfg.Key, hasher)
		regCh <- loaded{r, err}
	}()
	reg := func() (*registry, error) { l := <-regCh; regCh <- l; return l.r, l.err }
	defer reg() // never leave the loader running past Run

	n := len(req.Files)
	uploads := make([]Upload, n)
	reports := make([]*validate.FileReport, n)
	var fresh []validate.Input
	var freshIdx []int
	for i, f := range req.Files {
		var id string
		switch {
		case f.Data == nil && f.ID != "" && cfg.Limits.MaxFileBytes > 0 && f.Size > cfg.Limits.MaxFileBytes:
			id, f.Data = f.ID, unread{}
		case f.Data == nil:
			return nil, pipeline.Errorf(pipeline.Internal, "ingest %s: no data, and not over the size limit", f.Name)
		default:
			if id, err = UploadID(f.Data, f.Size); err != nil {
				return nil, fmt.Errorf("ingest %s: %w", f.Name, err)
			}
		}
		uploads[i] = Upload{File: f.Name, UploadID: id}
		done, rep, err := alreadyIngested(ctx, cfg.Lake, req, id)
		if err != nil {
			return nil, err
		}
		if done != nil {
			uploads[i], reports[i] = *done, rep
			continue
		}
		fresh = append(fresh, validate.Input{Name: f.Name, Data: f.Data, Size: f.Size})
		freshIdx = append(freshIdx, i)
	}
	if len(fresh) > 0 {
		registry, err := reg()
		if err != nil {
			return nil, err
		}
		tables, err := curated.Tables(cfg.Standard)
		if err != nil {
			return nil, err
		}
		sink := &sink{cfg: cfg, req: req, hasher: hasher, tables: tables, uploads: uploads, freshIdx: freshIdx}
		defer sink.cleanup()
		vcfg := validate.Config{Standard: cfg.Standard, Org: req.Org, Period: req.Period, Limits: cfg.Limits, Registry: registry, Erased: registry, Sink: sink}
		if cfg.Progress != nil {
			vcfg.Progress = func(input, rows int) { cfg.Progress(freshIdx[input], rows) }
		}
		rep, err := validate.Run(ctx, vcfg, fresh)
		if err != nil {
			return nil, err
		}
		for j, fr := range rep.Files {
			i := freshIdx[j]
			reports[i] = fr
			if err := commitFile(ctx, cfg, req, &uploads[i], fr, sink.committed(j)); err != nil {
				return nil, err
			}
		}
	}
	res := &Result{
		Report:  &validate.Report{Org: req.Org, Period: req.Period.String(), StandardVersion: cfg.Standard.Version, Files: reports},
		Uploads: uploads,
	}
	if err := recheckSurveys(ctx, cfg, req.Org, uploads); err != nil {
		return nil, err
	}
	return res, nil
}

// recheckSurveys decides again the survey responses held for carers of the
// organisation who were not registered yet, once a carers table is
// committed: a response is never left waiting for a registration that has
// arrived. It runs for a repeated upload too, so that a retry after a
// failure here finishes the job.
func recheckSurveys(ctx context.Context, cfg Config, org string, uploads []Upload) error {
	for _, up := range uploads {
		for _, t := range up.Tables {
			if t.Kind == "carers" && (t.Status == TableStored || t.Status == TableUnchanged) {
				c := surveys.Consumer{Standard: cfg.Standard, Lake: cfg.Lake, Now: cfg.Now, Key: cfg.Key}
				if _, err := c.Recheck(ctx, org); err != nil {
					return fmt.Errorf("check held survey responses of %s: %w", org, err)
				}
				return nil
			}
		}
	}
	return nil
}
