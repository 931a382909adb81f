package reportpage

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strconv"

	"github.com/go-analyze/charts"
)

const (
	chartWidth  = 900
	chartHeight = 420
)

// barChart draws a bar chart as inline SVG: one bar per label and series
// (stacked when stack is set), series named in the legend. unit "%" or "£"
// formats the value axis. colours (hex) override the theme's series colours.
func barChart(id string, labels, names []string, series [][]float64, stack bool, unit string, colours []string, axisTitle string) (template.HTML, error) {
	sl := make(charts.BarSeriesList, len(series))
	cn := make([]string, len(series))
	for i, vs := range series {
		cn[i] = clean(names[i])
		sl[i] = charts.BarSeries{Values: vs, Name: cn[i]}
	}
	opt := charts.NewBarChartOptionWithSeries(sl)
	theme := charts.GetDefaultTheme()
	if len(colours) > 0 {
		cs := make([]charts.Color, len(colours))
		for i, c := range colours {
			cs[i] = charts.ColorFromHex(c)
		}
		theme = theme.WithSeriesColors(cs)
	}
	opt.Theme = theme
	cl := make([]string, len(labels))
	for i, l := range labels {
		cl[i] = clean(l)
	}
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: cl, LabelCount: len(cl)}
	if len(cl) > 5 {
		opt.CategoryAxis.LabelRotation = -0.35
	}
	va := charts.ValueAxisOption{Title: axisTitle}
	min := 0.0
	va.Min = &min
	switch unit {
	case "%":
		max := 100.0
		va.Max = &max
		va.LabelCount = 6
		va.ValueFormatter = func(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) + "%" }
	case "£":
		va.ValueFormatter = func(f float64) string { return money(f) }
	default:
		va.ValueFormatter = func(f float64) string { return num(f) }
	}
	opt.ValueAxis = []charts.ValueAxisOption{va}
	if stack {
		t := true
		opt.StackSeries = &t
	}
	if len(series) > 1 {
		opt.Legend = charts.LegendOption{SeriesNames: cn, Offset: charts.OffsetRight}
	} else {
		opt.Legend = charts.LegendOption{Show: charts.Ptr(false)}
	}
	opt.Padding = charts.NewBox(20, 20, 20, 20)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: chartWidth, Height: chartHeight})
	if err := p.BarChart(opt); err != nil {
		return "", fmt.Errorf("chart %s: %w", id, err)
	}
	b, err := p.Bytes()
	if err != nil {
		return "", fmt.Errorf("chart %s: %w", id, err)
	}
	return inlineSVG(id, b)
}

var (
	svgStart  = regexp.MustCompile(`^\s*<svg\b[^>]*>`)
	namespace = regexp.MustCompile(`\s+xmlns(:\w+)?="[^"]*"`)
	cdata     = regexp.MustCompile(`<!\[CDATA\[[\s\S]*?\]\]>`)
)

// inlineSVG makes the library's SVG fit to stand inside the page: no
// namespace URLs (HTML does not need them), no style sheet, an accessible
// name from the figure's caption, and no external reference of any kind.
func inlineSVG(id string, b []byte) (template.HTML, error) {
	m := svgStart.Find(b)
	if m == nil {
		return "", fmt.Errorf("chart %s: not an SVG", id)
	}
	open := namespace.ReplaceAll(m, nil)
	open = bytes.Replace(open, []byte("<svg"), []byte(`<svg role="img" aria-labelledby="`+id+`-cap" focusable="false"`), 1)
	out := append(open, cdata.ReplaceAll(b[len(m):], nil)...)
	for _, bad := range []string{"http:", "https:", "url(", "@import", "<script", "href", "<style", "<foreignObject"} {
		if bytes.Contains(bytes.ToLower(out), []byte(bad)) {
			return "", fmt.Errorf("chart %s: SVG holds %q", id, bad)
		}
	}
	return template.HTML(out), nil
}
