package synth_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
)

func bigConfig(tb testing.TB, n int) synth.BigConfig {
	tb.Helper()
	cfg := synth.DefaultBigConfig()
	cfg.Out = tb.TempDir()
	cfg.Followups = n
	return cfg
}

func TestGenerateBig_Rows(t *testing.T) {
	std := standardtest.Load(t)
	tests := []struct {
		name string
		n    int
	}{
		{"one row", 1},
		{"a few", 137},
		{"ten thousand", 10_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := bigConfig(t, tt.n)
			res, err := synth.GenerateBig(std, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Followups != tt.n {
				t.Errorf("GenerateBig says %d follow-ups, want %d", res.Followups, tt.n)
			}
			carersRaw, _ := readCSV(t, std, filepath.Join(cfg.Out, synth.BigCarersFile))
			followRaw, _ := readCSV(t, std, filepath.Join(cfg.Out, synth.BigFollowupsFile))
			if len(followRaw.rows) != tt.n {
				t.Fatalf("followups.csv has %d rows, want exactly %d", len(followRaw.rows), tt.n)
			}
			if len(carersRaw.rows) != res.Carers {
				t.Errorf("carers.csv has %d rows, GenerateBig says %d", len(carersRaw.rows), res.Carers)
			}
			carers := validate(t, std, cfg.Org, cfg.Period, carersRaw)
			follow := validate(t, std, cfg.Org, cfg.Period, followRaw)
			reg := map[string]pipeline.Days{}
			for _, c := range carers.rows {
				reg[c.get("client_ref").text] = c.get("registration_date").date
			}
			used := map[string]bool{}
			answered := map[[2]string]bool{}
			end := pipeline.DaysOf(cfg.Period.End())
			for _, f := range follow.rows {
				ref, d := f.get("client_ref").text, f.get("survey_date").date
				r, ok := reg[ref]
				switch {
				case !ok:
					t.Errorf("row %d: %s is not in carers.csv", f.line, ref)
				case d < r || d > end:
					t.Errorf("row %d: surveyed %v, registered %v, quarter ends %v", f.line, d, r, end)
				}
				key := [2]string{ref, f.get("wave").code}
				if answered[key] {
					t.Errorf("row %d: %s answered %s twice", f.line, ref, key[1])
				}
				answered[key] = true
				used[ref] = true
			}
			if len(used) != len(reg) {
				t.Errorf("%d carers, %d of them surveyed: carers.csv should hold just the carers used", len(reg), len(used))
			}
		})
	}
}

func TestGenerateBig_Deterministic(t *testing.T) {
	std := standardtest.Load(t)
	var sums [2]map[string]string
	for i := range sums {
		cfg := bigConfig(t, 5000)
		if _, err := synth.GenerateBig(std, cfg); err != nil {
			t.Fatal(err)
		}
		sums[i] = hashTree(t, cfg.Out)
	}
	sameTrees(t, sums[0], sums[1])
}

// heapWatcher is a writer that notes the largest live heap seen while the
// rows stream through it.
type heapWatcher struct {
	n    int64
	peak uint64
}

func (h *heapWatcher) Write(p []byte) (int, error) {
	h.n += int64(len(p))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.peak = max(h.peak, ms.HeapAlloc)
	return len(p), nil
}

// TestWriteBig_BoundedMemory checks that the big table is streamed: writing
// eight times the rows must not need more memory.
func TestWriteBig_BoundedMemory(t *testing.T) {
	std := standardtest.Load(t)
	peak := func(n int) (uint64, int64) {
		t.Helper()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		var c, f heapWatcher
		_, rows, err := synth.WriteBig(std, bigConfig(t, n), &c, &f)
		if err != nil {
			t.Fatal(err)
		}
		if rows != n {
			t.Fatalf("wrote %d rows, want %d", rows, n)
		}
		return max(c.peak, f.peak) - min(base, max(c.peak, f.peak)), f.n
	}
	small, smallBytes := peak(10_000)
	large, largeBytes := peak(80_000)
	t.Logf("heap growth: %d KiB for %d KiB of follow-ups, %d KiB for %d KiB", small>>10, smallBytes>>10, large>>10, largeBytes>>10)
	if large > small+16<<20 || large > uint64(largeBytes)/2+16<<20 {
		t.Errorf("heap grew by %d KiB for 80,000 rows and %d KiB for 10,000: the rows are held in memory", large>>10, small>>10)
	}
}

func TestGenerateBig_Invalid(t *testing.T) {
	std := standardtest.Load(t)
	tests := []struct {
		name   string
		change func(*synth.BigConfig)
	}{
		{"no rows", func(c *synth.BigConfig) { c.Followups = 0 }},
		{"unknown organisation", func(c *synth.BigConfig) { c.Org = "NOWHERE" }},
		{"not a quarter", func(c *synth.BigConfig) { c.Period.Quarter = 0 }},
		{"before 2000", func(c *synth.BigConfig) { c.Period = pipeline.Period{Year: 2002, Quarter: 1} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := bigConfig(t, 10)
			tt.change(&cfg)
			var a, b bytes.Buffer
			if _, _, err := synth.WriteBig(std, cfg, &a, &b); pipeline.KindOf(err) != pipeline.Invalid {
				t.Fatalf("WriteBig = %v, want an invalid-input error", err)
			}
			if _, err := synth.GenerateBig(std, cfg); pipeline.KindOf(err) != pipeline.Invalid {
				t.Fatalf("GenerateBig = %v, want an invalid-input error", err)
			}
			if entries, _ := os.ReadDir(cfg.Out); len(entries) != 0 {
				t.Errorf("files written for an invalid config")
			}
		})
	}
}
