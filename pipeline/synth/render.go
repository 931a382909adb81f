package synth

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// renderer writes generated values the way one organisation writes them.
// Its random stream (for the odd N/A, the trailing rows) is its own, so the
// way a file is written never changes what it says.
type renderer struct {
	s      *schema
	o      *orgProfile
	h      *habits
	r      *rand.Rand
	tokens []string // missing-value tokens that cannot be mistaken for formulas
	dates  map[pipeline.Days]string
	ints   [1000]string
	buf    []byte
}

func newRenderer(s *schema, o *orgProfile, r *rand.Rand) *renderer {
	rd := &renderer{s: s, o: o, h: &o.h, r: r, dates: map[pipeline.Days]string{}}
	for _, t := range s.std.MissingValues {
		if t != "" && !strings.ContainsAny(t[:1], strings.Join(s.std.FormulaPrefixes, "")) {
			rd.tokens = append(rd.tokens, t)
		}
	}
	for i := range rd.ints {
		rd.ints[i] = strconv.Itoa(i)
	}
	return rd
}

// orgCol stands for the org column in a layout.
const orgCol = -1

// layout is the order of the organisation's columns for a kind: field
// positions, and orgCol for the org column if it sends one. Fields the
// organisation does not collect are left out; required ones never are.
func (rd *renderer) layout(kind int) []int {
	k := rd.s.kinds[kind]
	var cols []int
	if rd.h.orgColumn {
		cols = append(cols, orgCol)
	}
	for _, f := range k.Fields {
		if !f.Required && f.RequiredWhen == nil && contains(rd.h.omit, f.Name) {
			continue
		}
		cols = append(cols, f.Index)
	}
	if rd.h.shuffle && len(cols) > 2 {
		// The organisation's own order, the same every quarter: the first
		// column stays, the rest are rotated and the tail reversed.
		rest := cols[1:]
		n := len(rest)
		rot := append(append([]int{}, rest[n/3:]...), rest[:n/3]...)
		for i, j := n/2, n-1; i < j; i, j = i+1, j-1 {
			rot[i], rot[j] = rot[j], rot[i]
		}
		copy(rest, rot)
	}
	return cols
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// header is the header row: names or human titles.
func (rd *renderer) header(kind int, cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		switch {
		case c == orgCol && rd.h.titles:
			out[i] = rd.s.std.OrgColumn.Title
		case c == orgCol:
			out[i] = rd.s.std.OrgColumn.Name
		case rd.h.titles:
			out[i] = rd.s.kinds[kind].Fields[c].Title
		default:
			out[i] = rd.s.kinds[kind].Fields[c].Name
		}
	}
	return out
}

// missing is how the organisation leaves a cell without a value.
func (rd *renderer) missing() string {
	if rd.h.missingTokens && len(rd.tokens) > 0 && rd.r.Float64() < 0.3 {
		return rd.tokens[rd.r.IntN(len(rd.tokens))]
	}
	return ""
}

// code is a code as the organisation writes it: the code, in lower case,
// its label, or an alias of it.
func (rd *renderer) code(f *standard.Field, c string) string {
	switch {
	case rd.h.labels && f.CodeList != nil:
		i, ok := f.CodeList.Index(c)
		if !ok {
			return c
		}
		e := f.CodeList.Entries[i]
		if rd.h.aliases && len(e.Aliases) > 0 {
			return e.Aliases[len(e.Aliases)/2]
		}
		return e.Label
	case rd.h.lowerCodes:
		return strings.ToLower(c)
	}
	return c
}

// date is a date written as text.
func (rd *renderer) date(d pipeline.Days) string {
	if s, ok := rd.dates[d]; ok {
		return s
	}
	if rd.h.dayFirst {
		rd.buf = appendDMY(rd.buf[:0], d)
	} else {
		rd.buf = appendISO(rd.buf[:0], d)
	}
	s := string(rd.buf)
	rd.dates[d] = s
	return s
}

func (rd *renderer) integer(n int64) string {
	if n >= 0 && n < int64(len(rd.ints)) {
		return rd.ints[n]
	}
	return strconv.FormatInt(n, 10)
}

// money writes pence as pounds: 1234.50, or £1,234.50.
func (rd *renderer) money(pence int64) string {
	b := rd.buf[:0]
	pounds := strconv.FormatInt(pence/100, 10)
	if rd.h.poundMoney {
		b = append(b, rd.s.std.Money.Symbol...)
		for i := range len(pounds) {
			if i > 0 && (len(pounds)-i)%3 == 0 {
				b = append(b, rd.s.std.Money.GroupChar...)
			}
			b = append(b, pounds[i])
		}
	} else {
		b = append(b, pounds...)
	}
	p := pence % 100
	b = append(b, '.', byte('0'+p/10), byte('0'+p%10))
	rd.buf = b
	return string(b)
}

// text is a value as text, for CSV files and text cells.
func (rd *renderer) text(f *standard.Field, v value) string {
	switch v.k {
	case vText:
		return v.s
	case vCode:
		return rd.code(f, v.s)
	case vDate:
		return rd.date(v.d)
	case vInt:
		return rd.integer(v.n)
	case vNum:
		return strconv.FormatFloat(v.f, 'f', -1, 64)
	case vMoney:
		return rd.money(v.n)
	}
	return rd.missing()
}

// cells renders a table row as text in layout order into out.
func (rd *renderer) cells(kind int, cols []int, row []value, out []string) []string {
	out = out[:0]
	for _, c := range cols {
		if c == orgCol {
			out = append(out, rd.o.Code)
			continue
		}
		out = append(out, rd.text(rd.s.kinds[kind].Fields[c], row[c]))
	}
	return out
}
