package stacks

import (
	"fmt"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
)

// catalogTables are pipeline/catalog's tables, located in the curated
// bucket (the lake fills it: no prefix), and its views as the CREATE
// statements `outcomes ddl` prints, in creation order.
func catalogTables(cfg Config, data *Data) ([]Table, []View, error) {
	gen, err := catalog.Tables(cfg.Standard, cfg.Consortium, *data.Curated.BucketName(), "")
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	columns := func(in []catalog.Column) []Column {
		out := make([]Column, len(in))
		for i, c := range in {
			out[i] = Column{Name: c.Name, Type: c.Type, Comment: c.Comment}
		}
		return out
	}
	tables := make([]Table, len(gen))
	for i := range gen {
		t := &gen[i]
		tables[i] = Table{
			Name: t.Name, Comment: t.Comment, Columns: columns(t.Columns), PartitionKeys: columns(t.PartitionKeys),
			Location: t.Location, Path: t.Path, SerDe: t.SerDe(), InputFormat: t.InputFormat(), OutputFormat: t.OutputFormat(),
			Parameters: t.Parameters,
		}
	}
	vs, err := catalog.Views(cfg.Standard)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	views := make([]View, len(vs))
	for i, v := range vs {
		var b strings.Builder
		if err := catalog.WriteDDL(&b, DatabaseName(cfg), nil, []catalog.View{v}); err != nil {
			return nil, nil, err
		}
		views[i] = View{Name: v.Name, SQL: strings.TrimSpace(b.String())}
	}
	return tables, views, nil
}
