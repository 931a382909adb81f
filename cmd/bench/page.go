package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The section of the benchmarks page that this command owns: everything
// between the two markers is replaced by each run.
const (
	beginMarker = "<!-- make bench: begin (written by cmd/bench; do not edit by hand) -->"
	endMarker   = "<!-- make bench: end -->"
)

// page is the run's section of docs/benchmarks.md.
func (b *bench) page(took time.Duration) string {
	var w strings.Builder
	fmt.Fprintf(&w, "%s\n## One `make bench` run: ours beside the anchor\n\n", beginMarker)
	fmt.Fprintf(&w, "- **Date:** %s.\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&w, "- **Machine:** %s.\n", machine())
	fmt.Fprintf(&w, "- **Load:** load average (1, 5, 15 min) %s when the run began, %s when it ended.\n", b.loadStart, loadAverage())
	fmt.Fprintf(&w, "- **Commit:** %s.\n", commit(b.cfg.repo))
	fmt.Fprintf(&w, "- **Command:** `make bench` (`go run ./cmd/bench`), %d runs of each side, alternating which goes first; the whole run took %s.\n", b.cfg.runs, took.Round(time.Second))
	fmt.Fprintf(&w, "- **Ratio** is our median over the anchor's; peak RSS is each process's own (wait4), the median over the runs.\n\n")
	fmt.Fprintln(&w, "| comparison | ours | anchor | ours (median) | anchor (median) | ratio | target | met | peak RSS ours / anchor |")
	fmt.Fprintln(&w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range b.results {
		om := median(r.ourTimes)
		row := []string{r.name, r.ours, dash(r.anchor), r.format(om)}
		switch {
		case r.unit == "rows/s":
			row = append(row, "—", "—", r.targetText, met(om >= r.target))
		default:
			am := median(r.anchorTimes)
			ratio := om / am
			row = append(row, r.format(am), fmt.Sprintf("%.2f×", ratio), r.targetText, met(ratio <= r.target))
		}
		rss := "—"
		if len(r.ourRSS) > 0 {
			rss = mb(median64(r.ourRSS)) + " / " + mb(median64(r.anchorRSS))
		}
		row = append(row, rss)
		fmt.Fprintf(&w, "| %s |\n", strings.Join(row, " | "))
	}
	fmt.Fprintln(&w)
	for _, r := range b.results {
		if len(r.extra) == 0 {
			continue
		}
		fmt.Fprintf(&w, "%s:\n", r.name)
		for _, e := range r.extra {
			fmt.Fprintf(&w, "- %s\n", e)
		}
		fmt.Fprintln(&w)
	}
	fmt.Fprintln(&w, "Every run's values:")
	fmt.Fprintln(&w)
	for _, r := range b.results {
		fmt.Fprintf(&w, "- %s: ours %s", r.name, r.formatAll(r.ourTimes))
		if len(r.anchorTimes) > 0 {
			fmt.Fprintf(&w, "; anchor %s", r.formatAll(r.anchorTimes))
		}
		fmt.Fprintln(&w)
	}
	fmt.Fprintf(&w, "\n%s\n", endMarker)
	return w.String()
}

func (r result) format(v float64) string {
	switch r.unit {
	case "rows/s":
		return fmt.Sprintf("%.2f million rows/s", v/1e6)
	case "ms":
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f s", v)
}

func (r result) formatAll(vs []float64) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = r.format(v)
	}
	return strings.Join(out, ", ")
}

// writeSection puts the run's section into the page, replacing the last
// run's, or appends it when the page has none yet.
func writeSection(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var out []byte
	i, j := bytes.Index(old, []byte(beginMarker)), bytes.Index(old, []byte(endMarker))
	if i >= 0 && j > i {
		out = append(append(append([]byte{}, old[:i]...), section...), bytes.TrimLeft(old[j+len(endMarker):], "\n")...)
	} else {
		out = append(append(bytes.TrimRight(old, "\n"), "\n\n"...), section...)
	}
	return os.WriteFile(path, out, 0o644)
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(vs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func median64(vs []int64) int64 {
	f := make([]float64, len(vs))
	for i, v := range vs {
		f[i] = float64(v)
	}
	return int64(median(f))
}

func last(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)-1]
}

func last64(vs []int64) int64 {
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)-1]
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// thousands writes n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// machine says what this run ran on.
func machine() string {
	model := "unknown processor"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s, %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// loadAverage is the machine's load average over 1, 5 and 15 minutes, as
// uptime prints it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return "unknown"
}

// commit names the code measured, marked when the work tree has changes.
func commit(repo string) string {
	out, err := exec.Command("git", "-C", repo, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", repo, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += " with uncommitted changes"
	}
	return c
}
