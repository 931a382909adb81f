package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// handler runs the lake's garbage collection and check.
type handler struct {
	cfg  config
	log  *slog.Logger
	lake *lake.Lake
	opt  lake.CheckOptions
}

func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*handler, error) {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	std, err := standard.Latest()
	if err != nil {
		return nil, err
	}
	store, err := s3store.New(ctx, s3store.Config{Bucket: cfg.LakeBucket, Prefix: cfg.LakePrefix, Endpoint: cfg.Endpoint, PathStyle: cfg.PathStyle})
	if err != nil {
		return nil, fmt.Errorf("open the lake: %w", err)
	}
	opt := curated.CheckOptions(std)
	opt.Grace = cfg.Grace
	return &handler{cfg: cfg, log: log, lake: &lake.Lake{Store: store}, opt: opt}, nil
}

// summary is the function's answer.
type summary struct {
	Pointers  int      `json:"pointers"`
	Files     int      `json:"curated_files"`
	Entries   int      `json:"log_entries"`
	Applied   bool     `json:"applied"`
	Removed   []string `json:"removed"`
	Completed []string `json:"completed"`
	Findings  []string `json:"findings"`
}

// Handle tidies the lake, then checks it; the error says the check found
// problems (each is logged), or that the lake could not be read.
func (h *handler) Handle(ctx context.Context, _ events.EventBridgeEvent) (summary, error) {
	s := summary{Applied: h.cfg.Apply, Removed: []string{}, Completed: []string{}, Findings: []string{}}
	gc, err := h.lake.GC(ctx, h.opt, h.cfg.Apply)
	if err != nil {
		return s, fmt.Errorf("lake gc: %w", err)
	}
	for _, o := range gc.Removed {
		s.Removed = append(s.Removed, o.Key)
		h.log.Info("orphan", "key", o.Key, "bytes", o.Size, "modified", o.Modified, "removed", h.cfg.Apply)
	}
	for _, k := range gc.Completed {
		s.Completed = append(s.Completed, k)
		h.log.Info("unfinished commit", "pointer", k, "log_entry_written", h.cfg.Apply)
	}
	rep, err := h.lake.Check(ctx, h.opt)
	if err != nil {
		return s, fmt.Errorf("lake check: %w", err)
	}
	s.Pointers, s.Files, s.Entries = rep.Pointers, rep.Files, rep.Entries
	for _, f := range rep.Findings {
		s.Findings = append(s.Findings, f.String())
		h.log.Error("lake check finding", "key", f.Key, "problem", f.Problem)
	}
	h.log.Info("lake maintained", "pointers", s.Pointers, "curated_files", s.Files, "log_entries", s.Entries,
		"removed", len(s.Removed), "completed", len(s.Completed), "findings", len(s.Findings))
	if n := len(rep.Findings); n > 0 {
		return s, fmt.Errorf("lake check: %d problem(s), the first: %s", n, rep.Findings[0])
	}
	return s, nil
}
