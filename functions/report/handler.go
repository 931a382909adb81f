package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/carer-outcomes/carer-outcomes/keysource"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportlink"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// handler makes one quarter's reports and sends the e-mails.
type handler struct {
	cfg     config
	log     *slog.Logger
	std     *standard.Standard
	lake    *lake.Lake
	reports lake.Store
	presign *s3.PresignClient
	signer  *reportlink.Signer // nil: presigned S3 URLs
	mail    *sesv2.Client
	now     func() time.Time
}

func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*handler, error) {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	std, err := standard.Latest()
	if err != nil {
		return nil, err
	}
	awsCfg, err := s3store.LoadAWSConfig(ctx, "", cfg.Endpoint != "" || cfg.SESEndpoint != "")
	if err != nil {
		return nil, err
	}
	client := s3store.NewClient(awsCfg, cfg.Location)
	mail := sesv2.NewFromConfig(awsCfg, func(o *sesv2.Options) {
		if cfg.SESEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.SESEndpoint)
		}
	})
	lakeStore, reports := s3store.NewFromClient(client, cfg.LakeBucket, cfg.LakePrefix), s3store.NewFromClient(client, cfg.ReportsBucket, "")
	if err := errors.Join(lakeStore.Err(), reports.Err()); err != nil {
		return nil, err
	}
	var signer *reportlink.Signer
	if cfg.LinkKeySecret != "" {
		text, err := keysource.SecretString(ctx, cfg.LinkKeySecret, getenv("AWS_SESSION_TOKEN"), getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"))
		if err != nil {
			return nil, err
		}
		if signer, err = reportlink.ParseKey(text); err != nil {
			return nil, fmt.Errorf("secret %s: %w", cfg.LinkKeySecret, err)
		}
	}
	return &handler{
		cfg: cfg, log: log, std: std, signer: signer,
		lake:    &lake.Lake{Store: lakeStore},
		reports: reports,
		presign: s3.NewPresignClient(client),
		mail:    mail,
		now:     time.Now,
	}, nil
}

// detail is what the event's detail may say: a quarter ("2026-Q3" or
// "latest") to report instead of the one before the event's time.
type detail struct {
	Period string `json:"period"`
}

// result is the function's answer, for the logs of a manual invocation.
type result struct {
	Period  string   `json:"period"`
	Reports []string `json:"reports"`
	Emails  int      `json:"emails"`
}

// Handle makes the reports of one quarter and sends the e-mails. An error
// leaves the invocation failed, and EventBridge (or Lambda's asynchronous
// retries) runs it again: the reports are overwritten, the e-mails sent
// again.
func (h *handler) Handle(ctx context.Context, ev events.EventBridgeEvent) (result, error) {
	which, err := quarterOf(ev)
	if err != nil {
		h.log.Error("bad event", "error", err.Error())
		return result{}, err
	}
	period, orgs, err := quarterly.Scope(ctx, h.lake, h.std, which)
	if err != nil {
		return result{}, fmt.Errorf("read the lake: %w", err)
	}
	log := h.log.With("period", period.String())
	for org := range h.cfg.OrgAddresses {
		if !slices.Contains(orgs, org) {
			log.Warn("an organisation in ORG_ADDRESSES has no return in the lake: no report or e-mail for it", "org", org)
		}
	}
	now := h.now()
	res := result{Period: period.String()}

	quarter, err := quarterly.Read(ctx, h.lake, h.std, period, orgs, now)
	if err != nil {
		return res, fmt.Errorf("read the quarter: %w", err)
	}
	consortium, err := quarter.Report(ctx, "")
	if err != nil {
		return res, fmt.Errorf("build the consortium's report: %w", err)
	}
	consortiumKey, err := h.store(ctx, period, metrics.Consortium, consortium)
	if err != nil {
		return res, err
	}
	res.Reports = append(res.Reports, consortiumKey)
	orgKeys := map[string]string{}
	for _, org := range orgs {
		r, err := quarter.Report(ctx, org)
		if err != nil {
			return res, fmt.Errorf("build %s's report: %w", org, err)
		}
		if orgKeys[org], err = h.store(ctx, period, org, r); err != nil {
			return res, err
		}
		res.Reports = append(res.Reports, orgKeys[org])
	}
	log.Info("reports stored", "reports", len(res.Reports))

	// The reports are all stored before any e-mail goes: a failure up to
	// here sends nothing.
	missing := missingByOrg(consortium.Quality)
	var errs []error
	link, err := h.link(ctx, consortiumKey, now)
	if err != nil {
		return res, err
	}
	subject, text, body := leadEmail(period.String(), consortium.Figures, missing, link, h.cfg.LinkTTL)
	if err := h.send(ctx, h.cfg.Leads, subject, text, body); err != nil {
		errs = append(errs, fmt.Errorf("e-mail the lead: %w", err))
	} else {
		res.Emails++
	}
	for _, org := range orgs {
		to := h.cfg.OrgAddresses[org]
		if len(to) == 0 {
			log.Warn("no address for an organisation: its report is stored but not sent", "org", org)
			continue
		}
		link, err := h.link(ctx, orgKeys[org], now)
		if err != nil {
			return res, err
		}
		due, err := surveys.DueList(ctx, h.lake, h.std, org, pipeline.DaysOf(now))
		if err != nil {
			return res, fmt.Errorf("list %s's follow-ups due: %w", org, err)
		}
		subject, text, body := orgEmail(period.String(), org, missing[org], dueCounts(due), link, h.cfg.LinkTTL)
		if err := h.send(ctx, to, subject, text, body); err != nil {
			errs = append(errs, fmt.Errorf("e-mail %s: %w", org, err))
			continue
		}
		res.Emails++
		log.Info("e-mailed", "org", org, "missing_returns", len(missing[org]), "followups_due", len(due))
	}
	if err := errors.Join(errs...); err != nil {
		log.Error("e-mails failed", "error", err.Error(), "sent", res.Emails)
		return res, err
	}
	log.Info("done", "emails", res.Emails)
	return res, nil
}

// quarterOf is the quarter to report: the event's detail's "period", or
// the quarter before the one the event's time falls in.
func quarterOf(ev events.EventBridgeEvent) (string, error) {
	var d detail
	if len(ev.Detail) > 0 && string(ev.Detail) != "null" {
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			return "", fmt.Errorf("event detail: %w", err)
		}
	}
	if d.Period != "" {
		if d.Period == "latest" {
			return d.Period, nil
		}
		p, err := pipeline.ParsePeriod(d.Period)
		if err != nil {
			return "", fmt.Errorf("event detail: period %q: %w", d.Period, err)
		}
		return p.String(), nil
	}
	if ev.Time.IsZero() {
		return "", fmt.Errorf("the event has no time and its detail no period")
	}
	return pipeline.PeriodOf(ev.Time.UTC()).Prev().String(), nil
}

// reportKey is the folder of a report in the reports bucket.
func reportKey(period pipeline.Period, scope string) string {
	return path.Join("reports", period.String(), scope)
}

// store writes a report to a temporary folder and uploads every file of
// it, replacing any earlier run's; it returns the key of its page.
func (h *handler) store(ctx context.Context, period pipeline.Period, scope string, r reportpage.Report) (string, error) {
	dir, err := os.MkdirTemp("", "report-*")
	if err != nil {
		return "", pipeline.Errorf(pipeline.Internal, "report %s: %w", scope, err)
	}
	defer os.RemoveAll(dir)
	if err := reportpage.Write(dir, r); err != nil {
		return "", fmt.Errorf("report %s: %w", scope, err)
	}
	prefix := reportKey(period, scope)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		_, err = h.reports.Put(ctx, prefix+"/"+filepath.ToSlash(rel), f, st.Size(), lake.Condition{})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store report %s: %w", scope, err)
	}
	return prefix + "/" + reportpage.HTMLFile, nil
}

// link is a link to a report's page working for LinkTTL from now: one
// the links function serves or, without it, a presigned GET.
func (h *handler) link(ctx context.Context, key string, now time.Time) (string, error) {
	if h.signer != nil {
		return h.cfg.LinkBase + h.signer.Path(path.Dir(key), path.Base(key), now.Add(h.cfg.LinkTTL)), nil
	}
	req, err := h.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(h.cfg.ReportsBucket), Key: aws.String(key),
		ResponseContentType: aws.String("text/html; charset=utf-8"),
	}, s3.WithPresignExpires(h.cfg.LinkTTL))
	if err != nil {
		return "", fmt.Errorf("link to %s: %w", key, err)
	}
	return req.URL, nil
}

func (h *handler) send(ctx context.Context, to []string, subject, text, body string) error {
	_, err := h.mail.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(h.cfg.From),
		Destination:      &sestypes.Destination{ToAddresses: to},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(subject), Charset: aws.String("UTF-8")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String(text), Charset: aws.String("UTF-8")},
				Html: &sestypes.Content{Data: aws.String(body), Charset: aws.String("UTF-8")},
			},
		}},
	})
	return err
}

// missingByOrg lists, by organisation, the kinds of return that have not
// arrived, from a report's data-quality rows.
func missingByOrg(rows []metrics.QualityRow) map[string][]string {
	out := map[string][]string{}
	for _, r := range metrics.MissingReturns(rows) {
		out[r.Org] = append(out[r.Org], r.Kind)
	}
	return out
}

// headline is a figure of the lead's summary.
type headline struct {
	ID    string
	Label string
}

// headlines are the figures the lead's e-mail shows, all of them
// consortium totals: nothing below consortium level is ever put in an
// e-mail, so no small number can leave the report's suppression.
var headlines = []headline{
	{metrics.ReachRegistered, "Carers registered"},
	{metrics.ReachSupported, "Carers supported"},
	{metrics.OutcomesAnyHard, "Carers with any hard outcome"},
	{metrics.SustainedStartsW26, "Job starts sustained at 26 weeks"},
	{metrics.SustainedKeptW26, "Jobs kept, sustained at 26 weeks"},
}

// summary is the headline figures as lines of text, from the consortium
// totals of period only.
func summary(period string, figs []metrics.Figure) []string {
	var lines []string
	for _, hl := range headlines {
		i := slices.IndexFunc(figs, func(f metrics.Figure) bool {
			return f.ID == hl.ID && f.Scope == metrics.Consortium && f.Period == period && f.Subgroup == nil && f.Cohort == ""
		})
		if i < 0 {
			continue
		}
		lines = append(lines, hl.Label+": "+formatFigure(figs[i]))
	}
	return lines
}

func formatFigure(f metrics.Figure) string {
	switch {
	case f.Suppressed:
		return "not shown (small numbers)"
	case f.Value == nil:
		return "no value (nothing to divide)"
	case f.Unit == metrics.UnitRate:
		s := percent(*f.Value)
		if f.Numerator != nil && f.Denominator != nil {
			s += fmt.Sprintf(" (%.0f of %.0f)", *f.Numerator, *f.Denominator)
		}
		if f.CILow != nil && f.CIHigh != nil {
			s += ", 95% interval " + percent(*f.CILow) + " to " + percent(*f.CIHigh)
		}
		return s
	default:
		return fmt.Sprintf("%.0f", *f.Value)
	}
}

func percent(x float64) string { return fmt.Sprintf("%.1f%%", x*100) }

func validFor(ttl time.Duration) string {
	if ttl%(24*time.Hour) == 0 {
		if d := ttl / (24 * time.Hour); d == 1 {
			return "one day"
		} else {
			return fmt.Sprintf("%d days", d)
		}
	}
	return ttl.String()
}

func leadEmail(period string, figs []metrics.Figure, missing map[string][]string, link string, ttl time.Duration) (subject, text, body string) {
	subject = "Consortium quarterly report " + period
	lines := summary(period, figs)
	var t, b strings.Builder
	fmt.Fprintf(&t, "The consortium's report for %s is ready.\n\n", period)
	fmt.Fprintf(&b, "<p>The consortium's report for %s is ready.</p>\n<ul>\n", html.EscapeString(period))
	for _, l := range lines {
		fmt.Fprintf(&t, "  %s\n", l)
		fmt.Fprintf(&b, "<li>%s</li>\n", html.EscapeString(l))
	}
	b.WriteString("</ul>\n")
	if len(missing) > 0 {
		t.WriteString("\nReturns not yet received:\n")
		b.WriteString("<p>Returns not yet received:</p>\n<ul>\n")
		for _, org := range slices.Sorted(maps.Keys(missing)) {
			l := org + ": " + strings.Join(missing[org], ", ")
			fmt.Fprintf(&t, "  %s\n", l)
			fmt.Fprintf(&b, "<li>%s</li>\n", html.EscapeString(l))
		}
		b.WriteString("</ul>\n")
	}
	fmt.Fprintf(&t, "\nThe full report (the link works for %s):\n%s\n", validFor(ttl), link)
	fmt.Fprintf(&b, "<p><a href=\"%s\">The full report</a> (the link works for %s).</p>\n", html.EscapeString(link), validFor(ttl))
	return subject, t.String(), b.String()
}

// followupsDue counts an organisation's due list (surveys.DueList).
type followupsDue struct{ due, overdue int }

func dueCounts(list []surveys.DueSurvey) followupsDue {
	var c followupsDue
	for _, d := range list {
		if d.Status == surveys.StatusOverdue {
			c.overdue++
		} else {
			c.due++
		}
	}
	return c
}

func orgEmail(period, org string, missing []string, due followupsDue, link string, ttl time.Duration) (subject, text, body string) {
	subject = "Your quarterly report " + period
	var t, b strings.Builder
	fmt.Fprintf(&t, "%s's report for %s is ready.\n", org, period)
	fmt.Fprintf(&b, "<p>%s's report for %s is ready.</p>\n", html.EscapeString(org), html.EscapeString(period))
	if len(missing) > 0 {
		subject += ": returns missing"
		fmt.Fprintf(&t, "\nReminder: these returns for %s have not been received: %s. Please send them.\n", period, strings.Join(missing, ", "))
		fmt.Fprintf(&b, "<p><strong>Reminder:</strong> these returns for %s have not been received: %s. Please send them.</p>\n",
			html.EscapeString(period), html.EscapeString(strings.Join(missing, ", ")))
	}
	if due.due+due.overdue > 0 {
		line := fmt.Sprintf("Follow-up surveys: %d due in the next four weeks and %d overdue with no answer. The list, by the file and row each carer was registered in, is at GET /uploads/due.", due.due, due.overdue)
		fmt.Fprintf(&t, "\n%s\n", line)
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(line))
	}
	fmt.Fprintf(&t, "\nYour report (the link works for %s):\n%s\n", validFor(ttl), link)
	fmt.Fprintf(&b, "<p><a href=\"%s\">Your report</a> (the link works for %s).</p>\n", html.EscapeString(link), validFor(ttl))
	return subject, t.String(), b.String()
}
