package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
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

// Handle reports the messages that failed for a reason worth retrying, so
// that SQS delivers them again (and, after its limit, to the dead-letter
// queue); a file that is invalid gets its report and is not retried.
func (h *handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, msg := range ev.Records {
		if err := h.message(ctx, msg); err != nil {
			log := h.log.With("message_id", msg.MessageId, "error", err.Error())
			switch pipeline.KindOf(err) {
			case pipeline.Invalid:
				log.Error("message dropped: it can never succeed")
			default:
				log.Warn("message failed: it will be retried", "kind", pipeline.KindOf(err).String())
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
	}
	return resp, nil
}

func (h *handler) message(ctx context.Context, msg events.SQSMessage) error {
	var s3ev events.S3Event
	if err := json.Unmarshal([]byte(msg.Body), &s3ev); err != nil {
		return pipeline.Errorf(pipeline.Invalid, "read the S3 event: %w", err)
	}
	var errs []error
	for _, rec := range s3ev.Records {
		if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
			continue // s3:TestEvent and others
		}
		if err := h.object(ctx, rec); err != nil {
			errs = append(errs, err)
		}
	}
	// A retry re-ingests every file of the message; ingesting the ones that
	// succeeded again changes nothing.
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
	log := h.log.With("org", up.Org, "period", up.Period.String(), "landing_id", up.ID)
	src, err := h.landing(ctx, rec.S3.Bucket.Name)
	if err != nil {
		return err
	}
	file, err := download(ctx, src, key)
	if err != nil {
		return err
	}
	defer os.Remove(file.Name())
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "read the download: %w", err)
	}
	res, err := ingest.Run(ctx, h.ingest, ingest.Request{
		Org: up.Org, Period: up.Period, Received: rec.EventTime,
		Files: []ingest.File{{Name: up.File, Data: file, Size: st.Size()}},
	})
	if err != nil {
		return fmt.Errorf("ingest %s: %w", up.ID, err)
	}
	u := res.Uploads[0]
	log.Info("ingested", "upload_id", u.UploadID, "status", u.Status, "tables", len(u.Tables))
	return h.recordLanding(ctx, up, u)
}

// download copies a landed object to a temporary file: validation reads a
// file more than once, and at random for a workbook.
func download(ctx context.Context, src lake.Store, key string) (*os.File, error) {
	rc, _, err := src.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", key, err)
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "landed-*")
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "download %s: %w", key, err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, pipeline.Errorf(pipeline.Transient, "download %s: %w", key, err)
	}
	return f, nil
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
