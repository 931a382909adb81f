package validate

// collector gathers a table's issues into groups by severity, column and
// code, keeping the first MaxExamples of each and counting the rest, so that
// the memory a table's report takes is bounded whatever the file holds.
type collector struct {
	groups []IssueGroup
	index  map[groupKey]int
	errors []Issue
	warns  []Issue
	// perSeverity counts the groups of errors and of warnings: each has
	// its own MaxGroups, so that a header of unknown columns cannot crowd
	// out the columns of the errors.
	perSeverity [2]int
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

type groupKey struct{ severity, column, code string }

// add records an issue; warning tells a warning from an error.
func (c *collector) add(warning bool, is Issue) {
	k := key(warning, is.Column, is.Code)
	if c.index == nil {
		c.index = map[groupKey]int{}
	}
	i, ok := c.index[k]
	if !ok && c.perSeverity[boolIndex(warning)] >= MaxGroups {
		k.column = OtherColumns
		i, ok = c.index[k]
	}
	if !ok {
		i = len(c.groups)
		c.index[k] = i
		field := is.Field
		if k.column == OtherColumns {
			field = ""
		}
		c.perSeverity[boolIndex(warning)]++
		c.groups = append(c.groups, IssueGroup{Severity: k.severity, Column: k.column, Field: field, Code: is.Code, Rows: []int{}})
	}
	g := &c.groups[i]
	g.Count++
	if len(g.Rows) >= MaxExamples {
		return
	}
	g.Rows = append(g.Rows, is.Row)
	if warning {
		c.warns = append(c.warns, is)
	} else {
		c.errors = append(c.errors, is)
	}
}

// full reports whether an issue of this kind would only be counted, so that
// a caller can count it without building its message.
func (c *collector) full(warning bool, column, code string) bool {
	i, ok := c.index[key(warning, column, code)]
	return ok && len(c.groups[i].Rows) >= MaxExamples
}

// count counts one more issue of a full group.
func (c *collector) count(warning bool, column, code string) {
	c.groups[c.index[key(warning, column, code)]].Count++
}

func key(warning bool, column, code string) groupKey {
	if warning {
		return groupKey{"warning", column, code}
	}
	return groupKey{"error", column, code}
}

// reset forgets every issue, for a table rejected whole by a later row.
func (c *collector) reset() { *c = collector{} }

// fill writes the issues into the table's report.
func (c *collector) fill(t *TableReport) {
	t.Errors, t.Warnings, t.Groups = c.errors, c.warns, c.groups
	if t.Errors == nil {
		t.Errors = []Issue{}
	}
	if t.Warnings == nil {
		t.Warnings = []Issue{}
	}
	if t.Groups == nil {
		t.Groups = []IssueGroup{}
	}
}
