package synth

import (
	"strconv"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Org is a member organisation of the synthetic consortium.
type Org struct {
	Code string `json:"org"`
	Name string `json:"name"`
	Lead bool   `json:"lead"`
}

// refStyle is how an organisation numbers its carers.
type refStyle int

const (
	refPrefixed refStyle = iota // LCC00123
	refYearly                   // BCW-2025-0123
	refNumeric                  // 100123 (Excel stores it as a number)
	refSlashed                  // NCS/0123
)

// sheetCase is how an organisation capitalises sheet names.
type sheetCase int

const (
	caseTitle sheetCase = iota
	caseUpper
	caseLower
	caseCamel // FollowUps: same name, different case
)

// habits are the ways in which an organisation's files differ from the
// template while staying within the standard: what Excel and people do.
type habits struct {
	xlsx          bool // one workbook, else five CSV files
	xlsxFrom      int  // with xlsx: first window quarter sent as a workbook (earlier ones are CSV)
	titles        bool // human column titles rather than names
	labels        bool // code labels rather than codes (Female, Yes)
	aliases       bool // with labels: an alias where the standard has one (Part-time employed)
	lowerCodes    bool // codes in lower case
	dayFirst      bool // DD/MM/YYYY text dates
	excelDates    bool // xlsx: real dates (numbers with a date format)
	isoDateFormat bool // with excelDates: shown as yyyy-mm-dd rather than dd/mm/yyyy
	poundMoney    bool // £1,234.50
	bom           bool // UTF-8 byte-order mark
	crlf          bool // CRLF line ends
	cp1252        bool // Windows-1252 rather than UTF-8
	trailingRows  bool // empty ,,,, rows after the data
	missingTokens bool // N/A, n/k for some missing values
	orgColumn     bool // an org column holding the organisation's code
	notesSheet    bool // xlsx: an extra Notes sheet
	sheets        sheetCase
	shuffle       bool     // columns in an order of their own
	omit          []string // optional columns the organisation does not collect
}

// orgProfile is an organisation with what makes its carers and files its own.
type orgProfile struct {
	Org
	prefix   string
	refs     refStyle
	areas    []string // postcode districts
	las      []string // ONS local authority codes
	size     int      // mean new carers a quarter
	rural    bool     // more outreach
	diverse  bool     // a more diverse population
	fte      float64  // staff, full-time equivalent
	fundedTo int      // quarters after the window starts that funding is first secured until
	h        habits
}

// catalogue is the consortium. The first organisation is the lead. The first
// six between them show every habit; any more repeat them in other mixes.
// It is a function, not a variable, so that nothing can change it.
func catalogue() []orgProfile {
	return []orgProfile{
		{
			Org: Org{Code: "LEEDS-CC", Name: "Leeds Carers Centre"}, prefix: "LCC", refs: refPrefixed,
			areas: []string{"LS6", "LS7", "LS8", "LS9", "LS11", "LS12", "LS13", "LS14", "LS15", "LS17", "LS28"},
			las:   []string{"E08000035"}, size: 62, fte: 3.5, fundedTo: 5, diverse: true,
			h: habits{},
		},
		{
			Org: Org{Code: "BRISTOL-CW", Name: "Bristol Carers Work"}, prefix: "BCW", refs: refYearly,
			areas: []string{"BS1", "BS2", "BS3", "BS4", "BS5", "BS7", "BS13", "BS14", "BS16"},
			las:   []string{"E06000023"}, size: 48, fte: 2.8, fundedTo: 3, diverse: true,
			h: habits{xlsx: true, titles: true, labels: true, excelDates: true, notesSheet: true, sheets: caseTitle},
		},
		{
			Org: Org{Code: "NORFOLK-CS", Name: "Norfolk Carers Support"}, prefix: "NCS", refs: refSlashed,
			areas: []string{"NR1", "NR2", "NR3", "NR5", "NR14", "NR18", "NR20", "NR27", "PE30", "IP22"},
			las:   []string{"E10000020"}, size: 40, fte: 2.2, fundedTo: 7, rural: true,
			h: habits{bom: true, crlf: true, labels: true, aliases: true, dayFirst: true, poundMoney: true, titles: true, trailingRows: true, orgColumn: true},
		},
		{
			Org: Org{Code: "MCR-CARERS", Name: "Manchester Carers Forum"}, refs: refNumeric,
			areas: []string{"M8", "M9", "M11", "M13", "M14", "M16", "M19", "M20", "M22", "M40"},
			las:   []string{"E08000003"}, size: 70, fte: 4.2, fundedTo: 4, diverse: true,
			h: habits{xlsx: true, dayFirst: true, poundMoney: true, sheets: caseUpper, shuffle: true, missingTokens: true},
		},
		{
			Org: Org{Code: "CORNWALL-CT", Name: "Cornwall Carers Trust"}, prefix: "CCT", refs: refPrefixed,
			areas: []string{"TR1", "TR7", "TR11", "TR14", "TR15", "TR18", "PL12", "PL14", "PL25", "PL31"},
			las:   []string{"E06000052"}, size: 26, fte: 1.6, fundedTo: 2, rural: true,
			h: habits{cp1252: true, crlf: true, dayFirst: true, poundMoney: true, labels: true, titles: true, trailingRows: true, missingTokens: true, omit: []string{"local_authority"}},
		},
		{
			Org: Org{Code: "BHAM-CA", Name: "Birmingham Carers Alliance"}, prefix: "BCA", refs: refYearly,
			areas: []string{"B5", "B6", "B8", "B10", "B11", "B12", "B13", "B20", "B23", "B29", "B44"},
			las:   []string{"E08000025"}, size: 76, fte: 4.8, fundedTo: 6, diverse: true,
			h: habits{xlsx: true, xlsxFrom: 3, lowerCodes: true, excelDates: true, isoDateFormat: true, notesSheet: true, sheets: caseCamel, bom: true, omit: []string{"postcode"}},
		},
		{
			Org: Org{Code: "CARDIFF-CV", Name: "Cardiff and Vale Carers"}, prefix: "CV", refs: refPrefixed,
			areas: []string{"CF3", "CF5", "CF10", "CF11", "CF14", "CF23", "CF24", "CF62", "CF64"},
			las:   []string{"W06000015", "W06000014"}, size: 44, fte: 2.5, fundedTo: 4,
			h: habits{bom: true, shuffle: true, labels: true, titles: true},
		},
		{
			Org: Org{Code: "SHEFF-CC", Name: "Sheffield Carers Centre"}, prefix: "SCC", refs: refSlashed,
			areas: []string{"S2", "S5", "S6", "S8", "S9", "S10", "S11", "S13", "S20", "S35"},
			las:   []string{"E08000019"}, size: 55, fte: 3.1, fundedTo: 5,
			h: habits{xlsx: true, titles: true, dayFirst: true, sheets: caseLower},
		},
		{
			Org: Org{Code: "KENT-CARERS", Name: "Kent Carers Matter"}, prefix: "KCM", refs: refYearly,
			areas: []string{"ME14", "ME15", "CT1", "CT9", "TN23", "TN24", "DA1", "DA11", "CT20"},
			las:   []string{"E10000016"}, size: 66, fte: 3.9, fundedTo: 3, rural: true,
			h: habits{cp1252: true, poundMoney: true, trailingRows: true, orgColumn: true, missingTokens: true},
		},
		{
			Org: Org{Code: "NEWCASTLE-CS", Name: "Newcastle Carers Service"}, prefix: "NEC", refs: refPrefixed,
			areas: []string{"NE1", "NE2", "NE4", "NE5", "NE6", "NE7", "NE15"},
			las:   []string{"E08000021"}, size: 34, fte: 2.0, fundedTo: 6,
			h: habits{xlsx: true, labels: true, aliases: true, excelDates: true, notesSheet: true, sheets: caseUpper, poundMoney: true},
		},
	}
}

// MaxOrgs is how many organisations the synthetic consortium can have.
func MaxOrgs() int { return len(catalogue()) }

// Organisations lists the first n organisations of the synthetic consortium,
// the lead first.
func Organisations(n int) []Org {
	cat := catalogue()
	n = min(max(n, 0), len(cat))
	out := make([]Org, n)
	for i := range out {
		out[i] = cat[i].Org
		out[i].Lead = i == 0
	}
	return out
}

func findOrg(code string) *orgProfile {
	cat := catalogue()
	for i := range cat {
		if cat[i].Code == code {
			return &cat[i]
		}
	}
	return nil
}

// ref is the organisation's reference for its seq'th carer.
func (o *orgProfile) ref(seq int, reg pipeline.Days) string {
	switch o.refs {
	case refYearly:
		y, _, _ := reg.Civil()
		return o.prefix + "-" + strconv.Itoa(y) + "-" + pad(seq, 4)
	case refNumeric:
		return strconv.Itoa(100000 + seq)
	case refSlashed:
		return o.prefix + "/" + pad(seq, 5)
	default:
		return o.prefix + pad(seq, 5)
	}
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// sheetName is how the organisation names the sheet of a kind.
func (h *habits) sheetName(kind string) string {
	switch h.sheets {
	case caseUpper:
		return strings.ToUpper(kind)
	case caseLower:
		return kind
	case caseCamel:
		if kind == "followups" {
			return "FollowUps"
		}
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
}

// workbook says whether the return for window quarter qi is an xlsx file.
func (h *habits) workbook(qi int) bool { return h.xlsx && qi >= h.xlsxFrom }
