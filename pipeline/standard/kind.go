package standard

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Type is how a field's values are read.
type Type int

const (
	Text    Type = iota // free text, perhaps with a pattern
	Code                // one of a code list's codes, labels or aliases
	Date                // a calendar day
	Integer             // a whole number
	Number              // a decimal number
	Money               // pounds, with at most the standard's decimals
)

func (t Type) String() string {
	return [...]string{"text", "code", "date", "whole number", "number", "money"}[t]
}

// Kind is one kind of table in a return (carers, support, …).
type Kind struct {
	Name, Title, RowPer, Description string
	Version                          int
	Fields                           []*Field
	PrimaryKey                       []string
	ForeignKeys                      []ForeignKey
	RecordKey                        *RecordKey
	Groups                           []Group
	Derived                          []Derived
	MinRows, MaxRows                 int // 0: no limit
	MissingValues                    []string
}

// Field returns the field with the given name, or nil.
func (k *Kind) Field(name string) *Field {
	for _, f := range k.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// ForeignKey is a Frictionless foreign key: here, client_ref must be a carer.
type ForeignKey struct {
	Fields    []string `json:"fields"`
	Reference struct {
		Resource string   `json:"resource"`
		Fields   []string `json:"fields"`
	} `json:"reference"`
}

// RecordKey says which rows are the same record and what a repeat means:
// "same" (counted once) or "replace" (the later row wins).
type RecordKey struct {
	Fields      []string `json:"fields"`
	OnRepeat    string   `json:"onRepeat"`
	Description string   `json:"description"`
}

// Group is a set of fields that go together, such as the SWEMWBS items.
type Group struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Fields      []string `json:"fields"`
	Rule        string   `json:"rule"`
	Description string   `json:"description"`
}

// Derived is a field the pipeline computes and stores in place of, or beside,
// what the uploader sent.
type Derived struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	From        []string `json:"from"`
	Rule        string   `json:"rule"`
	Description string   `json:"description"`
}

// Range is an inclusive range of whole numbers.
type Range struct {
	Minimum int `json:"minimum"`
	Maximum int `json:"maximum"`
}

// Condition makes a field required when another field has one of some codes.
type Condition struct {
	Field string   `json:"field"`
	In    []string `json:"in"`
}

// Field is one column of a kind.
type Field struct {
	Name, Title, Description, Example string
	// Headings are further headings that mean this column, beside its name
	// and title ("DOB" for date_of_birth).
	Headings              []string
	Type                  Type
	CodeList              *CodeList
	Required, Unique      bool
	MinLength, MaxLength  int
	Minimum, Maximum      *float64
	EarliestDate          *pipeline.Days
	Pattern               *regexp.Regexp
	MaxDecimals           int
	NotAfterQuarterEnd    bool
	NotBeforeRegistration bool
	AgeAtRegistration     *Range
	RequiredWhen          *Condition
	Personal              string // "", "pseudonymise", "ageBand", "outwardCode"
	Group                 string
	Unit                  string

	// Index is the field's position in its kind.
	Index int
}

type rawField struct {
	Name        string     `json:"name"`
	Title       string     `json:"title"`
	Headings    []string   `json:"headings"`
	Type        string     `json:"type"`
	Description string     `json:"description"`
	Example     string     `json:"example"`
	Codelist    string     `json:"codelist"`
	Unit        string     `json:"unit"`
	GroupChar   string     `json:"groupChar"`
	BareNumber  *bool      `json:"bareNumber"`
	MaxDecimals int        `json:"maxDecimals"`
	Group       string     `json:"group"`
	Personal    string     `json:"personal"`
	NotAfter    *bool      `json:"notAfterQuarterEnd"`
	NotBefore   bool       `json:"notBeforeRegistration"`
	Age         *Range     `json:"ageAtRegistration"`
	When        *Condition `json:"requiredWhen"`
	Constraints struct {
		Required  bool     `json:"required"`
		Unique    bool     `json:"unique"`
		MinLength int      `json:"minLength"`
		MaxLength int      `json:"maxLength"`
		Minimum   any      `json:"minimum"`
		Maximum   any      `json:"maximum"`
		Pattern   string   `json:"pattern"`
		Enum      []string `json:"enum"`
	} `json:"constraints"`
}

func loadKind(fsys fs.FS, s *Standard, name string) (*Kind, error) {
	var raw struct {
		Name          string       `json:"name"`
		Title         string       `json:"title"`
		Version       int          `json:"version"`
		RowPer        string       `json:"rowPer"`
		Description   string       `json:"description"`
		PrimaryKey    []string     `json:"primaryKey"`
		MissingValues []string     `json:"missingValues"`
		ForeignKeys   []ForeignKey `json:"foreignKeys"`
		RecordKey     *RecordKey   `json:"recordKey"`
		Rows          *Range       `json:"rows"`
		Groups        []Group      `json:"groups"`
		Derived       []Derived    `json:"derived"`
		Fields        []rawField   `json:"fields"`
	}
	file := name + ".json"
	if err := readJSON(fsys, file, &raw); err != nil {
		return nil, err
	}
	if raw.Name != name || raw.Version != s.Version {
		return nil, fmt.Errorf("load %s: names kind %q version %d, want %q version %d", file, raw.Name, raw.Version, name, s.Version)
	}
	if !slices.Equal(raw.MissingValues, s.MissingValues) {
		return nil, fmt.Errorf("load %s: missingValues %q differ from the standard's %q", file, raw.MissingValues, s.MissingValues)
	}
	k := &Kind{
		Name: raw.Name, Title: raw.Title, Version: raw.Version, RowPer: raw.RowPer, Description: raw.Description,
		PrimaryKey: raw.PrimaryKey, ForeignKeys: raw.ForeignKeys, RecordKey: raw.RecordKey,
		Groups: raw.Groups, Derived: raw.Derived, MissingValues: raw.MissingValues,
	}
	if raw.Rows != nil {
		k.MinRows, k.MaxRows = raw.Rows.Minimum, raw.Rows.Maximum
	}
	for i, rf := range raw.Fields {
		f, err := buildField(s, rf)
		if err != nil {
			return nil, fmt.Errorf("load %s: field %s: %w", file, rf.Name, err)
		}
		f.Index = i
		if k.Field(f.Name) != nil {
			return nil, fmt.Errorf("load %s: field %s appears twice", file, f.Name)
		}
		k.Fields = append(k.Fields, f)
	}
	if err := k.check(); err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	return k, nil
}

func buildField(s *Standard, rf rawField) (*Field, error) {
	f := &Field{
		Name: rf.Name, Title: rf.Title, Headings: rf.Headings, Description: rf.Description, Example: rf.Example,
		Required: rf.Constraints.Required, Unique: rf.Constraints.Unique,
		MinLength: rf.Constraints.MinLength, MaxLength: rf.Constraints.MaxLength,
		NotBeforeRegistration: rf.NotBefore, AgeAtRegistration: rf.Age, RequiredWhen: rf.When,
		Personal: rf.Personal, Group: rf.Group, Unit: rf.Unit, MaxDecimals: rf.MaxDecimals,
	}
	if f.Name == "" || f.Title == "" {
		return nil, fmt.Errorf("needs a name and a title")
	}
	switch {
	case rf.Type == "string" && rf.Codelist != "":
		f.Type = Code
		f.CodeList = s.CodeLists[rf.Codelist]
		if f.CodeList == nil {
			return nil, fmt.Errorf("no code list %q", rf.Codelist)
		}
		if !slices.Equal(f.CodeList.Codes(), rf.Constraints.Enum) {
			return nil, fmt.Errorf("enum %q differs from code list %s %q", rf.Constraints.Enum, rf.Codelist, f.CodeList.Codes())
		}
	case rf.Type == "string":
		f.Type = Text
	case rf.Type == "date":
		f.Type = Date
		f.NotAfterQuarterEnd = rf.NotAfter == nil || *rf.NotAfter
	case rf.Type == "integer":
		f.Type = Integer
	case rf.Type == "number" && rf.Unit == s.Money.Currency:
		f.Type = Money
		if rf.BareNumber == nil || *rf.BareNumber || rf.GroupChar != s.Money.GroupChar || rf.MaxDecimals != s.Money.MaxDecimals {
			return nil, fmt.Errorf("money must have bareNumber false, groupChar %q and maxDecimals %d", s.Money.GroupChar, s.Money.MaxDecimals)
		}
	case rf.Type == "number":
		f.Type = Number
	default:
		return nil, fmt.Errorf("unknown type %q", rf.Type)
	}
	if f.Type != Code && len(rf.Constraints.Enum) > 0 {
		return nil, fmt.Errorf("enum without a code list")
	}
	if rf.Constraints.Pattern != "" {
		re, err := regexp.Compile(rf.Constraints.Pattern)
		if err != nil {
			return nil, fmt.Errorf("pattern: %w", err)
		}
		f.Pattern = re
	}
	for _, b := range []struct {
		v   any
		dst **float64
	}{{rf.Constraints.Minimum, &f.Minimum}, {rf.Constraints.Maximum, &f.Maximum}} {
		switch v := b.v.(type) {
		case nil:
		case float64:
			if f.Type != Integer && f.Type != Number && f.Type != Money {
				return nil, fmt.Errorf("numeric bound on a %s field", f.Type)
			}
			*b.dst = &v
		case string:
			d, ok := parseISO(v)
			if f.Type != Date || !ok || b.dst != &f.Minimum {
				return nil, fmt.Errorf("bound %q: only a date field's minimum may be a date", v)
			}
			f.EarliestDate = &d
		default:
			return nil, fmt.Errorf("bound %v of type %T", v, v)
		}
	}
	return f, nil
}

// check ties together what the fields refer to, so that a typo in a schema
// file fails at load time rather than silently disabling a rule.
func (k *Kind) check() error {
	names := func(list []string, what string) error {
		for _, n := range list {
			if k.Field(n) == nil {
				return fmt.Errorf("%s names unknown field %q", what, n)
			}
		}
		return nil
	}
	if err := names(k.PrimaryKey, "primaryKey"); err != nil {
		return err
	}
	// Every heading, however written, names one field.
	heading := map[string]string{}
	for _, f := range k.Fields {
		for _, h := range append([]string{f.Name, f.Title}, f.Headings...) {
			n := NormaliseHeader(h)
			if other, ok := heading[n]; ok && other != f.Name {
				return fmt.Errorf("heading %q of %s is also a heading of %s", h, f.Name, other)
			}
			heading[n] = f.Name
		}
	}
	for _, fk := range k.ForeignKeys {
		if err := names(fk.Fields, "foreignKeys"); err != nil {
			return err
		}
		if fk.Reference.Resource != "carers" || !slices.Equal(fk.Reference.Fields, []string{"client_ref"}) {
			return fmt.Errorf("foreign keys may only reference carers.client_ref")
		}
	}
	if k.RecordKey != nil {
		if err := names(k.RecordKey.Fields, "recordKey"); err != nil {
			return err
		}
		if k.RecordKey.OnRepeat != "same" && k.RecordKey.OnRepeat != "replace" {
			return fmt.Errorf("recordKey.onRepeat %q: want same or replace", k.RecordKey.OnRepeat)
		}
	}
	for _, g := range k.Groups {
		if err := names(g.Fields, "group "+g.Name); err != nil {
			return err
		}
		if g.Rule != "allOrNone" {
			return fmt.Errorf("group %s: unknown rule %q", g.Name, g.Rule)
		}
		for _, n := range g.Fields {
			if k.Field(n).Group != g.Name {
				return fmt.Errorf("field %s is listed in group %s but does not name it", n, g.Name)
			}
		}
	}
	for _, f := range k.Fields {
		if f.RequiredWhen != nil {
			other := k.Field(f.RequiredWhen.Field)
			if other == nil || other.CodeList == nil {
				return fmt.Errorf("field %s: requiredWhen needs a coded field", f.Name)
			}
			for _, c := range f.RequiredWhen.In {
				if _, ok := other.CodeList.Index(c); !ok {
					return fmt.Errorf("field %s: requiredWhen code %q is not in %s", f.Name, c, other.CodeList.Name)
				}
			}
		}
		if f.Group != "" && !slices.ContainsFunc(k.Groups, func(g Group) bool { return g.Name == f.Group }) {
			return fmt.Errorf("field %s names unknown group %q", f.Name, f.Group)
		}
	}
	return nil
}
