package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/booktest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
)

// rssLimitMB is the bound the ingest Lambda's memory sets, with room for
// the runtime: every file the default limits accept must stay under it.
const rssLimitMB = 300

// worstCase writes one of the hardest files the default limits accept.
type worstCase struct {
	name  string
	file  string
	write func(w *bufio.Writer)
	xlsx  func(tb testing.TB, path string)
}

func worstCases() []worstCase {
	lim := tabular.DefaultLimits()
	return []worstCase{
		{name: "wide", file: "carers.csv", write: func(w *bufio.Writer) {
			// Rows filled to column XFD and past it: 1,500 rows of 16,400
			// cells, 49 MB, 24.6 million cells beyond the header.
			w.WriteString("client_ref,registration_date,employment_status,consent_followup\n")
			extra := strings.Repeat(",x", tabular.ExcelColumns-4+16)
			for i := range 1500 {
				fmt.Fprintf(w, "C%07d,2026-07-01,U,Y%s\n", i, extra)
			}
		}},
		{name: "million-cells", file: "carers.csv", write: func(w *bufio.Writer) {
			// The case: a 2 MB CSV with a million filled cells to
			// the right of the header.
			w.WriteString("client_ref,registration_date,employment_status,consent_followup\n")
			extra := strings.Repeat(",1", 1000)
			for i := range 1000 {
				fmt.Fprintf(w, "C%07d,2026-07-01,U,Y%s\n", i, extra)
			}
		}},
		{name: "long", file: "carers.csv", write: func(w *bufio.Writer) {
			// As many carers as a table may have, every one valid.
			w.WriteString("client_ref,registration_date,date_of_birth,gender,postcode,caring_hours_per_week,employment_status,consent_followup\n")
			for i := range lim.MaxRows {
				fmt.Fprintf(w, "C%07d,2026-07-01,1970-01-01,F,LS6 3AA,20,U,Y\n", i)
			}
		}},
		{name: "many-errors", file: "support.csv", write: func(w *bufio.Writer) {
			// Six errors in every one of a million rows.
			w.WriteString("client_ref,date,activity,mode,minutes,outside_office_hours\n")
			for i := range lim.MaxRows {
				fmt.Fprintf(w, "X%07d,31/13/2026,COOKING,BY_POST,sixty,maybe\n", i)
			}
		}},
		{name: "many-warnings", file: "carers.csv", write: func(w *bufio.Writer) {
			// Four warnings in every one of a million accepted rows: a
			// formula-like reference, an unknown column and two cells past
			// the header.
			w.WriteString("client_ref,registration_date,employment_status,consent_followup,Venue\n")
			for i := range lim.MaxRows {
				fmt.Fprintf(w, "=C%07d,2026-07-01,U,Y,hall,a,b\n", i)
			}
		}},
		{name: "xlsx-far-right", file: "return.xlsx", xlsx: func(tb testing.TB, path string) {
			// A cell in column XFD on each of 2,950 rows: a small file that
			// excelize reads as 48 million cells, just within MaxCells.
			row := make([]any, tabular.ExcelColumns)
			saveBook(tb, path, booktest.Sheet(tb, "carers", int(lim.MaxCells/tabular.ExcelColumns)-100, func(i int) []any {
				if i == 1 {
					return []any{"client_ref", "registration_date", "employment_status", "consent_followup"}
				}
				row[0], row[1], row[2], row[3], row[tabular.ExcelColumns-1] = fmt.Sprintf("C%07d", i), "2026-07-01", "U", "Y", "x"
				return row
			}))
		}},
		{name: "xlsx", file: "return.xlsx", xlsx: func(tb testing.TB, path string) {
			// A workbook of 300,000 carers, its sheet unpacked to a
			// temporary file by the reader.
			saveBook(tb, path, booktest.Sheet(tb, "carers", 300_001, func(i int) []any {
				if i == 1 {
					return []any{"client_ref", "registration_date", "employment_status", "consent_followup", "Notes"}
				}
				return []any{fmt.Sprintf("C%07d", i), "2026-07-01", "UNEMPLOYED", "Y", "x"}
			}))
		}},
	}
}

// BenchmarkMemory_WorstCases runs `outcomes validate` and `outcomes ingest`
// as the user does, one process per file, and reports each process's peak
// resident memory (the kernel's maxrss), which is what a Lambda's memory
// limit counts. Run it with `make bench-memory`.
func BenchmarkMemory_WorstCases(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "outcomes")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	key := filepath.Join(dir, "key")
	if out, err := exec.Command(bin, "keygen", "--out", key).CombinedOutput(); err != nil {
		b.Fatalf("keygen: %v\n%s", err, out)
	}
	for _, wc := range worstCases() {
		b.Run(wc.name, func(b *testing.B) { measureCase(b, bin, key, filepath.Join(dir, wc.name), wc) })
	}
}

// measureCase writes a worst case and runs both commands on it.
func measureCase(b *testing.B, bin, key, dir string, wc worstCase) {
	path := filepath.Join(dir, wc.file)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	if wc.xlsx != nil {
		wc.xlsx(b, path)
	} else {
		writeStream(b, path, wc.write)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, cmd := range []string{"validate", "ingest"} {
		b.Run(cmd, func(b *testing.B) {
			var peak int64
			var reportBytes int
			for i := 0; i < b.N; i++ {
				args := []string{cmd, "--org", "TEST-ORG", "--period", "2026-Q3"}
				if cmd == "validate" {
					args = append(args, "--json")
				} else {
					args = append(args, "--lake", filepath.Join(dir, fmt.Sprintf("lake%d", i)), "--key-file", key)
				}
				c := exec.Command(bin, append(args, path)...)
				var out bytes.Buffer
				c.Stdout = &out
				c.Stderr = &out
				err := c.Run()
				if code := c.ProcessState.ExitCode(); code != 0 && code != 1 {
					b.Fatalf("%s: exit %d (%v)\n%.2000s", cmd, code, err, out.String())
				}
				peak = max(peak, c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
				reportBytes = out.Len()
			}
			mb := float64(peak) / 1024
			b.ReportMetric(mb, "peak-RSS-MB")
			b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
			if cmd == "validate" {
				b.ReportMetric(float64(reportBytes)/1024, "report-KB")
			}
			if mb > rssLimitMB {
				b.Errorf("peak RSS %.0f MB, over %d MB", mb, rssLimitMB)
			}
		})
	}
}

func saveBook(tb testing.TB, path string, book []byte) {
	tb.Helper()
	if err := os.WriteFile(path, book, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func writeStream(tb testing.TB, path string, write func(*bufio.Writer)) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	write(w)
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}
