package standard

import (
	"fmt"
	"io/fs"
)

// CodeList is a list of codes with their labels and aliases.
type CodeList struct {
	Name    string
	Title   string
	Entries []CodeEntry

	exact map[string]int // the codes as written
	byLen [][]int        // entry indexes by the length of their code: the hot path
	loose map[string]int // codes, labels and aliases, normalised by FoldCode
}

// CodeEntry is one code with what the standard says about it.
type CodeEntry struct {
	Code          string   `json:"code"`
	Label         string   `json:"label"`
	Aliases       []string `json:"aliases,omitempty"`
	InWork        bool     `json:"inWork,omitempty"`
	Hard          bool     `json:"hard,omitempty"`
	Work          bool     `json:"work,omitempty"`
	Weeks         *int     `json:"weeks,omitempty"`
	ReferralGroup string   `json:"referralGroup,omitempty"`
}

// Codes returns the codes in the standard's order.
func (c *CodeList) Codes() []string {
	out := make([]string, len(c.Entries))
	for i, e := range c.Entries {
		out[i] = e.Code
	}
	return out
}

// Index returns the position of an exact code.
func (c *CodeList) Index(code string) (int, bool) {
	i, ok := c.exact[code]
	return i, ok
}

// Lookup finds the entry a cell names, by code, label or alias, ignoring
// case, surrounding spaces and the difference between spaces, hyphens and
// underscores. It does not allocate, because it runs for every coded cell.
func (c *CodeList) Lookup(cell []byte) (int, bool) {
	if len(cell) < len(c.byLen) {
		for _, i := range c.byLen[len(cell)] {
			if string(cell) == c.Entries[i].Code {
				return i, true
			}
		}
	}
	var buf [96]byte
	key, ok := foldCode(buf[:0], cell)
	if !ok {
		return 0, false
	}
	i, ok := c.loose[string(key)]
	return i, ok
}

// FoldCode returns the form in which codes, labels and aliases are compared.
func FoldCode(s string) string {
	out, _ := foldCode(nil, []byte(s))
	return string(out)
}

// foldCode lower-cases ASCII letters, turns runs of spaces, hyphens and
// underscores into one space and trims them at both ends. ok is false when the
// result would not fit in dst's capacity and dst was given with a capacity.
func foldCode(dst, s []byte) ([]byte, bool) {
	limit := cap(dst)
	sep := false
	for _, ch := range s {
		switch {
		case ch == ' ' || ch == '_' || ch == '-' || ch == '\t':
			sep = len(dst) > 0
			continue
		case ch >= 'A' && ch <= 'Z':
			ch += 'a' - 'A'
		}
		if sep {
			dst = append(dst, ' ')
			sep = false
		}
		dst = append(dst, ch)
		if limit > 0 && len(dst) > limit-1 {
			return dst, false
		}
	}
	return dst, true
}

func loadCodeLists(fsys fs.FS) (map[string]*CodeList, error) {
	var raw struct {
		Version     int    `json:"version"`
		Description string `json:"description"`
		CodeLists   map[string]struct {
			Title string      `json:"title"`
			Codes []CodeEntry `json:"codes"`
		} `json:"codelists"`
	}
	if err := readJSON(fsys, "codelists.json", &raw); err != nil {
		return nil, err
	}
	lists := map[string]*CodeList{}
	for name, r := range raw.CodeLists {
		c := &CodeList{Name: name, Title: r.Title, Entries: r.Codes, exact: map[string]int{}, loose: map[string]int{}}
		for i, e := range r.Codes {
			if e.Code == "" || e.Label == "" {
				return nil, fmt.Errorf("load codelists.json: %s entry %d needs a code and a label", name, i+1)
			}
			c.exact[e.Code] = i
			for len(c.byLen) <= len(e.Code) {
				c.byLen = append(c.byLen, nil)
			}
			c.byLen[len(e.Code)] = append(c.byLen[len(e.Code)], i)
			for _, s := range append([]string{e.Code, e.Label}, e.Aliases...) {
				k := FoldCode(s)
				if j, dup := c.loose[k]; dup && j != i {
					return nil, fmt.Errorf("load codelists.json: %s: %q stands for both %s and %s", name, s, r.Codes[j].Code, e.Code)
				}
				c.loose[k] = i
			}
		}
		lists[name] = c
	}
	return lists, nil
}
