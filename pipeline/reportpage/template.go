package reportpage

import (
	"html/template"
	"strings"
)

const pageCSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#fff;color:#1b1b1b;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.page{max-width:75rem;margin:0 auto;padding:1.5rem 1rem 3rem}
header{border-bottom:4px solid #1d4f91;padding-bottom:1rem;margin-bottom:1.5rem}
.eyebrow{margin:0;color:#4a4a4a}
h1{font-size:1.8rem;line-height:1.25;margin:.25rem 0 1rem}
h2{font-size:1.45rem;line-height:1.3;margin:2.5rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid #c4c4c4}
p{margin:.5rem 0}
a{color:#1d4f91}
a:focus,.scroll:focus{outline:3px solid #f2a900;outline-offset:2px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1.25rem;margin:0}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0;overflow-wrap:anywhere}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em}
.muted{color:#595959}
.sup{color:#595959;font-style:italic;white-space:normal}
nav ol{margin:.25rem 0;padding-left:1.5rem}
.scroll{overflow-x:auto;margin:.5rem 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:0 0 .4rem}
th,td{border:1px solid #c9c9c9;padding:.35rem .6rem;text-align:left;vertical-align:top}
thead th{background:#e8eef6}
tbody th{font-weight:600}
tbody tr:nth-child(even){background:#f7f7f7}
.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
figure{margin:1rem 0 1.5rem}
figure svg{display:block;width:100%;max-width:56rem;height:auto}
figcaption{font-weight:600;margin:0 0 .4rem}
dl.methods dt{font-weight:600;margin-top:.6rem}
dl.methods dd{margin:0 0 0 1rem}
.note{color:#333}
footer{margin-top:3rem;border-top:1px solid #c4c4c4;font-size:.95rem}
@media (max-width:40rem){
.page{padding:1rem .75rem 2rem}
h1{font-size:1.45rem}
dl.meta{grid-template-columns:1fr}
}
@media print{
@page{size:A4;margin:15mm}
body{font-size:10pt}
.page{max-width:none;padding:0}
nav{display:none}
.scroll{overflow:visible}
table{font-size:9pt}
thead{display:table-header-group}
tr,figure,dl.meta{break-inside:avoid;page-break-inside:avoid}
h2{break-after:avoid;page-break-after:avoid}
section{break-before:auto}
figure svg{max-width:100%}
a{color:inherit;text-decoration:none}
thead th,tbody tr,svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}
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
{{- else if .QualText}}
<p>{{.QualText}}</p>
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
