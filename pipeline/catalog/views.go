package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// View is one view: a SELECT statement in the SQL that Athena (Trino) and
// DuckDB both run, and what it shows.
type View struct {
	Name, SQL, Comment string
	// Headline is true for the views of the report's figures (committed
	// .sql files), false for those generated from the standard.
	Headline bool
}

// The headline views, one SELECT a file, in the order views must be
// created (a view may use those before it). The first line of each file
// is a comment saying what it shows.
//
//go:embed views/*.sql
var viewFiles embed.FS

// viewOrder lists the committed views in creation order.
func viewOrder() []string {
	return []string{
		"report_quarters", "report_scopes", "carer_profiles", "distinct_outcomes", "followups_ranked",
		"reach_by_quarter", "hard_outcomes_by_quarter", "cohort_hard_outcome_rates",
		"sustained_jobs", "followup_response", "experience", "referral_groups", "cost_per_hard_outcome",
	}
}

// The followups view's via: how a follow-up arrived.
const (
	ViaReturn = "return"
	ViaSurvey = "survey"
)

// followupsKind is the kind whose view also has the survey responses.
const followupsKind = "followups"

// Codes the standard names but does not flag: among work outcomes, the
// job kept (metrics.md section 3); every other work outcome is a start.
const jobKeptCode = "STAYED_IN_WORK"

// Views returns every view in the order they must be created: a view of
// the current rows of each curated kind, the code tables the figures need
// (from the standard), then the headline figures.
func Views(std *standard.Standard) ([]View, error) {
	if std == nil {
		return nil, pipeline.Errorf(pipeline.Internal, "catalog: no standard")
	}
	tables, err := curated.Tables(std)
	if err != nil {
		return nil, err
	}
	var out []View
	for _, t := range tables {
		cols := make([]string, 0, len(t.Columns)+2)
		for _, c := range t.Columns {
			cols = append(cols, "f."+c.Name)
		}
		cols = append(cols, "f."+OrgKey, "f."+PeriodKey)
		v := View{
			Name:    t.Kind.Name,
			Comment: fmt.Sprintf("The current %s rows: those of the upload each partition's pointer names.", t.Kind.Name),
			// DISTINCT: the same bytes received twice may leave two files
			// of one upload in a partition until lake gc removes the one
			// the pointer does not name; their rows are the same rows
			// (upload_id and source_row make a row unique in a file), and
			// telling the files apart needs a path column no two engines
			// share.
			SQL: fmt.Sprintf("SELECT DISTINCT %s\nFROM %s AS f\nJOIN %s AS p\n  ON p.%s = '%s' AND p.%s = f.%s AND p.%s = f.%s AND p.upload_id = f.upload_id",
				strings.Join(cols, ", "), t.Kind.Name+FilesSuffix, PointersTbl, KindKey, t.Kind.Name, OrgKey, OrgKey, PeriodKey, PeriodKey),
		}
		if t.Kind.Name == followupsKind {
			// The follow-ups that arrived through a survey webhook join
			// the returns' (docs/surveys.md), told apart by via. DISTINCT
			// again: a partition's micro-batches and the file compaction
			// made of them hold the same rows (the same upload_id and
			// source_row) until the batches are removed, a moment later.
			v.Comment = "The current followups rows: those of the upload each partition's pointer names (via 'return'), and the survey responses (via 'survey')."
			v.SQL = fmt.Sprintf("SELECT DISTINCT %s, '%s' AS via\nFROM %s AS f\nJOIN %s AS p\n  ON p.%s = '%s' AND p.%s = f.%s AND p.%s = f.%s AND p.upload_id = f.upload_id\nUNION ALL\nSELECT DISTINCT %s, '%s' AS via\nFROM %s AS f",
				strings.Join(cols, ", "), ViaReturn, t.Kind.Name+FilesSuffix, PointersTbl, KindKey, t.Kind.Name, OrgKey, OrgKey, PeriodKey, PeriodKey,
				strings.Join(cols, ", "), ViaSurvey, SurveyResponsesTbl)
		}
		out = append(out, v)
	}
	codeViews, err := codeViews(std)
	if err != nil {
		return nil, err
	}
	out = append(out, codeViews...)
	for _, name := range viewOrder() {
		b, err := fs.ReadFile(viewFiles, path.Join("views", name+".sql"))
		if err != nil {
			return nil, pipeline.Errorf(pipeline.Internal, "catalog: view %s: %w", name, err)
		}
		first, sql, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		if !strings.HasPrefix(first, "-- ") {
			return nil, pipeline.Errorf(pipeline.Internal, "catalog: view %s does not start with a comment saying what it shows", name)
		}
		out = append(out, View{Name: name, SQL: strings.TrimSpace(sql), Comment: strings.TrimPrefix(first, "-- "), Headline: true})
	}
	return out, nil
}

// ViewFiles lists the committed .sql files, for the tests that check every
// one is a view.
func ViewFiles() ([]string, error) {
	names, err := fs.Glob(viewFiles, "views/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

// codeViews are the code tables the headline views join to, generated from
// the standard so that no code is written in their SQL.
func codeViews(std *standard.Standard) ([]View, error) {
	list := func(name string) (*standard.CodeList, error) {
		l, ok := std.CodeLists[name]
		if !ok {
			return nil, pipeline.Errorf(pipeline.Internal, "catalog: the standard has no %s code list", name)
		}
		return l, nil
	}
	outcome, err := list("outcome")
	if err != nil {
		return nil, err
	}
	employment, err := list("employment_status")
	if err != nil {
		return nil, err
	}
	wave, err := list("wave")
	if err != nil {
		return nil, err
	}
	referral, err := list("referral_source")
	if err != nil {
		return nil, err
	}
	var rows []string
	for _, e := range outcome.Entries {
		job := "CAST(NULL AS VARCHAR)"
		switch {
		case e.Work && e.Code == jobKeptCode:
			job = "'kept'"
		case e.Work:
			job = "'starts'"
		}
		rows = append(rows, fmt.Sprintf("(%s, %s, %s)", quote(e.Code), boolean(e.Hard), job))
	}
	out := []View{{Name: "outcome_codes", Comment: "The outcome codes of the standard: whether each is a hard outcome, and which are job starts and jobs kept.",
		SQL: values(rows, "code", "hard", "job")}}
	rows = nil
	for _, e := range employment.Entries {
		rows = append(rows, fmt.Sprintf("(%s, %s, %s)", quote(e.Code), boolean(e.InWork), boolean(e.Code != "U")))
	}
	out = append(out, View{Name: "employment_codes", Comment: "The employment statuses of the standard: whether each is in work, and whether it is known (not U).",
		SQL: values(rows, "code", "in_work", "known")})
	rows = nil
	for _, e := range wave.Entries {
		if e.Weeks != nil && *e.Weeks > 0 {
			rows = append(rows, fmt.Sprintf("(%s, %d)", quote(e.Code), *e.Weeks))
		}
	}
	out = append(out, View{Name: "followup_waves", Comment: "The follow-up waves after registration and their weeks.",
		SQL: values(rows, "wave", "weeks")})
	rows = nil
	for _, e := range referral.Entries {
		rows = append(rows, fmt.Sprintf("(%s, %s)", quote(e.Code), quote(e.ReferralGroup)))
	}
	out = append(out, View{Name: "referral_codes", Comment: "The referral sources of the standard and the group each belongs to (metrics.md section 6).",
		SQL: values(rows, "referral_source", "referral_group")})
	return out, nil
}

func values(rows []string, cols ...string) string {
	return fmt.Sprintf("SELECT %s\nFROM (VALUES\n  %s\n) AS t (%s)", strings.Join(cols, ", "), strings.Join(rows, ",\n  "), strings.Join(cols, ", "))
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func boolean(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}
