package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ingest compares the whole `outcomes ingest` of a follow-up return (read,
// validate, normalise, pseudonymise, write, commit) with DuckDB's bare
// CSV → zstd Parquet conversion of the same file, for each size. Each run
// of ours starts from a copy of a lake that holds only the return's carers,
// so that every follow-up is new and accepted.
func (b *bench) ingest() error {
	type input struct {
		rows        int
		follow, org string
		period      string
		base        string // lake with the carers
		ours        result
		lastOurs    string // a Parquet file our last run wrote
		anchorOut   string
	}
	var ins []*input
	for _, n := range b.cfg.rows {
		big, gen, err := b.bigInput(n)
		if err != nil {
			return err
		}
		in := &input{rows: n, follow: big.FollowCSV, org: gen.Org, period: gen.Period.String(),
			base: filepath.Join(b.cfg.work, fmt.Sprintf("lake-carers-%d", n)), anchorOut: filepath.Join(b.cfg.work, fmt.Sprintf("duckdb-%d.parquet", n))}
		if _, err := os.Stat(filepath.Join(in.base, ".ready")); err != nil {
			b.logf("ingesting the carers of the %d-row input into %s", n, in.base)
			os.RemoveAll(in.base)
			if _, err := measure(b.cfg.repo, b.outcomes, b.ingestArgs(in.base, in.org, in.period, big.CarersCSV)...); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(in.base, ".ready"), nil, 0o644); err != nil {
				return err
			}
		}
		in.ours = result{name: fmt.Sprintf("ingest, %s follow-ups", thousands(n)), ours: "outcomes ingest",
			anchor: fmt.Sprintf("DuckDB COPY … TO parquet (zstd), threads=%d", anchorThreads), target: 0.8, targetText: "≤ 0.8×"}
		ins = append(ins, in)
	}
	for i := range b.cfg.runs {
		for _, in := range ins {
			runLake := filepath.Join(b.cfg.work, fmt.Sprintf("lake-run-%d", in.rows))
			ourRun := func() error {
				if err := os.RemoveAll(runLake); err != nil {
					return err
				}
				if err := copyTree(in.base, runLake); err != nil {
					return err
				}
				s, err := measure(b.cfg.repo, b.outcomes, b.ingestArgs(runLake, in.org, in.period, in.follow)...)
				if err != nil {
					return err
				}
				in.ours.ourTimes = append(in.ours.ourTimes, s.wall.Seconds())
				in.ours.ourRSS = append(in.ours.ourRSS, s.rss)
				return nil
			}
			anchorRun := func() error {
				s, err := measure(b.cfg.repo, b.self, "anchor", "copy-csv", in.follow, in.anchorOut)
				if err != nil {
					return err
				}
				in.ours.anchorTimes = append(in.ours.anchorTimes, s.wall.Seconds())
				in.ours.anchorRSS = append(in.ours.anchorRSS, s.rss)
				return nil
			}
			// ABBA: which side goes first alternates, so that neither always
			// meets a warm or a cold page cache.
			first, second := ourRun, anchorRun
			if i%2 == 1 {
				first, second = anchorRun, ourRun
			}
			if err := first(); err != nil {
				return err
			}
			if err := second(); err != nil {
				return err
			}
			b.logf("ingest %d rows, run %d: ours %.2f s, DuckDB %.2f s", in.rows, i+1, last(in.ours.ourTimes), last(in.ours.anchorTimes))
		}
	}
	for _, in := range ins {
		runLake := filepath.Join(b.cfg.work, fmt.Sprintf("lake-run-%d", in.rows))
		ours, err := findParquet(filepath.Join(runLake, "curated", "followups"))
		if err != nil {
			return err
		}
		same := filepath.Join(b.cfg.work, fmt.Sprintf("duckdb-same-content-%d.parquet", in.rows))
		if _, err := measure(b.cfg.repo, b.self, "anchor", "copy-parquet", ours, same); err != nil {
			return err
		}
		sizes := map[string]int64{}
		for name, p := range map[string]string{"ours": ours, "anchor": in.anchorOut, "same": same} {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			sizes[name] = st.Size()
		}
		in.ours.extra = append(in.ours.extra,
			fmt.Sprintf("peak RSS of ours %s (target ≤ 200 MB: %s)", mb(median64(in.ours.ourRSS)), met(median64(in.ours.ourRSS) <= 200<<20)),
			fmt.Sprintf("output: ours %s; DuckDB's re-encoding of our file's content %s (target: ours no larger: %s); DuckDB's own conversion, which keeps the raw client_ref, %s",
				mb(sizes["ours"]), mb(sizes["same"]), met(sizes["ours"] <= sizes["same"]), mb(sizes["anchor"])))
		b.results = append(b.results, in.ours)
	}
	return nil
}

// ingestArgs are the CLI's arguments for ingesting one file of the input.
func (b *bench) ingestArgs(lakeDir, org, period, file string) []string {
	return []string{"ingest", "--lake", lakeDir, "--key-file", b.key, "--org", org, "--period", period,
		"--max-file-mb", "4096", "--max-rows", "50000000", file}
}

// findParquet is the one Parquet file under dir.
func findParquet(dir string) (string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			found = append(found, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if len(found) != 1 {
		return "", fmt.Errorf("find the ingest's Parquet file under %s: found %d", dir, len(found))
	}
	return found[0], nil
}

// copyTree copies a folder of files.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, src); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
