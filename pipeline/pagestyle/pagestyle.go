// Package pagestyle holds the stylesheet that the project's self-contained
// HTML pages share: the uploader's validation report (validate) and the
// quarterly outcomes report (reportpage). The pages must make no request of
// any kind, so they cannot link one stylesheet file; without this package
// each page carried its own copy of the same typography, table and print
// rules, and the copies drifted. Each page splices Base into its inline
// <style> ahead of the few rules only it needs.
package pagestyle

// Base is the CSS both pages share: colours, typography, the page header and
// its facts list, tables with their captions and numeric columns, the footer,
// the narrow-screen layout and the print layout.
//
// It is plain template text, not a value to escape: a page splices it into
// its template inside <style> before parsing, so it must stay free of
// template actions and of anything html/template would refuse there. It names
// no font file, image or other stylesheet (no url(), no @import), because a
// page that uses it makes no request.
//
// Pages add their own rules after it, so a page's rule wins over a base rule
// of the same specificity; a base rule is here only when every page wants it
// as it is.
const Base = `
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
.scroll{overflow-x:auto;margin:.5rem 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:0 0 .4rem}
th,td{border:1px solid #c9c9c9;padding:.35rem .6rem;text-align:left;vertical-align:top}
thead th{background:#e8eef6}
tbody th{font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums}
footer{margin-top:3rem;border-top:1px solid #c4c4c4;font-size:.95rem}
@media (max-width:40rem){
.page{padding:1rem .75rem 2rem}
h1{font-size:1.45rem}
dl.meta{grid-template-columns:1fr}
}
@media print{
body{font-size:10pt}
.page{max-width:none;padding:0}
.scroll{overflow:visible}
table{font-size:9pt}
thead{display:table-header-group}
tr,dl.meta{break-inside:avoid;page-break-inside:avoid}
h2{break-after:avoid;page-break-after:avoid}
a{color:inherit;text-decoration:none}
thead th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`
