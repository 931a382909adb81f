// Command bench runs every speed and memory comparison of
// docs/benchmarks.md in one run, ours alternating with the anchor's (DuckDB,
// or a minimal Lambda bootstrap), and writes the table of medians, ratios
// and peak resident memory into docs/benchmarks.md with the date, the
// machine and the commit. `make bench` runs it.
//
// Each measured program runs as its own process, so that its wall time
// includes what a user waits for and its peak RSS (from wait4) is its own:
// `outcomes ingest` and `outcomes report` as a data officer runs them, and
// DuckDB through this same binary started again in anchor mode ("bench
// anchor …"), so that the anchor pays a process start too. Inputs come from
// the seeded generators and are cached in a work folder, never committed.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "anchor" {
		if err := anchor(args[1:], stdout); err != nil {
			fmt.Fprintln(stderr, "bench anchor:", err)
			return 1
		}
		return 0
	}
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	if err := runAll(cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}
