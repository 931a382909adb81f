package reportpage

import (
	"html/template"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/pagestyle"
)

// pageCSS is the shared base and then what only this page needs: the
// contents list, striped tables, suppressed cells, charts and methods.
const pageCSS = pagestyle.Base + `
.sup{color:#595959;font-style:italic;white-space:normal}
nav ol{margin:.25rem 0;padding-left:1.5rem}
tbody tr:nth-child(even){background:#f7f7f7}
td.n{white-space:nowrap}
figure{margin:1rem 0 1.5rem}
figure svg{display:block;width:100%;max-width:56rem;height:auto}
figcaption{font-weight:600;margin:0 0 .4rem}
dl.methods dt{font-weight:600;margin-top:.6rem}
dl.methods dd{margin:0 0 0 1rem}
.note{color:#333}
@media print{
@page{size:A4;margin:15mm}
nav{display:none}
figure{break-inside:avoid;page-break-inside:avoid}
section{break-before:auto}
figure svg{max-width:100%}
tbody tr,svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`

const pageHTML = `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>/*css*/</style>
</head>
<body>
<div class="page">
<header>
<p class="eyebrow">Carer employment support: quarterly outcomes report</p>
<h1>{{.Title}}</h1>
<dl class="meta">
<dt>Covers</dt><dd>{{.Scope}}</dd>
<dt>Quarter</dt><dd>{{.Period}}</dd>
{{- with .Orgs}}
<dt>Organisations</dt><dd>{{.}}</dd>
{{- end}}
{{- with .Generated}}
<dt>Produced</dt><dd><time datetime="{{$.GenISO}}">{{.}}</time></dd>
{{- end}}
</dl>
<nav aria-label="Contents">
<ol>
{{- range .Sections}}
<li><a href="#{{.ID}}">{{.Title}}</a></li>
{{- end}}
{{- if .Methods}}
<li><a href="#methods">Methods</a></li>
{{- end}}
<li><a href="#data-quality">Data quality</a></li>
</ol>
</nav>
</header>
<main>
{{- range .Sections}}
<section id="{{.ID}}" aria-labelledby="{{.ID}}-h">
<h2 id="{{.ID}}-h">{{.Title}}</h2>
{{- range .Intro}}
<p>{{.}}</p>
{{- end}}
{{- range .Charts}}
<figure>
<figcaption id="{{.ID}}-cap">{{.Caption}}</figcaption>
{{.SVG}}
</figure>
{{- end}}
{{- range .Tables}}
{{template "table" .}}
{{- end}}
{{- range .Notes}}
<p class="note">{{.}}</p>
{{- end}}
</section>
{{- end}}
{{- if .Methods}}
<section id="methods" aria-labelledby="methods-h">
<h2 id="methods-h">Methods</h2>
<dl class="methods">
{{- range .Methods}}
<dt><code>{{.ID}}</code></dt><dd>{{.Definition}}</dd>
{{- end}}
</dl>
</section>
{{- end}}
<section id="data-quality" aria-labelledby="data-quality-h">
<h2 id="data-quality-h">Data quality</h2>
{{- if .Quality}}
{{template "table" .Quality}}
{{- range .QualParts}}
{{- range .Intro}}
<p>{{.}}</p>
{{- end}}
{{template "table" .Table}}
{{- end}}
{{- else}}
<p>No data-quality summary was supplied with this report.</p>
{{- end}}
</section>
</main>
<footer>
<h2 id="about">About this report</h2>
<p>Rates are shown as percentages with their 95% interval in brackets. Figures about few carers are shown as “suppressed (small numbers)” so that no one can be recognised. A figure that could not be computed is not shown. The figures are also in figures.json, and every table is in a CSV file named after its section.</p>
</footer>
</div>
</body>
</html>
{{define "table" -}}
<div class="scroll" role="region" aria-labelledby="{{.ID}}-cap" tabindex="0">
<table id="{{.ID}}-table">
<caption id="{{.ID}}-cap">{{.Caption}}</caption>
<thead><tr>
{{- range $i, $h := .Head}}<th scope="col"{{if and (gt $i 0) (num $.Num (sub $i))}} class="n"{{end}}>{{$h}}</th>{{end -}}
</tr></thead>
<tbody>
{{- range .Rows}}
<tr><th scope="row">{{.Head}}</th>
{{- range $j, $c := .Cells}}<td{{if $c.Suppressed}} class="sup"{{else if num $.Num $j}} class="n"{{end}}>{{$c.Text}}</td>{{end -}}
</tr>
{{- end}}
</tbody>
</table>
</div>
{{- end}}`

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"sub": func(i int) int { return i - 1 },
	"num": func(n []bool, j int) bool { return j < len(n) && n[j] },
}).Parse(strings.Replace(pageHTML, "/*css*/", pageCSS, 1)))
