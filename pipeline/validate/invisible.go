package validate

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
)

// cleaner is the one normalisation every cell and heading goes through
// before any rule: spaces and the standard's invisible characters (no-break
// spaces, zero-width characters, word joiners, byte-order marks) come off
// both ends, in any mix and order. It runs for every cell, so a cell that
// starts and ends with a visible ASCII character costs two comparisons.
type cleaner struct {
	chars []standard.Invisible
}

func newCleaner(std *standard.Standard) *cleaner {
	return &cleaner{chars: std.Invisible}
}

func (c *cleaner) invisible(r rune) bool {
	for _, x := range c.chars {
		if x.Rune == r {
			return true
		}
	}
	return false
}

// trim cleans a cell. A leading tab or CR stays: the formula rule must see
// it (a cell that starts with one is kept as text).
func (c *cleaner) trim(b []byte) []byte {
	for len(b) > 0 {
		if b[0] == ' ' {
			b = b[1:]
			continue
		}
		if b[0] < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRune(b)
		if !c.invisible(r) {
			break
		}
		b = b[n:]
	}
	for len(b) > 0 {
		x := b[len(b)-1]
		if x == ' ' || x == '\t' || x == '\r' || x == '\n' {
			b = b[:len(b)-1]
			continue
		}
		if x < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeLastRune(b)
		if !c.invisible(r) {
			break
		}
		b = b[:len(b)-n]
	}
	return b
}

// heading cleans a heading, which has no formula rule: white space of any
// kind comes off too.
func (c *cleaner) heading(b []byte) string { return string(c.trimAll(b)) }

func (c *cleaner) trimAll(b []byte) []byte {
	for {
		t := c.trim(b)
		for len(t) > 0 && (t[0] == '\t' || t[0] == '\r' || t[0] == '\n') {
			t = t[1:]
		}
		if len(t) == len(b) {
			return t
		}
		b = t
	}
}

// blank reports whether every cell of a row is empty once cleaned.
func (c *cleaner) blank(row tabular.Row) bool {
	if row.Beyond > 0 {
		return false
	}
	for _, cell := range row.Cells {
		if len(c.trimAll(cell)) > 0 {
			return false
		}
	}
	return true
}

// hidden describes the first character inside a (cleaned) value that does
// not show on screen, and the text before it, so that an error can say why
// a value that looks right is not; ok is false when there is none.
func (c *cleaner) hidden(b []byte) (what, before string, ok bool) {
	i := slices.IndexFunc(b, func(x byte) bool { return x >= utf8.RuneSelf || x < ' ' || x == 0x7F })
	if i < 0 {
		return "", "", false
	}
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
		case c.invisible(r):
			for _, x := range c.chars {
				if x.Rune == r {
					return x.Describe(), string(b[:i]), true
				}
			}
		case r == '\t':
			return "a tab (U+0009)", string(b[:i]), true
		case r == '\n' || r == '\r':
			return fmt.Sprintf("a line break (U+%04X)", r), string(b[:i]), true
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Zs, r) && r != ' ':
			return fmt.Sprintf("an invisible character (U+%04X)", r), string(b[:i]), true
		}
		i += max(n, 1)
	}
	return "", "", false
}

// hiddenHint is what an error message gains when its value holds a
// character that does not show.
func (c *cleaner) hiddenHint(raw []byte) string {
	what, before, ok := c.hidden(raw)
	if !ok {
		return ""
	}
	if before == "" {
		return fmt.Sprintf(" (it starts with %s, which does not show on screen: delete it)", what)
	}
	return fmt.Sprintf(" (it has %s after %q, which does not show on screen: delete it)", what, display([]byte(before)))
}
