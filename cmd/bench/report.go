package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/carer-outcomes/carer-outcomes/internal/benchlake"
)

// reportTargetRSS is the report's peak resident memory target.
const reportTargetRSS = 400 << 20

// report compares `outcomes report` of the consortium's latest quarter
// over the 50 × 40 benchmark lake (internal/benchlake, generated once into
// the work folder) with DuckDB computing the same headline counts through
// the analysts' views over the same lake ("bench anchor views LAKE").
func (b *bench) report() error {
	b.logf("the benchmark lake (generated once into %s)", b.cfg.work)
	_, info, err := benchlake.Open(context.Background(), b.std, b.cfg.work)
	if err != nil {
		return err
	}
	if info.Took > 0 {
		b.logf("generated %d rows in %s", info.Rows, info.Took.Round(1e6))
	}
	out := filepath.Join(b.cfg.work, "report-out")
	res := result{name: fmt.Sprintf("quarterly report, %d × %d lake (%s rows)", benchlake.Orgs, benchlake.Quarters, thousands(info.Rows)),
		ours: "outcomes report", anchor: fmt.Sprintf("DuckDB, the catalog's headline views for the quarter (duckdblake), threads=%d", anchorThreads),
		target: 1.0, targetText: "≤ 1.0×"}
	ours := func() error {
		if err := os.RemoveAll(out); err != nil {
			return err
		}
		s, err := measure(b.cfg.repo, b.outcomes, "report", "--lake", info.Dir, "--period", benchlake.Last.String(), "--out", out)
		if err != nil {
			return err
		}
		res.ourTimes, res.ourRSS = append(res.ourTimes, s.wall.Seconds()), append(res.ourRSS, s.rss)
		return nil
	}
	anchor := func() error {
		s, err := measure(b.cfg.repo, b.self, "anchor", "views", info.Dir)
		if err != nil {
			return err
		}
		res.anchorTimes, res.anchorRSS = append(res.anchorTimes, s.wall.Seconds()), append(res.anchorRSS, s.rss)
		return nil
	}
	for i := range b.cfg.runs {
		first, second := ours, anchor
		if i%2 == 1 {
			first, second = anchor, ours
		}
		if err := first(); err != nil {
			return err
		}
		if err := second(); err != nil {
			return err
		}
		b.logf("report, run %d: ours %.2f s %s, DuckDB %.2f s %s", i+1, last(res.ourTimes), mb(last64(res.ourRSS)), last(res.anchorTimes), mb(last64(res.anchorRSS)))
	}
	rss := median64(res.ourRSS)
	res.extra = append(res.extra, fmt.Sprintf("peak RSS of ours %s (target ≤ 400 MB: %s); DuckDB's %s", mb(rss), met(rss <= reportTargetRSS), mb(median64(res.anchorRSS))))
	b.results = append(b.results, res)
	return nil
}
