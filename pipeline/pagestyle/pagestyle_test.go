package pagestyle_test

import (
	"html/template"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/pagestyle"
)

func TestBase_Holds(t *testing.T) {
	// Printing is how many readers keep these pages, so the base must lay
	// tables out for paper without each page remembering to.
	for _, tc := range []struct {
		name, want string
	}{
		{"print block", "@media print{"},
		{"narrow screens", "@media (max-width:40rem){"},
		{"table header on every printed page", "thead{display:table-header-group}"},
		{"rows kept whole on paper", "break-inside:avoid"},
		{"headings kept with what follows", "break-after:avoid"},
		{"header colours printed", "print-color-adjust:exact"},
		{"links printed as text", "a{color:inherit;text-decoration:none}"},
		{"table captions", "caption{"},
		{"numeric columns", ".n{text-align:right;font-variant-numeric:tabular-nums}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(pagestyle.Base, tc.want) {
				t.Errorf("Base lacks %q", tc.want)
			}
		})
	}
}

func TestBase_SelfContained(t *testing.T) {
	// A page using Base promises to make no request, and splices Base into
	// its template text, so Base must neither fetch anything nor hold
	// anything that ends the <style> element or reads as a template action.
	for _, tc := range []struct {
		name, bad string
	}{
		{"no url()", "url("},
		{"no @import", "@import"},
		{"no web font", "@font-face"},
		{"no http address", "http:"},
		{"no https address", "https:"},
		{"no end of the style element", "</"},
		{"no template action", "{{"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(strings.ToLower(pagestyle.Base), tc.bad) {
				t.Errorf("Base holds %q", tc.bad)
			}
		})
	}
	t.Run("braces balance", func(t *testing.T) {
		depth := 0
		for i, c := range pagestyle.Base {
			switch c {
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth < 0 {
				t.Fatalf("a } with no { at byte %d", i)
			}
		}
		if depth != 0 {
			t.Errorf("%d blocks left open", depth)
		}
	})
}

func TestBase_HTMLTemplate(t *testing.T) {
	// The pages splice Base into template text inside <style>; html/template
	// must accept it there and write it out unchanged, in both the ways a
	// page could include it.
	for _, tc := range []struct {
		name, text string
		data       any
	}{
		{"spliced into the template text", "<style>" + pagestyle.Base + "</style>", nil},
		{"passed as template.CSS", "<style>{{.}}</style>", template.CSS(pagestyle.Base)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := template.New("page").Parse(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := tmpl.Execute(&b, tc.data); err != nil {
				t.Fatal(err)
			}
			if want := "<style>" + pagestyle.Base + "</style>"; b.String() != want {
				t.Errorf("the style element came out as\n%s\nwant\n%s", b.String(), want)
			}
		})
	}
}
