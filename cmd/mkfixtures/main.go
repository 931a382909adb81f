// Command mkfixtures writes the golden-test fixtures that cannot be written
// by hand in a text editor: files in other encodings (UTF-16, Windows-1252, a
// BOM with CRLF), binary files (.xlsx, a PNG renamed .csv, a zip bomb, an
// encrypted workbook) and the CSV over the row limit.
//
// Run it from the repository root:
//
//	go run ./cmd/mkfixtures            # rewrites testdata/bad and testdata/good
//	go run ./cmd/mkfixtures -encrypted # also re-encrypts file_password_protected.xlsx
//
// The output is deterministic, byte for byte, except for the encrypted
// workbook: encryption draws a random salt and key, so that file is written
// only when it does not exist yet, or when -encrypted is given.
//
// It writes fixtures only. The expectations (*.want.json) beside them are
// written by hand from the data standard and are never generated.
package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/carer-outcomes/carer-outcomes/internal/zipdamage"
)

func main() {
	dir := flag.String("dir", "testdata", "the testdata folder to write into")
	encrypted := flag.Bool("encrypted", false, "rewrite the encrypted workbook even if it exists (its bytes change on every run)")
	flag.Parse()
	log.SetFlags(0)
	g := gen{bad: filepath.Join(*dir, "bad"), good: filepath.Join(*dir, "good")}
	g.badFiles(*encrypted)
	g.goodFiles()
}

type gen struct{ bad, good string }

func write(path string, b []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%7d  %s\n", len(b), path)
}

// lines joins CSV lines with the given line end, ending the last one too.
func lines(eol string, ls ...string) string { return strings.Join(ls, eol) + eol }

func utf16LE(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

func utf16BE(s string) []byte {
	out := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.BigEndian.AppendUint16(out, u)
	}
	return out
}

// windows1252 encodes ASCII and the pound sign, all the fixtures need.
func windows1252(s string) []byte {
	var out []byte
	for _, r := range s {
		switch {
		case r < 0x80:
			out = append(out, byte(r))
		case r == '£':
			out = append(out, 0xA3)
		default:
			log.Fatalf("windows1252: no byte for %q", r)
		}
	}
	return out
}

const supportHeader = "client_ref,date,activity,mode,minutes,outside_office_hours"

func (g gen) badFiles(encrypted bool) {
	// Text in UTF-16 LE without a byte-order mark: full of NUL bytes.
	write(filepath.Join(g.bad, "file_utf16le_no_bom.csv"), utf16LE(lines("\r\n",
		supportHeader,
		"C001,2026-07-06,JOB_SEARCH,IN_PERSON,60,N",
		"C002,2026-07-07,CV_WRITING,ONLINE,45,N",
		"C003,2026-07-08,IT_SKILLS,PHONE,30,Y",
	), false))

	write(filepath.Join(g.bad, "file_empty.csv"), nil)
	write(filepath.Join(g.bad, "file_whitespace_only.csv"), []byte("   \r\n\t\r\n  \n\n"))
	write(filepath.Join(g.bad, "file_binary_png.csv"), pngBytes())
	write(filepath.Join(g.bad, "file_too_many_rows.csv"), tooManyRows(1001))

	// A workbook that would be a valid carers table, saved in ways that make
	// it unreadable.
	plain := workbook(func(f *excelize.File) {
		sheet(f, "Sheet1", "carers")
		rows(f, "carers", 1,
			[]any{"client_ref", "registration_date", "employment_status", "consent_followup"},
			[]any{"C701", "2026-07-01", "UNEMPLOYED", "Y"},
			[]any{"C702", "2026-07-02", "EMPLOYED_PT", "N"},
		)
	})
	write(filepath.Join(g.bad, "file_corrupt_truncated.xlsx"), plain[:len(plain)/2])
	write(filepath.Join(g.bad, "file_zip_bomb.xlsx"), zipBomb(plain, 20<<20))
	enc := filepath.Join(g.bad, "file_password_protected.xlsx")
	if _, err := os.Stat(enc); err != nil || encrypted {
		write(enc, encryptedWorkbook())
	} else {
		fmt.Printf("%7s  %s (kept: encryption is not deterministic; -encrypted rewrites it)\n", "-", enc)
	}

	// A support sheet with an empty row 4 and a text date with month 13 in row 5.
	write(filepath.Join(g.bad, "support_xlsx_bad_date.xlsx"), workbook(func(f *excelize.File) {
		sheet(f, "Sheet1", "support")
		short := dateStyle(f, 14) // Excel's default short date
		rows(f, "support", 1,
			[]any{"client_ref", "date", "activity", "mode", "minutes", "outside_office_hours"},
			[]any{"C001", day(2026, 7, 6), "JOB_SEARCH", "IN_PERSON", 60, "N"},
			[]any{"C002", "2026-07-07", "CV_WRITING", "ONLINE", 45, "N"},
		)
		rows(f, "support", 5,
			[]any{"C003", "31/13/2026", "IT_SKILLS", "PHONE", 30, "N"},
			[]any{"C004", day(2026, 7, 9), "BENEFITS_ADVICE", "PHONE", 20, "Y"},
		)
		style(f, "support", short, "B2", "B2")
		style(f, "support", short, "B6", "B6")
	}))

	// A carers workbook of 200 rows, damaged in each way a disk, a transfer
	// or a broken writer damages a zip: a damaged sheet would still yield
	// its first rows, which must not be stored as if they were the whole.
	long := [][]any{{"client_ref", "registration_date", "employment_status", "consent_followup"}}
	for i := range 200 {
		long = append(long, []any{fmt.Sprintf("C9%03d", i), "2026-07-01", "UNEMPLOYED", "Y"})
	}
	longBook := workbook(func(f *excelize.File) {
		sheet(f, "Sheet1", "carers")
		rows(f, "carers", 1, long...)
	})
	for _, d := range zipdamage.All() {
		bad, err := zipdamage.Apply(longBook, zipdamage.FirstSheet(longBook), d)
		if err != nil {
			log.Fatal(err)
		}
		write(filepath.Join(g.bad, "file_damaged_"+string(d)+".xlsx"), bad)
	}
	// Two entries that each declare 2^63 unpacked bytes: their total wraps
	// round to 0 in 64 bits.
	wrap, err := zipdamage.DeclareSize(longBook, 1<<63, zipdamage.FirstSheet(longBook), "xl/workbook.xml")
	if err != nil {
		log.Fatal(err)
	}
	write(filepath.Join(g.bad, "file_declared_sizes_wrap.xlsx"), wrap)
	// UTF-16 text cut off after an odd number of bytes.
	cut := utf16LE(lines("\r\n",
		supportHeader,
		"C001,2026-07-06,JOB_SEARCH,IN_PERSON,60,N",
		"C002,2026-07-07,CV_WRITING,ONLINE,45,N",
	), true)
	write(filepath.Join(g.bad, "file_utf16le_cut_off.csv"), cut[:len(cut)-3])

	// A valid carers sheet, but named in Welsh and by Excel's default.
	write(filepath.Join(g.bad, "file_no_table.xlsx"), workbook(func(f *excelize.File) {
		sheet(f, "Sheet1", "Gofalwyr")
		rows(f, "Gofalwyr", 1,
			[]any{"client_ref", "registration_date", "employment_status", "consent_followup"},
			[]any{"C611", "2026-07-01", "UNEMPLOYED", "Y"},
		)
		newSheet(f, "Sheet2")
	}))

	// A valid carers sheet beside a sheet of notes.
	write(filepath.Join(g.bad, "carers_ignored_sheet.xlsx"), workbook(func(f *excelize.File) {
		sheet(f, "Sheet1", "carers")
		rows(f, "carers", 1,
			[]any{"client_ref", "registration_date", "employment_status", "consent_followup"},
			[]any{"C601", "2026-07-01", "UNEMPLOYED", "Y"},
			[]any{"C602", "2026-07-15", "EMPLOYED_FT", "Y"},
			[]any{"C603", "2026-08-05", "RETIRED", "N"},
		)
		newSheet(f, "Notes")
		rows(f, "Notes", 1,
			[]any{"Return prepared for the quarter July to September 2026"},
			[]any{"Figures checked by the service manager"},
		)
	}))
}

func (g gen) goodFiles() {
	write(filepath.Join(g.good, "carers_utf8_bom_crlf.csv"), append([]byte("\uFEFF"), lines("\r\n",
		"client_ref,registration_date,date_of_birth,gender,ethnicity,postcode,local_authority,caring_hours_per_week,cared_for_condition,relationship,limiting_illness,financial_difficulty,employment_status,personal_budget,referral_source,consent_followup",
		"C201,2026-07-01,1983-02-14,F,WHITE,LS6 3AB,E08000035,35,DEMENTIA,PARENT,N,Y,EMPLOYED_PT,NONE,GP,Y",
		"C202,2026-08-12,1995-09-30,M,BLACK,LS7 4HZ,E08000035,12,MENTAL_HEALTH,SIBLING,N,N,UNEMPLOYED,U,JOBCENTRE,Y",
		"C203,2026-09-30,1960-12-01,X,U,SW1A 1AA,E09000033,60,FRAILTY,PARTNER,Y,U,RETIRED,CARED_FOR,OUTREACH,N",
	)...))

	write(filepath.Join(g.good, "support_utf16le_bom.csv"), utf16LE(lines("\r\n",
		supportHeader,
		"C004,2026-07-03,VOLUNTEERING_PLACEMENT,IN_PERSON,240,N",
		"C005,2026-07-14,REPLACEMENT_CARE,IN_PERSON,600,Y",
		"C006,2026-08-25,EMPLOYER_LIAISON,PHONE,1,N",
	), true))

	write(filepath.Join(g.good, "outcomes_utf16be_bom.csv"), utf16BE(lines("\r\n",
		"client_ref,outcome_date,outcome,hours_per_week,employer_size,evidence",
		"C002,2026-07-27,STARTED_WORK,16,SMALL,EMPLOYER",
		"C005,2026-08-03,STAYED_IN_WORK,37,LARGE,DOCUMENT",
		"C004,2026-09-21,STARTED_EDUCATION,,,SELF_REPORT",
		"C006,2026-09-30,STARTED_SELF_EMPLOYMENT,80,MICRO,SELF_REPORT",
	)))

	write(filepath.Join(g.good, "finance_windows1252.csv"), windows1252(lines("\r\n",
		"delivery_cost_gbp,funding_local_authority_gbp,funding_lottery_gbp,funding_secured_until",
		`"£12,500.00","£8,000",£4500.5,2027-03-31`,
	)))

	// Real Excel dates (numbers with a date format) beside text dates, in
	// sheets named in title case.
	write(filepath.Join(g.good, "carers_and_support.xlsx"), workbook(func(f *excelize.File) {
		sheet(f, "Sheet1", "Carers")
		short := dateStyle(f, 14) // Excel's default short date
		dmy := customDateStyle(f, "dd/mm/yyyy")
		iso := customDateStyle(f, "yyyy-mm-dd")
		rows(f, "Carers", 1,
			[]any{"client_ref", "registration_date", "date_of_birth", "gender", "caring_hours_per_week", "employment_status", "consent_followup"},
			[]any{"X001", day(2026, 7, 6), day(1975, 6, 30), "F", 35, "EMPLOYED_PT", "Y"},
			[]any{"X002", "2026-07-13", "15/03/1980", "M", 10, "UNEMPLOYED", "Y"},
			[]any{"X003", day(2026, 8, 3), day(1990, 1, 1), "U", 0, "Self-employed", "N"},
		)
		style(f, "Carers", short, "B2", "B2")
		style(f, "Carers", dmy, "C2", "C2")
		style(f, "Carers", iso, "B4", "B4")
		style(f, "Carers", short, "C4", "C4")
		newSheet(f, "Support")
		rows(f, "Support", 1,
			[]any{"client_ref", "date", "activity", "mode", "minutes", "outside_office_hours"},
			[]any{"X001", day(2026, 7, 6), "JOB_SEARCH", "IN_PERSON", 60, "N"},
			[]any{"X002", "20/07/2026", "CV_WRITING", "ONLINE", 45, "Y"},
			[]any{"C001", day(2026, 9, 30), "IT_SKILLS", "PHONE", 30, "N"},
		)
		style(f, "Support", short, "B2", "B2")
		style(f, "Support", dmy, "B4", "B4")
	}))
}

// dayValue is a calendar day, written into a cell as an Excel serial number
// (the cell gets a date format separately, with style).
type dayValue struct{ t time.Time }

func day(y, m, d int) dayValue { return dayValue{time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)} }

// serial is the 1900-system Excel serial number of the day.
func (d dayValue) serial() int {
	return int(d.t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

func workbook(build func(*excelize.File)) []byte {
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	buf, err := f.WriteToBuffer()
	if err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

func encryptedWorkbook() []byte {
	f := excelize.NewFile()
	defer f.Close()
	sheet(f, "Sheet1", "carers")
	rows(f, "carers", 1,
		[]any{"client_ref", "registration_date", "employment_status", "consent_followup"},
		[]any{"C801", "2026-07-01", "UNEMPLOYED", "Y"},
		[]any{"C802", "2026-07-02", "EMPLOYED_PT", "N"},
	)
	var buf bytes.Buffer
	if err := f.Write(&buf, excelize.Options{Password: "secret"}); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

func sheet(f *excelize.File, from, to string) {
	if err := f.SetSheetName(from, to); err != nil {
		log.Fatal(err)
	}
}

func newSheet(f *excelize.File, name string) {
	if _, err := f.NewSheet(name); err != nil {
		log.Fatal(err)
	}
}

// rows writes values from row first down, one slice per row.
func rows(f *excelize.File, name string, first int, rs ...[]any) {
	for i, r := range rs {
		for j, v := range r {
			cell, err := excelize.CoordinatesToCellName(j+1, first+i)
			if err != nil {
				log.Fatal(err)
			}
			switch v := v.(type) {
			case dayValue:
				err = f.SetCellInt(name, cell, int64(v.serial()))
			case int:
				err = f.SetCellInt(name, cell, int64(v))
			case string:
				err = f.SetCellStr(name, cell, v)
			default:
				log.Fatalf("cell %s: value %T", cell, v)
			}
			if err != nil {
				log.Fatal(err)
			}
		}
	}
}

func dateStyle(f *excelize.File, numFmt int) int {
	id, err := f.NewStyle(&excelize.Style{NumFmt: numFmt})
	if err != nil {
		log.Fatal(err)
	}
	return id
}

func customDateStyle(f *excelize.File, format string) int {
	id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		log.Fatal(err)
	}
	return id
}

func style(f *excelize.File, name string, id int, from, to string) {
	if err := f.SetCellStyle(name, from, to, id); err != nil {
		log.Fatal(err)
	}
}

// zipBomb copies a workbook, padding its first worksheet with pad spaces
// inside <sheetData>: still well-formed XML that reads as the same table, but
// it inflates to more than the harness's 16 MiB limit.
func zipBomb(xlsx []byte, pad int) []byte {
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		log.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	padded := false
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			log.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			log.Fatal(err)
		}
		if zf.Name == "xl/worksheets/sheet1.xml" {
			i := bytes.Index(body, []byte("<sheetData>"))
			if i < 0 {
				log.Fatal("zip bomb: no <sheetData> in sheet1.xml")
			}
			i += len("<sheetData>")
			body = append(append(append([]byte{}, body[:i]...), bytes.Repeat([]byte(" "), pad)...), body[i:]...)
			padded = true
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			log.Fatal(err)
		}
	}
	if !padded {
		log.Fatal("zip bomb: no xl/worksheets/sheet1.xml")
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	return out.Bytes()
}

// pngBytes is a small 12x12 PNG image of noise: a few hundred bytes of
// binary, with NUL bytes.
func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 12, 12))
	seed := uint32(2026)
	next := func() uint8 { seed = seed*1664525 + 1013904223; return uint8(seed >> 24) }
	for y := 0; y < 12; y++ {
		for x := 0; x < 12; x++ {
			img.Set(x, y, color.RGBA{next(), next(), next(), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// tooManyRows is a support table of n valid rows for the carers C001-C010
// of testdata/registry, all dated in 2026-Q3 on or after every registration.
func tooManyRows(n int) []byte {
	activities := []string{"JOB_SEARCH", "CV_WRITING", "IT_SKILLS", "ONE_TO_ONE_ADVICE", "TRAINING_COURSE", "BENEFITS_ADVICE", "CONFIDENCE_BUILDING"}
	modes := []string{"IN_PERSON", "ONLINE", "PHONE", "OUTREACH"}
	start := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString(supportHeader + "\n")
	for i := 0; i < n; i++ {
		yn := "N"
		if i%5 == 0 {
			yn = "Y"
		}
		fmt.Fprintf(&b, "C%03d,%s,%s,%s,%d,%s\n", i%10+1, start.AddDate(0, 0, i%92).Format("2006-01-02"),
			activities[i%len(activities)], modes[i%len(modes)], 15+15*(i%8), yn)
	}
	return []byte(b.String())
}
