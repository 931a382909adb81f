package main

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/returns"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// The routes the web pages need besides the uploads themselves, answered
// as the local server (package web) answers its pages, from the same
// domain packages:
//
//	GET /returns?period=YYYY-Qn          the organisation's return, kind by kind, and its follow-up surveys due today
//	GET /history?period=YYYY-Qn          its uploads of the quarter, in use or replaced
//	GET /reports?period=YYYY-Qn          links to its quarterly report (the lead's: the consortium's)
//	GET /lead/returns?period=YYYY-Qn     every organisation's return: the lead only
//
// A lead is a user in the LEAD_GROUP group of the user pool, said by the
// token's cognito:groups claim and checked here, on the server.

// servePages routes the pages' requests; ok is false for any other path.
func (h *handler) servePages(ctx context.Context, log *slog.Logger, org string, ev events.APIGatewayV2HTTPRequest) (status int, body any, ok bool, err error) {
	route := strings.Trim(requestPath(ev), "/")
	switch route {
	case "returns", "history", "reports", "lead/returns":
	default:
		return 0, nil, false, nil
	}
	if ev.RequestContext.HTTP.Method != http.MethodGet {
		return 0, nil, true, &notAllowed{allow: "GET"}
	}
	period, err := h.queryPeriod(ev)
	if err != nil {
		return 0, nil, true, err
	}
	lead := h.isLead(ev)
	switch route {
	case "returns":
		if org == "" {
			return 0, nil, true, noOrg()
		}
		r, err := h.returnOf(ctx, org, period)
		if err != nil {
			return 0, nil, true, err
		}
		due, err := h.dueSurveys(ctx, org)
		return http.StatusOK, returnBody{Return: r, SurveysDue: due}, true, err
	case "history":
		if org == "" {
			return 0, nil, true, noOrg()
		}
		ups, err := returns.History(ctx, h.lake, org, period)
		return http.StatusOK, historyBody{Period: period.String(), Uploads: ups}, true, err
	case "reports":
		if org == "" && !lead {
			return 0, nil, true, noOrg()
		}
		links, err := h.reportLinks(ctx, org, lead, period)
		return http.StatusOK, reportsBody{Period: period.String(), Reports: links}, true, err
	}
	// lead/returns
	if !lead {
		log.Info("refused: not a lead")
		return 0, nil, true, refused("this is for the consortium's lead")
	}
	out := leadBody{Period: period.String(), Returns: []returns.Return{}}
	for _, o := range h.cfg.Organisations {
		r, err := h.returnOf(ctx, o, period)
		if err != nil {
			return 0, nil, true, err
		}
		out.Returns = append(out.Returns, r)
	}
	return http.StatusOK, out, true, nil
}

// returnBody is the return, and the follow-up surveys due today, which the
// task list page shows beside it (as GET /uploads/due lists them).
type returnBody struct {
	returns.Return
	SurveysDue []surveys.DueSurvey `json:"surveys_due"`
}

func noOrg() error {
	return refused("your sign-in does not name an organisation")
}

type historyBody struct {
	Period  string           `json:"period"`
	Uploads []returns.Upload `json:"uploads"`
}

type reportLink struct {
	Scope string `json:"scope"` // the organisation's code, or "consortium"
	URL   string `json:"url"`
}

type reportsBody struct {
	Period  string       `json:"period"`
	Reports []reportLink `json:"reports"`
}

type leadBody struct {
	Period  string           `json:"period"`
	Returns []returns.Return `json:"returns"`
}

// queryPeriod reads ?period=, the current quarter when there is none.
func (h *handler) queryPeriod(ev events.APIGatewayV2HTTPRequest) (pipeline.Period, error) {
	q := ev.QueryStringParameters["period"]
	if q == "" {
		return pipeline.PeriodOf(h.now().UTC()), nil
	}
	return checkPeriod(q, h.now().UTC())
}

// isLead reads the token's groups. API Gateway passes a list claim as one
// string, such as "[lead admins]".
func (h *handler) isLead(ev events.APIGatewayV2HTTPRequest) bool {
	auth := ev.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil || h.cfg.LeadGroup == "" {
		return false
	}
	groups := strings.FieldsFunc(auth.JWT.Claims["cognito:groups"], func(r rune) bool {
		return r == '[' || r == ']' || r == ',' || r == ' ' || r == '"'
	})
	return slices.Contains(groups, h.cfg.LeadGroup)
}

// returnOf is an organisation's return, with its files that have landed
// and are not yet ingested counted as received.
func (h *handler) returnOf(ctx context.Context, org string, period pipeline.Period) (returns.Return, error) {
	landed, err := h.waiting(ctx, org)
	if err != nil {
		return returns.Return{}, err
	}
	var waiting []returns.Waiting
	for id, w := range landed {
		if w.Period != period.String() {
			continue
		}
		var rec landing.Record
		_, recorded, err := h.readJSON(ctx, landing.RecordKey(org, id), &rec)
		if err != nil {
			return returns.Return{}, err
		}
		if !recorded {
			waiting = append(waiting, returns.Waiting{ReceivedAt: w.ReceivedAt})
		}
	}
	return returns.Of(ctx, h.lake, h.std, returns.Query{Org: org, Period: period, DueDays: h.cfg.DueDays, Now: h.now(), Waiting: waiting})
}

// reportLinks signs links to the quarter's stored reports the caller may
// read: the organisation's own, and for a lead the consortium's. A report
// not made yet has no link.
func (h *handler) reportLinks(ctx context.Context, org string, lead bool, period pipeline.Period) ([]reportLink, error) {
	if h.reports == nil {
		return nil, pipeline.Errorf(pipeline.NotFound, "reports are not kept by this deployment")
	}
	var scopes []string
	if org != "" {
		scopes = append(scopes, org)
	}
	if lead {
		scopes = append(scopes, metrics.Consortium)
	}
	links := []reportLink{}
	for _, scope := range scopes {
		key := "reports/" + period.String() + "/" + scope + "/report.html" // as the report function stores it
		if _, err := h.reports.Stat(ctx, key); pipeline.KindOf(err) == pipeline.NotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		req, err := h.presign.PresignGetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(h.cfg.ReportsBucket), Key: aws.String(key), ResponseContentType: aws.String("text/html; charset=utf-8"),
		}, s3.WithPresignExpires(h.cfg.URLTTL))
		if err != nil {
			return nil, pipeline.Errorf(pipeline.Internal, "sign the link to %s: %w", key, err)
		}
		links = append(links, reportLink{Scope: scope, URL: req.URL})
	}
	return links, nil
}
