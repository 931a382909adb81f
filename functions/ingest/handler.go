package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/keysource"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// handler ingests the files that SQS messages announce.
type handler struct {
	cfg    config
	ingest ingest.Config
	log    *slog.Logger
	// landing opens the bucket an event names; the uploads land in their
	// own bucket, apart from the lake.
	landing func(ctx context.Context, bucket string) (lake.Store, error)
}

func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*handler, error) {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	key, err := keysource.FromEnvironment(ctx, getenv)
	if err != nil {
		return nil, err
	}
	std, err := standard.Latest()
	if err != nil {
		return nil, err
	}
	open := func(ctx context.Context, bucket, prefix string) (lake.Store, error) {
		return s3store.New(ctx, s3store.Config{Bucket: bucket, Prefix: prefix, Endpoint: cfg.Endpoint, PathStyle: cfg.PathStyle})
	}
	store, err := open(ctx, cfg.LakeBucket, cfg.LakePrefix)
	if err != nil {
		return nil, err
	}
	limits := tabular.DefaultLimits()
	limits.MaxFileBytes = int64(cfg.MaxFileMB) << 20
	return &handler{
		cfg: cfg, log: log,
		ingest:  ingest.Config{Standard: std, Lake: &lake.Lake{Store: store}, Key: key, Limits: limits},
		landing: func(ctx context.Context, bucket string) (lake.Store, error) { return open(ctx, bucket, "") },
	}, nil
}

// Handle reports every message that failed as a batch item failure, so
// that SQS delivers it again and, after the queue's receive limit, moves it
// to the dead-letter queue: a message that can never succeed (not an S3
// event, a key outside the landing layout) must reach the dead-letter queue
// rather than vanish. A file that is invalid is not a failure: it gets its
// report. A panic in one message fails that message only.
func (h *handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, msg := range ev.Records {
		if err := h.safeMessage(ctx, msg); err != nil {
			kind := pipeline.KindOf(err)
			log := h.log.With("message_id", msg.MessageId, "error", err.Error(), "kind", kind.String())
			if kind == pipeline.Invalid {
				log.Error("message failed: it can never succeed, and goes to the dead-letter queue after its retries")
			} else {
				log.Warn("message failed: it will be retried")
			}
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

// safeMessage is message with a panic turned into that message's error.
func (h *handler) safeMessage(ctx context.Context, msg events.SQSMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = pipeline.Errorf(pipeline.Internal, "panic: %v\n%s", r, debug.Stack())
		}
	}()
	return h.message(ctx, msg)
}

func (h *handler) message(ctx context.Context, msg events.SQSMessage) error {
	var s3ev struct {
		events.S3Event
		Event string `json:"Event"` // s3:TestEvent has this instead of Records
	}
	if err := json.Unmarshal([]byte(msg.Body), &s3ev); err != nil {
		return pipeline.Errorf(pipeline.Invalid, "read the S3 event: %w", err)
	}
	if s3ev.Event == "s3:TestEvent" {
		return nil // sent once when the notification is set up
	}
	if len(s3ev.Records) == 0 {
		return pipeline.Errorf(pipeline.Invalid, "read the S3 event: no records")
	}
	var errs []error
	for _, rec := range s3ev.Records {
		if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
			continue // deletions and others: nothing to ingest
		}
		if err := h.object(ctx, rec); err != nil {
			errs = append(errs, err)
		}
	}
	// A retry re-ingests every file of the message; ingesting the ones that
	// succeeded again changes nothing. The first error that is worth a
	// retry decides the message's kind in the log.
	for _, err := range errs {
		if pipeline.KindOf(err) != pipeline.Invalid {
			return err
		}
	}
	return errors.Join(errs...)
}

// object ingests one landed file.
func (h *handler) object(ctx context.Context, rec events.S3EventRecord) error {
	key, err := url.QueryUnescape(rec.S3.Object.Key) // S3 events encode keys like form values
	if err != nil {
		return pipeline.Errorf(pipeline.Invalid, "read object key %q: %w", rec.S3.Object.Key, err)
	}
	up, err := landing.Parse(h.ingest.Standard, key)
	if err != nil {
		return err
	}
	if rec.EventTime.IsZero() {
		return pipeline.Errorf(pipeline.Invalid, "the event of %s has no time: it orders the upload among the quarter's returns", key)
	}
	log := h.log.With("org", up.Org, "period", up.Period.String(), "landing_id", up.ID)
	src, err := h.landing(ctx, rec.S3.Bucket.Name)
	if err != nil {
		return err
	}
	req := ingest.Request{Org: up.Org, Period: up.Period, Received: rec.EventTime}
	// The size comes from the event, or a HEAD when it has none: a file
	// over the limit is refused before a byte of it is read.
	size := rec.S3.Object.Size
	if size <= 0 {
		obj, err := src.Stat(ctx, key)
		if err != nil {
			return fmt.Errorf("stat %s: %w", key, err)
		}
		size = obj.Size
	}
	limit := h.ingest.Limits.MaxFileBytes
	if size <= limit {
		file, n, err := download(ctx, src, key, limit)
		if err != nil {
			return err
		}
		defer os.Remove(file.Name())
		defer file.Close()
		size = n
		if n <= limit {
			req.Files = []ingest.File{{Name: up.File, Data: file, Size: n}}
		}
	}
	if req.Files == nil {
		// Never read: the report is kept under an id of the landing key.
		sum := sha256.Sum256([]byte(key))
		req.Files = []ingest.File{{Name: up.File, Size: size, ID: hex.EncodeToString(sum[:])}}
		log.Warn("refused unread: over MAX_FILE_MB", "bytes", size, "limit", limit)
	}
	res, err := ingest.Run(ctx, h.ingest, req)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", up.ID, err)
	}
	u := res.Uploads[0]
	log.Info("ingested", "upload_id", u.UploadID, "status", u.Status, "tables", len(u.Tables))
	return h.recordLanding(ctx, up, u)
}

// download copies a landed object to a temporary file (validation reads a
// file more than once, and at random for a workbook), stopping one byte
// past limit: an object larger than its event said is refused all the same.
func download(ctx context.Context, src lake.Store, key string, limit int64) (*os.File, int64, error) {
	rc, _, err := src.Get(ctx, key)
	if err != nil {
		return nil, 0, fmt.Errorf("download %s: %w", key, err)
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "landed-*")
	if err != nil {
		return nil, 0, pipeline.Errorf(pipeline.Internal, "download %s: %w", key, err)
	}
	n, err := io.Copy(f, io.LimitReader(rc, limit+1))
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, pipeline.Errorf(pipeline.Transient, "download %s: %w", key, err)
	}
	return f, n, nil
}

func (h *handler) recordLanding(ctx context.Context, up landing.Upload, u ingest.Upload) error {
	status := u.Status
	if status == lake.UploadDuplicate {
		status = lake.UploadDone // the bytes were ingested before: done all the same
	}
	b, err := json.Marshal(landing.Record{LandingID: up.ID, UploadID: u.UploadID, Org: up.Org, Period: up.Period.String(), File: up.File, Status: status})
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "record landing %s: %w", up.ID, err)
	}
	_, err = h.ingest.Lake.Store.Put(ctx, landing.RecordKey(up.Org, up.ID), bytes.NewReader(b), int64(len(b)), lake.Condition{IfAbsent: true})
	if pipeline.KindOf(err) == pipeline.Conflict {
		return nil // delivered again: already recorded
	}
	return err
}
