package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/pipeline/returns"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Intake is where the files of an upload go.
type Intake interface {
	// Submit hands over the files of an organisation's return for a
	// quarter, one Submitted each.
	Submit(ctx context.Context, req ingest.Request) ([]Submitted, error)
	// Waiting is the organisation's files of a quarter handed over and
	// not checked yet, newest first.
	Waiting(ctx context.Context, org string, p pipeline.Period) ([]returns.Waiting, error)
	// Landed says what became of a file Submit handed over unchecked: the
	// upload it became, "" while it waits; ok is false when the
	// organisation has no such file.
	Landed(ctx context.Context, org, id string) (uploadID string, ok bool, err error)
}

// Submitted is one file handed over: checked at once (ID is the upload's
// id, its SHA-256) or waiting to be checked (ID is its landing id).
type Submitted struct {
	ID      string
	Checked bool
	// Again says the same bytes were uploaded before.
	Again bool
}

// IngestNow is the local intake: files are checked and stored while the
// user waits, exactly as `outcomes ingest` does.
func IngestNow(cfg ingest.Config) Intake { return ingestNow{cfg} }

type ingestNow struct{ cfg ingest.Config }

func (n ingestNow) Submit(ctx context.Context, req ingest.Request) ([]Submitted, error) {
	res, err := ingest.Run(ctx, n.cfg, req)
	if err != nil {
		return nil, err
	}
	out := make([]Submitted, 0, len(res.Uploads))
	for _, up := range res.Uploads {
		out = append(out, Submitted{ID: up.UploadID, Checked: true, Again: up.Status == lake.UploadDuplicate})
	}
	return out, nil
}

func (ingestNow) Waiting(context.Context, string, pipeline.Period) ([]returns.Waiting, error) {
	return nil, nil
}

func (ingestNow) Landed(context.Context, string, string) (string, bool, error) { return "", false, nil }

// Landing is the AWS intake: each file is written to the landing bucket
// under the key the uploads API signs (pipeline/landing), where its
// arrival starts the ingest function; the lake's landing record says,
// later, which upload it became.
func Landing(std *standard.Standard, l *lake.Lake, store lake.Store) Intake {
	return &landingIntake{std: std, lake: l, store: store, newID: landingID}
}

type landingIntake struct {
	std   *standard.Standard
	lake  *lake.Lake
	store lake.Store
	newID func() string
}

// landingID is a new landing id: 16 random bytes in hex.
func landingID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

var landingIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Submit writes the files one by one, each whole: a file is in the
// landing bucket complete or not at all, so a failure part way leaves the
// first files to be checked and says the rest were not sent.
func (li *landingIntake) Submit(ctx context.Context, req ingest.Request) ([]Submitted, error) {
	out := make([]Submitted, 0, len(req.Files))
	for i, f := range req.Files {
		id := li.newID()
		key := landing.Key(landing.Upload{Org: req.Org, Period: req.Period, ID: id, File: LandingName(f.Name)})
		if _, err := li.store.Put(ctx, key, io.NewSectionReader(f.Data, 0, f.Size), f.Size, lake.Condition{IfAbsent: true}); err != nil {
			return out, pipeline.Errorf(pipeline.KindOf(err), "land file %d of %d: %w", i+1, len(req.Files), err)
		}
		out = append(out, Submitted{ID: id})
	}
	return out, nil
}

// LandingName is a file's name as a landing key may hold it: characters
// that landing.CheckFileName refuses become "_", and a long name is
// shortened, keeping its extension, so that any .csv or .xlsx a user
// chose can be sent.
func LandingName(name string) string {
	ext := strings.ToLower(path.Ext(name))
	stem := strings.TrimSuffix(name, path.Ext(name))
	var b strings.Builder
	for _, r := range stem {
		switch {
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" ._()+-", r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	stem = strings.ReplaceAll(b.String(), "..", "_")
	if stem == "" || !isAlnum(stem[0]) {
		stem = "file" + stem
	}
	if max := 120 - len(ext); len(stem) > max {
		stem = stem[:max]
	}
	return stem + ext
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// landed lists the organisation's files of a quarter in the landing
// bucket, ingested or not.
func (li *landingIntake) landed(ctx context.Context, org string, p pipeline.Period) ([]lake.Object, error) {
	prefix := landing.Prefix + "org=" + org + "/period=" + p.String() + "/"
	objs, err := li.store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list the landed files of %s for %s: %w", org, p, err)
	}
	return objs, nil
}

func (li *landingIntake) Waiting(ctx context.Context, org string, p pipeline.Period) ([]returns.Waiting, error) {
	objs, err := li.landed(ctx, org, p)
	if err != nil {
		return nil, err
	}
	var out []returns.Waiting
	for _, o := range objs {
		up, err := landing.Parse(li.std, o.Key)
		if err != nil || up.Org != org {
			continue // not written by the pages or the API: never ingested either
		}
		// A landed file stays in the bucket after it is ingested; its
		// landing record says it was.
		switch _, err := li.lake.Store.Stat(ctx, landing.RecordKey(org, up.ID)); {
		case pipeline.KindOf(err) == pipeline.NotFound:
			out = append(out, returns.Waiting{ReceivedAt: o.Modified, ID: up.ID, File: up.File})
		case err != nil:
			return nil, fmt.Errorf("read the landing record %s: %w", up.ID, err)
		}
	}
	slices.SortFunc(out, func(a, b returns.Waiting) int { return b.ReceivedAt.Compare(a.ReceivedAt) })
	return out, nil
}

func (li *landingIntake) Landed(ctx context.Context, org, id string) (string, bool, error) {
	if !landingIDPattern.MatchString(id) {
		return "", false, nil
	}
	rc, _, err := li.lake.Store.Get(ctx, landing.RecordKey(org, id))
	switch {
	case err == nil:
		defer rc.Close()
		var rec landing.Record
		if err := json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&rec); err != nil {
			return "", false, pipeline.Errorf(pipeline.Internal, "read the landing record %s: %w", id, err)
		}
		if rec.Org != org || rec.LandingID != id || !uploadIDPattern.MatchString(rec.UploadID) {
			return "", false, nil
		}
		return rec.UploadID, true, nil
	case pipeline.KindOf(err) != pipeline.NotFound:
		return "", false, fmt.Errorf("read the landing record %s: %w", id, err)
	}
	// Not ingested yet: it waits in the landing bucket, under any quarter.
	objs, err := li.store.List(ctx, landing.Prefix+"org="+org+"/")
	if err != nil {
		return "", false, fmt.Errorf("list the landed files of %s: %w", org, err)
	}
	for _, o := range objs {
		if up, err := landing.Parse(li.std, o.Key); err == nil && up.Org == org && up.ID == id {
			return "", true, nil
		}
	}
	// Ingested between the two reads: the record is there now.
	if _, err := li.lake.Store.Stat(ctx, landing.RecordKey(org, id)); err == nil {
		return li.Landed(ctx, org, id)
	}
	return "", false, nil
}
