package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// goBench runs one Go benchmark -count times and returns each run's value
// of the named metrics (the units after the numbers, such as rows/s).
func (b *bench) goBench(pkg, pattern string, extra []string, units ...string) (map[string][]float64, error) {
	args := append([]string{"test", pkg, "-run", "^$", "-bench", pattern, "-count", strconv.Itoa(b.cfg.runs)}, extra...)
	out, err := b.goOutput(args...)
	if err != nil {
		return nil, err
	}
	return parseBench(out, units...)
}

var benchLine = regexp.MustCompile(`^Benchmark\S+\s+\d+\s+(.*)$`)

// parseBench reads `go test -bench` output: every result line's value of
// each unit. A unit missing from every line is an error, so a renamed
// metric cannot pass as zero.
func parseBench(out string, units ...string) (map[string][]float64, error) {
	got := map[string][]float64{}
	for line := range strings.SplitSeq(out, "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		f := strings.Fields(m[1])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			got[f[i+1]] = append(got[f[i+1]], v)
		}
	}
	for _, u := range units {
		if len(got[u]) == 0 {
			return nil, fmt.Errorf("no %q in the benchmark's output:\n%s", u, tail(out))
		}
	}
	return got, nil
}

// validate measures validation alone on one core: the follow-up table of
// 1,000,000 rows checked against its carers (BenchmarkValidate_Followups).
func (b *bench) validate() error {
	b.logf("validation on one core")
	m, err := b.goBench("./pipeline/validate", "^BenchmarkValidate_Followups/rows=1000000$", []string{"-benchtime", "3x", "-cpu", "1"}, "rows/s")
	if err != nil {
		return err
	}
	b.results = append(b.results, result{name: "validation, 1,000,000 follow-ups, one core", ours: "validate.Run (BenchmarkValidate_Followups)",
		ourTimes: m["rows/s"], unit: "rows/s", target: 2_500_000, targetText: "≥ 2.5 million rows/s"})
	return nil
}

// start measures the ingest bootstrap's time from process start to its
// first request for an invocation beside a minimal aws-lambda-go
// bootstrap's, started alternately by the same harness
// (BenchmarkIngest_ColdStart).
func (b *bench) start() error {
	b.logf("Lambda start")
	m, err := b.goBench("./functions/ingest", "^BenchmarkIngest_ColdStart$", []string{"-benchtime", "20x"}, "ms-to-next", "minimal-ms-to-next")
	if err != nil {
		return err
	}
	b.results = append(b.results, result{name: "Lambda start to the first next", ours: "ingest bootstrap", anchor: "minimal aws-lambda-go bootstrap",
		ourTimes: m["ms-to-next"], anchorTimes: m["minimal-ms-to-next"], unit: "ms", target: 1.5, targetText: "≤ 1.5×"})
	return nil
}
