package synth

import (
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// BigConfig says what one large follow-up table to generate, for benchmarks.
type BigConfig struct {
	// Out is the folder followups.csv and carers.csv are written to.
	Out string
	// Seed makes the output, as in Config.
	Seed uint64
	// Followups is the number of follow-up rows to write, exactly.
	Followups int
	// Org is the organisation whose return it is (a code of the catalogue).
	Org string
	// Period is the quarter of the return: nothing is dated after its end.
	Period pipeline.Period
}

// DefaultBigConfig is one million follow-ups of LEEDS-CC in 2026-Q3.
func DefaultBigConfig() BigConfig {
	return BigConfig{Seed: 1, Followups: 1_000_000, Org: catalogue()[0].Code, Period: pipeline.Period{Year: 2026, Quarter: 3}}
}

// BigResult says what GenerateBig wrote.
type BigResult struct {
	Carers    int    `json:"carers"`
	Followups int    `json:"followups"`
	CarersCSV string `json:"carers_csv"`
	FollowCSV string `json:"followups_csv"`
}

// Big table file names.
const (
	BigCarersFile    = "carers.csv"
	BigFollowupsFile = "followups.csv"
)

// bigYears is how many years before the quarter's end the big table's
// carers registered.
const bigYears = 3

func (cfg BigConfig) check(std *standard.Standard) error {
	switch {
	case std == nil:
		return pipeline.Errorf(pipeline.Invalid, "synth: no standard")
	case cfg.Followups < 1:
		return pipeline.Errorf(pipeline.Invalid, "synth: %d follow-up rows: want at least 1", cfg.Followups)
	case findOrg(cfg.Org) == nil:
		return pipeline.Errorf(pipeline.Invalid, "synth: organisation %q is not in the synthetic consortium", cfg.Org)
	case cfg.Period.Quarter < 1 || cfg.Period.Quarter > 4 || cfg.Period.Year > 9000:
		return pipeline.Errorf(pipeline.Invalid, "synth: %v is not a quarter", cfg.Period)
	case quarterEnd(cfg.Period)-bigYears*365 < std.EarliestDate:
		return pipeline.Errorf(pipeline.Invalid, "synth: quarter %v: carers would register before %v", cfg.Period, std.EarliestDate)
	}
	return nil
}

// GenerateBig writes cfg.Followups follow-up rows to Out/followups.csv and
// the carers they belong to to Out/carers.csv, so that every follow-up is
// valid against that carers table. Carers are registered over the three
// years to the end of the quarter; each answers at most once per wave, never
// before registering and never after the quarter. Rows are streamed as they
// are drawn: memory does not grow with the number of rows.
func GenerateBig(std *standard.Standard, cfg BigConfig) (res BigResult, err error) {
	if err := cfg.check(std); err != nil {
		return res, err
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return res, pipeline.Errorf(pipeline.Internal, "synth: %w", err)
	}
	res.CarersCSV = filepath.Join(cfg.Out, BigCarersFile)
	res.FollowCSV = filepath.Join(cfg.Out, BigFollowupsFile)
	cf, err := os.Create(res.CarersCSV)
	if err != nil {
		return res, pipeline.Errorf(pipeline.Internal, "synth: %w", err)
	}
	defer func() {
		if cerr := cf.Close(); err == nil && cerr != nil {
			err = pipeline.Errorf(pipeline.Internal, "synth: %w", cerr)
		}
	}()
	ff, err := os.Create(res.FollowCSV)
	if err != nil {
		return res, pipeline.Errorf(pipeline.Internal, "synth: %w", err)
	}
	defer func() {
		if cerr := ff.Close(); err == nil && cerr != nil {
			err = pipeline.Errorf(pipeline.Internal, "synth: %w", cerr)
		}
	}()
	carers, followups, err := WriteBig(std, cfg, cf, ff)
	res.Carers, res.Followups = carers, followups
	return res, err
}

// WriteBig is GenerateBig writing to any two writers: the carers table and
// the follow-ups table. It returns the number of rows written to each.
func WriteBig(std *standard.Standard, cfg BigConfig, carersOut, followupsOut io.Writer) (carers, followups int, err error) {
	if err := cfg.check(std); err != nil {
		return 0, 0, err
	}
	o := findOrg(cfg.Org)
	sc, err := newSchema(std)
	if err != nil {
		return 0, 0, err
	}
	g, err := newGen(sc)
	if err != nil {
		return 0, 0, err
	}
	// The benchmark table is written as the template asks: names, codes,
	// ISO dates, UTF-8, LF.
	plain := *o
	plain.h = habits{}
	rd := newRenderer(sc, &plain, rand.New(rand.NewPCG(cfg.Seed, stream(o.Code, "big", "render"))))
	r := rand.New(rand.NewPCG(cfg.Seed, stream(o.Code, "big", cfg.Period.String())))

	cw := newCSVWriter(carersOut, false, false)
	fw := newCSVWriter(followupsOut, false, false)
	ccols, fcols := rd.layout(kCarers), rd.layout(kFollowups)
	cw.row(rd.header(kCarers, ccols))
	fw.row(rd.header(kFollowups, fcols))

	end := quarterEnd(cfg.Period)
	first := end - bigYears*365
	var cells []string
	s := g.newSink(end, func(kind int, _ pipeline.Days, row []value) {
		if followups < cfg.Followups {
			cells = rd.cells(kind, fcols, row, cells)
			fw.row(cells)
			followups++
		}
	}, kFollowups)
	carerRow := make([]value, len(sc.kinds[kCarers].Fields))
	for seq := 1; followups < cfg.Followups; seq++ {
		reg := first + pipeline.Days(r.IntN(int(end-first)+1))
		c := g.newCarer(r, &plain, plain.ref(seq, reg), reg)
		before := followups
		c.consent = yes // the benchmark is of surveys: every carer agreed to them
		g.carerRow(c, carerRow)
		g.live(r, &plain, c, s)
		if followups == before {
			continue // no survey before the quarter's end: not needed
		}
		cells = rd.cells(kCarers, ccols, carerRow, cells)
		cw.row(cells)
		carers++
		if cw.err != nil || fw.err != nil {
			break
		}
	}
	if err := cw.flush(); err != nil {
		return carers, followups, pipeline.Errorf(pipeline.Internal, "synth: carers: %w", err)
	}
	if err := fw.flush(); err != nil {
		return carers, followups, pipeline.Errorf(pipeline.Internal, "synth: follow-ups: %w", err)
	}
	return carers, followups, nil
}
