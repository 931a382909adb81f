package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

// serveCmd runs one local server: the survey webhooks under /surveys/,
// whose responses an in-process queue writes to the lake. On SIGINT or
// SIGTERM it stops taking requests, writes what is queued, compacts the
// survey partitions and exits.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	var l lakeFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	l.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on")
	consortiumFile := fs.String("consortium", "", "the consortium's configuration, with each organisation's survey forms")
	secretsFile := fs.String("secrets", "", `the forms' webhook secrets, {"ORG/form": "secret"}`)
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() > 0 || (*consortiumFile == "") != (*secretsFile == "") {
		fmt.Fprintln(stderr, "usage: outcomes serve --lake DIR [--addr 127.0.0.1:8080] [--consortium FILE --secrets FILE] [--key-file FILE]")
		return exitFailure
	}
	if *consortiumFile == "" {
		// The survey webhooks need the forms and their secrets; without
		// them there is nothing to serve yet.
		return fail(stderr, "serve", pipeline.Errorf(pipeline.Invalid, "no --consortium and --secrets: the survey webhooks need the consortium's forms and their secrets"))
	}
	cfg, err := l.open(nil)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	c, err := consortium.Load(*consortiumFile, cfg.Standard)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	secrets, err := webhook.LoadFileSecrets(*secretsFile)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	logger := log.New(stderr, "outcomes serve: ", log.LstdFlags)
	consumer := &surveys.Consumer{Standard: cfg.Standard, Lake: cfg.Lake}
	var written surveys.Result
	queue := webhook.NewLocalQueue(func(ctx context.Context, msgs []surveys.Message) error {
		r, err := consumer.Process(ctx, msgs)
		if err == nil {
			written.Accepted += r.Accepted
			written.Duplicates += r.Duplicates
			written.Held += r.Held
			written.Rejected += r.Rejected
		}
		return err
	}, 500, 200*time.Millisecond, logger.Printf)
	mux := http.NewServeMux()
	mux.Handle("/surveys/", &webhook.Handler{Forms: c, Secrets: secrets, Queue: queue, Key: cfg.Key, Log: logger.Printf})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, "serve", pipeline.Errorf(pipeline.Invalid, "listen on %s: %w", *addr, err))
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "Serving on http://%s: survey webhooks POST /surveys/{org}/{form}\n", ln.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-stop:
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return fail(stderr, "serve", pipeline.Errorf(pipeline.Transient, "serve: %w", err))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	queue.Close()
	n, err := surveys.CompactAll(context.Background(), cfg.Lake, "")
	if err != nil {
		return fail(stderr, "serve", err)
	}
	fmt.Fprintf(stdout, "Survey responses written: %d accepted, %d already received, %d held for a carer not yet registered, %d rejected; %d partitions compacted.\n",
		written.Accepted, written.Duplicates, written.Held, written.Rejected, n)
	return exitOK
}
