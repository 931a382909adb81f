// Package standard is the consortium data standard as code: it loads the
// versioned files in schemas/ into typed rules that validation, templates and
// the data dictionary all read, so that no rule lives as a literal in Go code.
package standard

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/schemas"
)

// Standard is one version of the data standard.
type Standard struct {
	Version     int
	Title       string
	Description string
	Kinds       []*Kind
	CodeLists   map[string]*CodeList

	OrgCode         *regexp.Regexp
	OrgCodeRule     string
	PeriodPattern   string
	PeriodRule      string
	OrgColumn       Column
	MissingValues   []string
	DateFormats     []string
	DateRule        string
	EarliestDate    pipeline.Days
	Money           MoneyRule
	FormulaPrefixes []string
	// PersonalHeadings are the forms of heading that name personal data,
	// each as lower-case words (see LooksPersonal).
	PersonalHeadings []string
	PersonalRule     string
	// Invisible are the characters trimmed, with spaces, from both ends of
	// every cell and heading before any rule; InvisibleRule says so in words.
	Invisible     []Invisible
	InvisibleRule string
	AgeBands      []Band
	HoursBands    []Band
	SWEMWBS       Conversion
	Pseudonym     Pseudonym
	Issues        []IssueCode

	issues   map[string]IssueCode
	personal map[string]bool // PersonalHeadings with their spaces removed
}

// Invisible is a character that does not show on screen.
type Invisible struct {
	Rune rune
	Name string // "no-break space"
}

// Describe names the character for a message: "a no-break space (U+00A0)".
func (c Invisible) Describe() string {
	article := "a"
	if strings.ContainsRune("aeiou", rune(c.Name[0])) {
		article = "an"
	}
	return fmt.Sprintf("%s %s (U+%04X)", article, c.Name, c.Rune)
}

// Column is a column that is not a field of any kind, such as org.
type Column struct {
	Name, Title, Description string
}

// MoneyRule says how money is written.
type MoneyRule struct {
	Currency    string `json:"currency"`
	Symbol      string `json:"symbol"`
	GroupChar   string `json:"groupChar"`
	MaxDecimals int    `json:"maxDecimals"`
	// Zero lists the ways of writing nothing that mean £0.00 (Excel's
	// Accounting format shows zero as "£ -"); spaces in them match any
	// spaces, or none.
	Zero        []string `json:"zero,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Band is one band of a banded number (age, caring hours).
type Band struct {
	Band  string `json:"band"`
	Min   int    `json:"min"`
	Max   int    `json:"max"`
	Label string `json:"label,omitempty"`
}

// Conversion is the SWEMWBS raw-to-metric score table.
type Conversion struct {
	Source string    `json:"source"`
	Raw    []int     `json:"raw"`
	Metric []float64 `json:"metric"`
}

// Pseudonym describes how client_ref becomes carer_id.
type Pseudonym struct {
	Field string `json:"field"`
	From  string `json:"from"`
	Rule  string `json:"rule"`
}

// Severity tells an error, which rejects, from a warning, which only informs.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// IssueCode is one of the standard's error or warning codes.
type IssueCode struct {
	Code     string   `json:"code"`
	Level    string   `json:"level"`
	Severity Severity `json:"severity"`
	Meaning  string   `json:"meaning"`
}

// Issue returns the code's definition; ok is false for a code the standard
// does not define.
func (s *Standard) Issue(code string) (IssueCode, bool) {
	c, ok := s.issues[code]
	return c, ok
}

// Kind returns the kind with the given name, or nil.
func (s *Standard) Kind(name string) *Kind {
	for _, k := range s.Kinds {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// ValidOrg reports whether code is an organisation code.
func (s *Standard) ValidOrg(code string) error {
	if !s.OrgCode.MatchString(code) {
		return pipeline.Errorf(pipeline.Invalid, "organisation code %q: %s", code, s.OrgCodeRule)
	}
	return nil
}

// Load reads one version of the standard from its files (see package schemas).
func Load(fsys fs.FS) (*Standard, error) {
	var raw struct {
		Version     int      `json:"version"`
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Kinds       []string `json:"kinds"`
		OrgCode     struct {
			Pattern     string `json:"pattern"`
			Description string `json:"description"`
		} `json:"orgCode"`
		Period struct {
			Pattern     string `json:"pattern"`
			Description string `json:"description"`
		} `json:"period"`
		OrgColumn     Column   `json:"orgColumn"`
		MissingValues []string `json:"missingValues"`
		Dates         struct {
			Formats     []string `json:"formats"`
			Earliest    string   `json:"earliest"`
			Description string   `json:"description"`
		} `json:"dates"`
		Money           MoneyRule `json:"money"`
		FormulaPrefixes []string  `json:"formulaPrefixes"`
		Invisible       struct {
			Characters []struct {
				CodePoint string `json:"codePoint"`
				Name      string `json:"name"`
			} `json:"characters"`
			Description string `json:"description"`
		} `json:"invisibleCharacters"`
		Personal struct {
			// Version 1 listed single words and phrases; from version 2
			// both are headings, matched in the same way.
			Words       []string `json:"words"`
			Phrases     []string `json:"phrases"`
			Headings    []string `json:"headings"`
			Description string   `json:"description"`
		} `json:"personalDataColumns"`
		AgeBands   []Band      `json:"ageBands"`
		HoursBands []Band      `json:"caringHoursBands"`
		SWEMWBS    Conversion  `json:"swemwbsConversion"`
		Pseudonym  Pseudonym   `json:"pseudonym"`
		Issues     []IssueCode `json:"issues"`
	}
	if err := readJSON(fsys, "standard.json", &raw); err != nil {
		return nil, err
	}
	s := &Standard{
		Version: raw.Version, Title: raw.Title, Description: raw.Description,
		OrgCodeRule: raw.OrgCode.Description, PeriodPattern: raw.Period.Pattern, PeriodRule: raw.Period.Description,
		OrgColumn: raw.OrgColumn, MissingValues: raw.MissingValues,
		DateFormats: raw.Dates.Formats, DateRule: raw.Dates.Description,
		Money: raw.Money, FormulaPrefixes: raw.FormulaPrefixes,
		PersonalHeadings: slices.Concat(raw.Personal.Words, raw.Personal.Phrases, raw.Personal.Headings), PersonalRule: raw.Personal.Description,
		InvisibleRule: raw.Invisible.Description, personal: map[string]bool{},
		AgeBands: raw.AgeBands, HoursBands: raw.HoursBands, SWEMWBS: raw.SWEMWBS, Pseudonym: raw.Pseudonym,
		Issues: raw.Issues, issues: map[string]IssueCode{},
	}
	var err error
	if s.OrgCode, err = regexp.Compile(raw.OrgCode.Pattern); err != nil {
		return nil, fmt.Errorf("load standard.json: orgCode: %w", err)
	}
	earliest, ok := parseISO(raw.Dates.Earliest)
	if !ok {
		return nil, fmt.Errorf("load standard.json: dates.earliest %q is not YYYY-MM-DD", raw.Dates.Earliest)
	}
	s.EarliestDate = earliest
	for _, c := range raw.Invisible.Characters {
		var r rune
		if n, _ := fmt.Sscanf(c.CodePoint, "U+%X", &r); n != 1 || r < 0x80 || c.Name == "" {
			return nil, fmt.Errorf("load standard.json: invisible character %q %q: want U+XXXX, beyond ASCII, with a name", c.CodePoint, c.Name)
		}
		s.Invisible = append(s.Invisible, Invisible{Rune: r, Name: c.Name})
	}
	for _, h := range s.PersonalHeadings {
		s.personal[strings.Join(headingWords(h), "")] = true
	}
	if len(s.SWEMWBS.Raw) != len(s.SWEMWBS.Metric) {
		return nil, fmt.Errorf("load standard.json: swemwbsConversion has %d raw scores and %d metric scores", len(s.SWEMWBS.Raw), len(s.SWEMWBS.Metric))
	}
	for _, c := range s.Issues {
		if c.Severity != Error && c.Severity != Warning {
			return nil, fmt.Errorf("load standard.json: issue %s has severity %q", c.Code, c.Severity)
		}
		s.issues[c.Code] = c
	}

	if s.CodeLists, err = loadCodeLists(fsys); err != nil {
		return nil, err
	}
	for _, name := range raw.Kinds {
		k, err := loadKind(fsys, s, name)
		if err != nil {
			return nil, err
		}
		s.Kinds = append(s.Kinds, k)
	}
	return s, nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("load %s: %w", name, err)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("load %s: %w", name, err)
	}
	return nil
}

func parseISO(s string) (pipeline.Days, bool) {
	var y, m, d int
	if n, _ := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d); n != 3 || m < 1 || m > 12 || d < 1 || d > pipeline.DaysIn(y, m) {
		return 0, false
	}
	return pipeline.CivilDays(y, m, d), true
}

// NormaliseHeader reduces a column heading to the form in which headings are
// compared: lower case, without spaces, underscores or punctuation, so that
// "Client ref", "client_ref" and "CLIENT-REF" are one column.
func NormaliseHeader(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 127 && isLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isLetter(r rune) bool { return strings.ToLower(string(r)) != strings.ToUpper(string(r)) }

// HeaderWords splits a heading into lower-case words, for the personal-data
// check that looks for words such as "name" inside longer headings.
func HeaderWords(h string) []string {
	var words []string
	var cur strings.Builder
	prevLower := false
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range h {
		switch {
		case r >= 'A' && r <= 'Z':
			if prevLower {
				flush()
			}
			cur.WriteRune(r + 'a' - 'A')
			prevLower = false
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			cur.WriteRune(r)
			prevLower = true
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return words
}

// LooksPersonal reports whether a heading that matches no field names
// personal data: whether any run of its words, written together, is one of
// the standard's personal headings written together. Words are split at
// spaces, punctuation and changes from lower to upper case, and lose the
// digits at their end, so that "Phone1", "Address 1", "e-mail address",
// "NI number", "MailingStreet" and "Carer's surname" are all found, while
// "hotel" is not "tel" and "Number of sessions" is nothing personal.
func (s *Standard) LooksPersonal(heading string) bool {
	words := headingWords(heading)
	for i := range words {
		run := ""
		for _, w := range words[i:] {
			if run += w; s.personal[run] {
				return true
			}
		}
	}
	return false
}

// headingWords is HeaderWords without the digits at the end of each word,
// and without words that were only digits.
func headingWords(h string) []string {
	var out []string
	for _, w := range HeaderWords(h) {
		if w = strings.TrimRight(w, "0123456789"); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Latest loads the newest published version of the standard, as embedded in
// the binary by package schemas.
func Latest() (*Standard, error) {
	fsys, err := schemas.Version(schemas.Latest)
	if err != nil {
		return nil, err
	}
	return Load(fsys)
}
