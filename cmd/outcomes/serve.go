package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/web"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

// defaultAssets is where `npm ci` in web/ puts GOV.UK Frontend's compiled
// files, relative to the repository's root.
var defaultAssets = filepath.Join("web", "node_modules", "govuk-frontend", "dist", "govuk")

// serveCmd runs one local server on one mux: the organisations' and the
// lead's web pages, with a development sign-in, ingesting uploads into the
// lake the way `outcomes ingest` does; and, given the forms' secrets, the
// survey webhooks under /surveys/, whose responses an in-process queue
// writes to the lake. The pages carry the web package's CSP and CSRF
// checks; a webhook, which a survey tool posts without a session, is
// checked by its signature instead. On SIGINT or SIGTERM it stops taking
// requests (an upload being ingested finishes first), writes what is
// queued, compacts the survey partitions and exits.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	var l lakeFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: outcomes serve --lake DIR --consortium FILE [--key-file FILE] [--secrets FILE] [--addr 127.0.0.1:8080] [--assets DIR]")
		fs.PrintDefaults()
	}
	l.register(fs)
	consortiumFile := fs.String("consortium", "", "the consortium's configuration file (consortium.json), with each organisation's survey forms")
	secretsFile := fs.String("secrets", "", `the survey forms' webhook secrets, {"ORG/form": "secret"}; without it the webhooks are not served`)
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on (port 0 picks a free one)")
	assets := fs.String("assets", defaultAssets, "GOV.UK Frontend's dist/govuk folder")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() > 0 || *consortiumFile == "" {
		fs.Usage()
		return exitFailure
	}
	cfg, err := l.open(nil)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	c, err := consortium.Load(*consortiumFile, cfg.Standard)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	var secrets webhook.FileSecrets
	if *secretsFile != "" {
		if secrets, err = webhook.LoadFileSecrets(*secretsFile); err != nil {
			return fail(stderr, "serve", err)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	pages, err := web.New(web.Config{Standard: cfg.Standard, Lake: cfg.Lake, Intake: web.IngestNow(cfg), MaxFileBytes: cfg.Limits.MaxFileBytes,
		Consortium: c, Assets: *assets, Log: log})
	if err != nil {
		return fail(stderr, "serve", err)
	}
	if err := loopbackOnly(*addr); err != nil {
		return fail(stderr, "serve", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, "serve", pipeline.Errorf(pipeline.Invalid, "listen on %s: %w", *addr, err))
	}
	mux := http.NewServeMux()
	mux.Handle("/", pages)
	var hooks *surveyHooks
	if secrets != nil {
		hooks = newSurveyHooks(cfg, log)
		mux.Handle("/surveys/", &webhook.Handler{Forms: c, Secrets: secrets, Queue: hooks.queue, Key: cfg.Key, Log: hooks.logf})
	}
	// The first line says where the pages are; the browser tests read it.
	fmt.Fprintf(stdout, "Serving %s on http://%s/ (development sign-in; stop with Ctrl-C)\n", c.Name, ln.Addr())
	if hooks != nil {
		fmt.Fprintf(stdout, "Survey webhooks: POST http://%s/surveys/{org}/{form}\n", ln.Addr())
	} else {
		fmt.Fprintln(stdout, "Survey webhooks: off (give --secrets to receive them)")
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = hs.Shutdown(shut)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(stderr, "serve", pipeline.Errorf(pipeline.Transient, "serve: %w", err))
	}
	if hooks == nil {
		return exitOK
	}
	summary, err := hooks.close(context.Background())
	if err != nil {
		return fail(stderr, "serve", err)
	}
	fmt.Fprintln(stdout, summary)
	return exitOK
}

// surveyHooks is the webhooks' side of `outcomes serve`: the in-process
// queue, the consumer it hands micro-batches to, and what they wrote.
type surveyHooks struct {
	queue *webhook.LocalQueue
	lake  *lake.Lake
	log   *slog.Logger

	mu      sync.Mutex
	written surveys.Result
}

func newSurveyHooks(cfg ingest.Config, log *slog.Logger) *surveyHooks {
	h := &surveyHooks{lake: cfg.Lake, log: log}
	consumer := &surveys.Consumer{Standard: cfg.Standard, Lake: cfg.Lake, Key: cfg.Key}
	h.queue = webhook.NewLocalQueue(func(ctx context.Context, msgs []surveys.Message) error {
		r, err := consumer.Process(ctx, msgs)
		if err == nil {
			h.mu.Lock()
			h.written.Accepted += r.Accepted
			h.written.Duplicates += r.Duplicates
			h.written.Held += r.Held
			h.written.Rejected += r.Rejected
			h.mu.Unlock()
		}
		return err
	}, 500, 200*time.Millisecond, h.logf)
	return h
}

// logf is the webhook's and the queue's log, as warnings: a refused
// delivery or a batch to try again (never a body).
func (h *surveyHooks) logf(format string, args ...any) {
	h.log.Warn(fmt.Sprintf(format, args...))
}

// close writes what is queued, compacts the survey partitions and says
// what was written.
func (h *surveyHooks) close(ctx context.Context) (string, error) {
	h.queue.Close()
	n, err := surveys.CompactAll(ctx, h.lake, "")
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	w := h.written
	return fmt.Sprintf("Survey responses written: %d accepted, %d already received, %d held for a carer not yet registered, %d rejected; %d partitions compacted.",
		w.Accepted, w.Duplicates, w.Held, w.Rejected, n), nil
}

// loopbackOnly refuses an address other machines can reach: the
// development sign-in asks for no password, so anyone who could reach the
// page could sign in as any organisation.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return pipeline.Errorf(pipeline.Invalid, "--addr %q: write it as HOST:PORT, such as 127.0.0.1:8080", addr)
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return pipeline.Errorf(pipeline.Invalid, "--addr %s: the development sign-in asks for no password, so the pages are served on this machine only: use a loopback address such as 127.0.0.1:8080", addr)
}
