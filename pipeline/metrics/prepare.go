package metrics

import (
	"fmt"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Codes the standard names but does not mark with a flag. metrics.md
// section 3 separates jobs kept from job starts among the work outcomes, and
// the shared code U means not known in every code list.
const (
	jobKeptCode = "STAYED_IN_WORK"
	unknownCode = "U"
)

// codes is what the figures need to know about the standard's codes.
type codes struct {
	hard      []string // hard outcome codes, in the standard's order
	isHard    map[string]bool
	jobStart  map[string]bool
	jobKept   map[string]bool
	inWork    map[string]bool
	knownWork map[string]bool // employment statuses other than U
	waves     []wave          // follow-up waves after registration
	supportBy []breakdown     // the support columns section 1 breaks support down by
}

// breakdown is a coded column of the support table: its codes in the
// standard's order, whether it may be left empty, and how to read it.
type breakdown struct {
	column   string
	codes    []string
	optional bool
	value    func(*Support) string
}

type wave struct {
	code  string
	weeks int
}

func codesOf(std *standard.Standard) (*codes, error) {
	if std == nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "metrics: no data standard")
	}
	c := &codes{
		isHard:    map[string]bool{},
		jobStart:  map[string]bool{},
		jobKept:   map[string]bool{},
		inWork:    map[string]bool{},
		knownWork: map[string]bool{},
	}
	lists := map[string]*standard.CodeList{}
	for _, name := range []string{"outcome", "employment_status", "wave"} {
		l, ok := std.CodeLists[name]
		if !ok {
			return nil, pipeline.Errorf(pipeline.Invalid, "metrics: the standard has no %s code list", name)
		}
		lists[name] = l
	}
	for _, e := range lists["outcome"].Entries {
		if e.Hard {
			c.hard = append(c.hard, e.Code)
			c.isHard[e.Code] = true
		}
		switch {
		case e.Work && e.Code == jobKeptCode:
			c.jobKept[e.Code] = true
		case e.Work:
			c.jobStart[e.Code] = true
		}
	}
	if len(c.jobKept) == 0 {
		return nil, pipeline.Errorf(pipeline.Invalid, "metrics: the standard has no work outcome %s", jobKeptCode)
	}
	for _, e := range lists["employment_status"].Entries {
		if e.InWork {
			c.inWork[e.Code] = true
		}
		if e.Code != unknownCode {
			c.knownWork[e.Code] = true
		}
	}
	support := std.Kind("support")
	for _, b := range []breakdown{
		{column: "activity", value: func(s *Support) string { return s.Activity }},
		{column: "mode", value: func(s *Support) string { return s.Mode }},
	} {
		var f *standard.Field
		if support != nil {
			f = support.Field(b.column)
		}
		if f == nil || f.CodeList == nil {
			return nil, pipeline.Errorf(pipeline.Invalid, "metrics: the standard's support table has no coded column %s", b.column)
		}
		b.optional = !f.Required
		for _, e := range f.CodeList.Entries {
			b.codes = append(b.codes, e.Code)
		}
		c.supportBy = append(c.supportBy, b)
	}
	for _, e := range lists["wave"].Entries {
		if e.Weeks != nil && *e.Weeks > 0 {
			c.waves = append(c.waves, wave{e.Code, *e.Weeks})
		}
	}
	return c, nil
}

// laterRow reports whether row (r, i) came after row (s, j): in a later
// return, or later in the same return's table.
func laterRow(r pipeline.Period, i int, s pipeline.Period, j int) bool {
	if c := r.Compare(s); c != 0 {
		return c > 0
	}
	return i > j
}

func checkScope(std *standard.Standard, scope string) error {
	if scope == Consortium {
		return nil
	}
	if err := std.ValidOrg(scope); err != nil {
		return fmt.Errorf("metrics: scope: %w", err)
	}
	return nil
}
