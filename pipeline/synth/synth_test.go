package synth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
)

// generate writes a consortium to a new temporary folder.
func generate(tb testing.TB, std *standard.Standard, cfg synth.Config) (string, *synth.Manifest) {
	tb.Helper()
	cfg.Out = tb.TempDir()
	m, err := synth.Generate(std, cfg)
	if err != nil {
		tb.Fatalf("Generate: %v", err)
	}
	return cfg.Out, m
}

// hashTree returns the sha256 of every file under dir, by relative path.
func hashTree(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func sameTrees(tb testing.TB, a, b map[string]string) {
	tb.Helper()
	if len(a) != len(b) {
		tb.Fatalf("%d files and %d files", len(a), len(b))
	}
	for name, h := range a {
		if b[name] != h {
			tb.Errorf("%s differs between runs", name)
		}
	}
}

func TestGenerate_Deterministic(t *testing.T) {
	std := standardtest.Load(t)
	tests := []struct {
		name string
		cfg  synth.Config
	}{
		{"default", synth.DefaultConfig()},
		{"other seed, more orgs, other quarters", synth.Config{Seed: 42, Orgs: 8, Quarters: 3, Last: pipeline.Period{Year: 2025, Quarter: 4}, History: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d1, _ := generate(t, std, tt.cfg)
			d2, _ := generate(t, std, tt.cfg)
			h1 := hashTree(t, d1)
			sameTrees(t, h1, hashTree(t, d2))
			var xlsx int
			for name := range h1 {
				if strings.HasSuffix(name, ".xlsx") {
					xlsx++
				}
			}
			if xlsx == 0 {
				t.Error("no workbooks: the determinism of xlsx output is untested")
			}
			other := tt.cfg
			other.Seed++
			d3, _ := generate(t, std, other)
			if h3 := hashTree(t, d3); h3[synth.ManifestFile] == h1[synth.ManifestFile] && h3[firstCSV(h1)] == h1[firstCSV(h1)] {
				t.Error("another seed wrote the same files")
			}
		})
	}
}

func firstCSV(tree map[string]string) string {
	var names []string
	for n := range tree {
		if strings.HasSuffix(n, "carers.csv") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names[0]
}

func TestGenerate_Consortium(t *testing.T) {
	std := standardtest.Load(t)
	dir, m := generate(t, std, synth.DefaultConfig())

	b, err := os.ReadFile(filepath.Join(dir, synth.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk synth.Manifest
	if err := json.Unmarshal(b, &onDisk); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(onDisk.Returns) != len(m.Returns) || len(onDisk.Organisations) != len(m.Organisations) {
		t.Fatal("manifest.json differs from the manifest returned")
	}
	if len(m.Organisations) < 6 {
		t.Fatalf("%d organisations, want at least 6", len(m.Organisations))
	}
	leads := 0
	for _, o := range m.Organisations {
		if err := std.ValidOrg(o.Code); err != nil {
			t.Error(err)
		}
		if o.Lead {
			leads++
		}
	}
	if leads != 1 {
		t.Errorf("%d leads, want 1", leads)
	}

	listed := map[string]bool{synth.ManifestFile: true, synth.ConsortiumFile: true, synth.SecretsFile: true}
	perOrg := map[string][]string{}
	late, attempts := 0, 0
	for _, r := range m.Returns {
		perOrg[r.Org] = append(perOrg[r.Org], r.Period)
		if a := r.FirstAttempt; a != nil {
			attempts++
			for _, f := range a.Files {
				listed[f] = true
			}
			if a.Submitted >= r.Submitted {
				t.Errorf("%s %s: the first attempt was sent %s, not before the return (%s)", r.Org, r.Period, a.Submitted, r.Submitted)
			}
		}
		kinds := map[string]bool{}
		for _, f := range r.Files {
			listed[f] = true
			if !strings.HasPrefix(f, r.Org+"/"+r.Period+"/") {
				t.Errorf("%s is not in %s/%s", f, r.Org, r.Period)
			}
			switch path.Ext(f) {
			case ".csv":
				kinds[strings.TrimSuffix(path.Base(f), ".csv")] = true
			case ".xlsx":
				tables, _ := readXLSX(t, std, filepath.Join(dir, filepath.FromSlash(f)))
				for _, tb := range tables {
					kinds[tb.kind.Name] = true
				}
			default:
				t.Errorf("%s: unexpected file", f)
			}
		}
		for _, k := range std.Kinds {
			if !kinds[k.Name] {
				t.Errorf("%s %s: no %s table", r.Org, r.Period, k.Name)
			}
		}
		p, err := pipeline.ParsePeriod(r.Period)
		if err != nil {
			t.Fatal(err)
		}
		sub, ok := parseDate(r.Submitted, false)
		days := int(sub - pipeline.DaysOf(p.End()))
		if !ok || days < 1 || days > 75 {
			t.Errorf("%s %s submitted %s: %d days after the quarter", r.Org, r.Period, r.Submitted, days)
		}
		if days > 30 {
			late++
		}
	}
	if attempts != 1 {
		t.Errorf("%d returns have a first attempt, want 1", attempts)
	}
	if late == 0 || late > len(m.Returns)/3 {
		t.Errorf("%d of %d returns late: want some, not most", late, len(m.Returns))
	}
	for _, o := range m.Organisations {
		if got := perOrg[o.Code]; len(got) != 8 || got[7] != "2026-Q3" || got[0] != "2024-Q4" {
			t.Errorf("%s: quarters %v, want 8 to 2026-Q3", o.Code, got)
		}
	}
	c, err := consortium.Load(filepath.Join(dir, synth.ConsortiumFile), std)
	if err != nil {
		t.Fatalf("consortium.json: %v", err)
	}
	if got := c.Codes(); len(got) != len(m.Organisations) || c.FirstQuarter.String() != "2024-Q4" || len(c.Leads) != 1 {
		t.Errorf("consortium.json: codes %v, first quarter %v, leads %v", got, c.FirstQuarter, c.Leads)
	}
	if f, ok := c.Form(m.Organisations[0].Code, synth.SurveyForm); !ok || f.Tool != "generic" {
		t.Errorf("consortium.json: the first organisation's survey form is %+v", f)
	}
	for name := range hashTree(t, dir) {
		if !listed[name] {
			t.Errorf("%s is not in the manifest", name)
		}
	}
}

// consortiumData is a generated consortium read back and validated.
type consortiumData struct {
	manifest *synth.Manifest
	// returns[org] in period order
	returns map[string][]readReturn
	files   []fileInfo
}

type readReturn struct {
	period pipeline.Period
	tables map[string]*table
	raw    []*rawTable
}

func readConsortium(tb testing.TB, std *standard.Standard, dir string, m *synth.Manifest) *consortiumData {
	tb.Helper()
	cd := &consortiumData{manifest: m, returns: map[string][]readReturn{}}
	for _, r := range m.Returns {
		p, err := pipeline.ParsePeriod(r.Period)
		if err != nil {
			tb.Fatal(err)
		}
		rr := readReturn{period: p, tables: map[string]*table{}}
		for _, f := range r.Files {
			file := filepath.Join(dir, filepath.FromSlash(f))
			if strings.HasSuffix(f, ".xlsx") {
				ts, fi := readXLSX(tb, std, file)
				cd.files = append(cd.files, fi)
				rr.raw = append(rr.raw, ts...)
			} else {
				t, fi := readCSV(tb, std, file)
				cd.files = append(cd.files, fi)
				rr.raw = append(rr.raw, t)
			}
		}
		for _, raw := range rr.raw {
			if rr.tables[raw.kind.Name] != nil {
				tb.Errorf("%s %s: two %s tables", r.Org, r.Period, raw.kind.Name)
			}
			rr.tables[raw.kind.Name] = validate(tb, std, r.Org, p, raw)
		}
		prev := cd.returns[r.Org]
		if len(prev) > 0 && prev[len(prev)-1].period.String() >= r.Period {
			tb.Fatalf("%s: returns out of order", r.Org)
		}
		cd.returns[r.Org] = append(prev, rr)
	}
	return cd
}

// TestGenerate_Valid reads every file back as the pipeline will and checks
// the standard's rules, within tables and across a consortium's returns.
func TestGenerate_Valid(t *testing.T) {
	std := standardtest.Load(t)
	cfg := synth.DefaultConfig()
	dir, m := generate(t, std, cfg)
	cd := readConsortium(t, std, dir, m)
	lastEnd := pipeline.DaysOf(cfg.Last.End())
	hardCode, workCode, inWorkCode := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, e := range std.Kind("outcomes").Field("outcome").CodeList.Entries {
		hardCode[e.Code], workCode[e.Code] = e.Hard, e.Work
	}
	for _, e := range std.Kind("followups").Field("employment_status").CodeList.Entries {
		inWorkCode[e.Code] = e.InWork
	}

	var (
		due, achieved, lateRows, updates, carers, young, older, inWork int
		waveCount                                                      = map[string]int{}
		yn                                                             = map[string][2]int{}
		budgets                                                        = map[string]int{}
		noWellbeing                                                    int
		conf                                                           = map[string][2]float64{} // wave -> sum, n
		afterJob                                                       [2]int                    // follow-ups 4-26 weeks after a job outcome: all, in work
	)
	for _, o := range m.Organisations {
		rets := cd.returns[o.Code]
		reg := map[string]pipeline.Days{}
		answered := map[[2]string]bool{}
		hardDates := map[string][]pipeline.Days{}
		jobDates := map[string][]pipeline.Days{}
		newPerQuarter := map[string]int{}
		for qi, rr := range rets {
			qStart := pipeline.DaysOf(rr.period.Start())
			if n := len(rr.tables["finance"].rows); n != 1 {
				t.Errorf("%s %v: %d finance rows, want 1", o.Code, rr.period, n)
			}
			for _, c := range rr.tables["carers"].rows {
				ref, d := c.get("client_ref").text, c.get("registration_date").date
				if first, ok := reg[ref]; ok {
					updates++
					if first != d {
						t.Errorf("%s row %d: %s registered %v, earlier %v", c.where, c.line, ref, d, first)
					}
					continue
				}
				reg[ref] = d
				carers++
				newPerQuarter[pipeline.PeriodOf(d.Time()).String()]++
				if dob := c.get("date_of_birth"); dob.present {
					switch age := completedYears(dob.date, d); {
					case age <= 24:
						young++
					case age >= 65:
						older++
					}
				}
				if std.Kind("carers").Field("employment_status").CodeList.Entries[index(std, "carers", "employment_status", c.get("employment_status").code)].InWork {
					inWork++
				}
				budgets[c.get("personal_budget").code]++
				if qi > 0 && d < qStart {
					lateRows++
				}
			}
			for _, kind := range []string{"support", "outcomes", "followups"} {
				k := std.Kind(kind)
				for _, row := range rr.tables[kind].rows {
					ref := row.get("client_ref").text
					r, ok := reg[ref]
					if !ok {
						t.Errorf("%s row %d: %s is not registered in this return or an earlier one", row.where, row.line, ref)
						continue
					}
					for _, f := range k.Fields {
						if f.NotBeforeRegistration && row.get(f.Name).date < r {
							t.Errorf("%s row %d: %s %v is before registration %v", row.where, row.line, f.Name, row.get(f.Name).date, r)
						}
						if f.Type == standard.Date && f.NotAfterQuarterEnd && qi > 0 && row.get(f.Name).date < qStart {
							lateRows++
						}
					}
					switch kind {
					case "outcomes":
						if hardCode[row.get("outcome").code] {
							hardDates[ref] = append(hardDates[ref], row.get("outcome_date").date)
						}
						if workCode[row.get("outcome").code] {
							jobDates[ref] = append(jobDates[ref], row.get("outcome_date").date)
						}
					case "followups":
						key := [2]string{ref, row.get("wave").code}
						if answered[key] {
							t.Errorf("%s row %d: %s answered %s twice", row.where, row.line, ref, key[1])
						}
						answered[key] = true
						waveCount[key[1]]++
						for _, q := range []string{"times_suited", "staff_understood"} {
							c := yn[q]
							switch row.get(q).code {
							case "Y":
								c[0]++
							case "N":
								c[1]++
							}
							yn[q] = c
						}
						for _, j := range jobDates[ref] {
							if d := row.get("survey_date").date; d >= j+28 && d <= j+182 {
								if st := row.get("employment_status").code; st != "U" {
									afterJob[0]++
									if inWorkCode[st] {
										afterJob[1]++
									}
								}
								break
							}
						}
						if !row.get("swemwbs_1").present {
							noWellbeing++
						}
						if c := row.get("confidence"); c.present {
							s := conf[key[1]]
							conf[key[1]] = [2]float64{s[0] + c.num, s[1] + 1}
						}
					}
				}
			}
		}
		for ref, d := range reg {
			if d+364 > lastEnd {
				continue
			}
			due++
			for _, h := range hardDates[ref] {
				if h >= d && h <= d+364 {
					achieved++
					break
				}
			}
		}
		for p, n := range newPerQuarter {
			if p >= m.First && p < m.Last && (n < 20 || n > 80) {
				t.Errorf("%s: %d new carers in %s, want 20 to 80", o.Code, n, p)
			}
		}
	}

	rate := float64(achieved) / float64(due)
	t.Logf("%d carers (%d updated profiles, %d late rows); hard outcome within 52 weeks %d/%d = %.3f", carers, updates, lateRows, achieved, due, rate)
	t.Logf("in work 4-26 weeks after a job outcome: %d of %d", afterJob[1], afterJob[0])
	t.Logf("follow-ups by wave %v; times suited %v, staff understood %v; %d without SWEMWBS", waveCount, yn["times_suited"], yn["staff_understood"], noWellbeing)
	if due < 500 || rate <= 0.5 {
		t.Errorf("hard outcome within 52 weeks: %d of %d, want over half", achieved, due)
	}
	if lateRows == 0 || updates == 0 {
		t.Errorf("%d late rows, %d updated profiles: want some of each", lateRows, updates)
	}
	if f := float64(young) / float64(carers); f < 0.05 {
		t.Errorf("young adult carers %.3f of carers", f)
	}
	if f := float64(older) / float64(carers); f < 0.03 {
		t.Errorf("older carers %.3f of carers", f)
	}
	if f := float64(inWork) / float64(carers); f > 0.45 {
		t.Errorf("%.3f in work at registration: want most not in work", f)
	}
	for _, code := range std.Kind("carers").Field("personal_budget").CodeList.Codes() {
		if budgets[code] == 0 {
			t.Errorf("no carer with personal budget %s", code)
		}
	}
	for i, w := range []string{"BASELINE", "W13", "W26", "W52", "W104"} {
		if waveCount[w] == 0 || (i > 1 && waveCount[w] >= waveCount[[]string{"BASELINE", "W13", "W26", "W52", "W104"}[i-1]]) {
			t.Errorf("follow-ups by wave %v: want fewer at each later wave", waveCount)
			break
		}
	}
	share := func(q string) float64 { c := yn[q]; return float64(c[0]) / float64(c[0]+c[1]) }
	if s := share("times_suited"); s < 0.78 || s > 0.92 {
		t.Errorf("times suited %.3f, want about 0.85", s)
	}
	if s := share("staff_understood"); s < 0.88 || s > 0.97 {
		t.Errorf("staff understood %.3f, want about 0.93", s)
	}
	if noWellbeing == 0 {
		t.Error("no follow-up leaves SWEMWBS blank")
	}
	if f := float64(afterJob[1]) / float64(afterJob[0]); afterJob[0] < 100 || f < 0.75 {
		t.Errorf("%d of %d follow-ups 4-26 weeks after a job outcome in work: want most jobs sustained", afterJob[1], afterJob[0])
	}
	mean := func(w string) float64 { return conf[w][0] / conf[w][1] }
	if mean("W52") <= mean("BASELINE")+0.3 {
		t.Errorf("confidence: baseline %.2f, W52 %.2f: want improvement", mean("BASELINE"), mean("W52"))
	}
}

func index(std *standard.Standard, kind, field, code string) int {
	i, _ := std.Kind(kind).Field(field).CodeList.Index(code)
	return i
}

// TestGenerate_ExcelHabits checks that the consortium exercises the readers:
// every habit the standard allows turns up somewhere.
func TestGenerate_ExcelHabits(t *testing.T) {
	std := standardtest.Load(t)
	dir, m := generate(t, std, synth.DefaultConfig())
	cd := readConsortium(t, std, dir, m)
	found := map[string]bool{}
	for _, fi := range cd.files {
		found["byte-order mark"] = found["byte-order mark"] || fi.bom
		found["CRLF"] = found["CRLF"] || fi.crlf
		found["Windows-1252"] = found["Windows-1252"] || fi.cp1252
		found["trailing empty rows"] = found["trailing empty rows"] || fi.trailing
		found["Notes sheet"] = found["Notes sheet"] || fi.notes
		for _, s := range fi.sheets {
			if s != strings.ToLower(s) {
				found["sheet name not in lower case"] = true
			}
		}
	}
	for _, rets := range cd.returns {
		for _, rr := range rets {
			for _, raw := range rr.raw {
				fields := make([]*standard.Field, len(raw.header))
				for i, h := range raw.header {
					fields[i] = fieldOf(raw.kind, h)
				}
				for _, h := range raw.header {
					if raw.kind.Field(h) != nil {
						found["names as headers"] = true
					}
					for _, f := range raw.kind.Fields {
						if h == f.Title && h != f.Name {
							found["titles as headers"] = true
						}
					}
					if h == std.OrgColumn.Name || h == std.OrgColumn.Title {
						found["org column"] = true
					}
				}
				for _, row := range raw.rows {
					for i, v := range row {
						if i >= len(raw.header) {
							continue
						}
						f := fields[i]
						switch {
						case f == nil:
						case f.Type == standard.Date && raw.xlsx && len(v) == 5:
							found["real Excel dates"] = true
						case f.Type == standard.Date && len(v) == 10 && v[2] == '/':
							found["DD/MM/YYYY dates"] = true
							found["text dates in a workbook"] = found["text dates in a workbook"] || raw.xlsx
						case f.Type == standard.Date && raw.xlsx && len(v) == 10:
							found["text dates in a workbook"] = true
						case f.Type == standard.Money && strings.HasPrefix(v, std.Money.Symbol) && strings.Contains(v, std.Money.GroupChar):
							found["£1,234.50 money"] = true
						case f.Type == standard.Code && f.CodeList.Name == "yes_no" && v == f.CodeList.Entries[0].Label:
							found["Yes/No labels"] = true
						case f.Name == "gender" && v == f.CodeList.Entries[0].Label:
							found["Female label"] = true
						case f.Type == standard.Code && v != "" && slices.ContainsFunc(f.CodeList.Entries, func(e standard.CodeEntry) bool { return slices.Contains(e.Aliases, v) }):
							found["aliases"] = true
						case f.Type == standard.Code && v != "" && v != strings.ToUpper(v):
							found["codes not in capitals"] = true
						case slices.Contains(std.MissingValues, v) && v != "":
							found["missing-value tokens"] = true
						}
					}
				}
			}
		}
	}
	for _, want := range []string{"byte-order mark", "CRLF", "Windows-1252", "trailing empty rows", "Notes sheet",
		"sheet name not in lower case", "names as headers", "titles as headers", "org column", "DD/MM/YYYY dates",
		"real Excel dates", "text dates in a workbook", "£1,234.50 money", "Yes/No labels", "Female label", "aliases",
		"codes not in capitals", "missing-value tokens"} {
		if !found[want] {
			t.Errorf("no file shows %s", want)
		}
	}
	// A pound sign written in Windows-1252 is the single byte 0xA3.
	pound := false
	for _, r := range m.Returns {
		for _, f := range r.Files {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f, ".csv") && bytes.Contains(b, []byte{',', '"', 0xA3}) {
				pound = true
			}
		}
	}
	if !pound {
		t.Error("no Windows-1252 file has £ as 0xA3")
	}
}

func fieldOf(k *standard.Kind, header string) *standard.Field {
	n := standard.NormaliseHeader(header)
	for _, f := range k.Fields {
		if n == standard.NormaliseHeader(f.Name) || n == standard.NormaliseHeader(f.Title) {
			return f
		}
	}
	return nil
}

func TestGenerate_InvalidConfig(t *testing.T) {
	std := standardtest.Load(t)
	base := synth.DefaultConfig()
	base.Out = t.TempDir()
	tests := []struct {
		name   string
		change func(*synth.Config)
	}{
		{"no output folder", func(c *synth.Config) { c.Out = "" }},
		{"no organisations", func(c *synth.Config) { c.Orgs = 0 }},
		{"too many organisations", func(c *synth.Config) { c.Orgs = synth.MaxOrgs() + 1 }},
		{"no quarters", func(c *synth.Config) { c.Quarters = 0 }},
		{"negative history", func(c *synth.Config) { c.History = -1 }},
		{"not a quarter", func(c *synth.Config) { c.Last = pipeline.Period{Year: 2026, Quarter: 5} }},
		{"before 2000", func(c *synth.Config) { c.Last = pipeline.Period{Year: 2001, Quarter: 1} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			_, err := synth.Generate(std, cfg)
			if err == nil || pipeline.KindOf(err) != pipeline.Invalid {
				t.Fatalf("Generate = %v, want an invalid-input error", err)
			}
		})
	}
}
