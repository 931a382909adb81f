# carer-outcomes: the two commands a new user runs are `make demo` and
# `make test`. Everything they need is installed by Go itself into the module
# cache; nothing has to be set up by hand.

GO          ?= go
SAMPLE      ?= build/sample
LAKE        ?= lake
KEY         ?= .demo/consortium.key
SEED        ?= 20261122
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSITYGW   ?= github.com/versity/versitygw/cmd/versitygw@v1.8.0
FUNCTIONS   ?= $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
CONSORTIUM  ?= ../testdata/consortium/example.json
CDK_CLI     ?= aws-cdk@2.1148.1
# jsii runs the CDK in Node; Node 20 works but prints an end-of-life banner.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION = 20
FUZZTIME    ?= 20s
BENCH_RUNS  ?= 5
NPM         ?= npm
CHROMIUM    ?= /usr/bin/chromium
# The demo's survey webhooks: whose follow-ups arrive through them, where the
# local server listens, and the day the due list is made for (the day after
# the sample's last quarter).
SURVEY_ORG  ?= LEEDS-CC
SERVE_ADDR  ?= 127.0.0.1:8765
DUE_ON      ?= 2026-10-01

.PHONY: demo test web-test chromium serve tools node sqlcheck analysts-doc functions synth cdk-synth lint fuzz bench bench-memory sample templates dictionary report-check clean

## demo: generate the sample consortium's returns and ingest them into ./lake; the
## first organisation's follow-ups arrive instead as signed survey webhook deliveries
## to `outcomes serve`; then the quarter's report and that organisation's due list
demo: $(SAMPLE)/manifest.json
	@$(GO) build -o build/outcomes ./cmd/outcomes
	@build/outcomes keygen --out $(KEY) --if-missing
	@build/outcomes backfill --lake $(LAKE) --key-file $(KEY) --except $(SURVEY_ORG)/followups $(SAMPLE)/manifest.json
	@build/outcomes serve --lake $(LAKE) --key-file $(KEY) --addr $(SERVE_ADDR) \
		--consortium $(SAMPLE)/consortium.json --secrets $(SAMPLE)/webhook-secrets.json & pid=$$!; \
	build/outcomes survey replay --url http://$(SERVE_ADDR) --consortium $(SAMPLE)/consortium.json \
		--secrets $(SAMPLE)/webhook-secrets.json --org $(SURVEY_ORG) $(SAMPLE)/manifest.json; status=$$?; \
	kill -TERM $$pid; wait $$pid; exit $$status
	@build/outcomes report --lake $(LAKE) --period latest --out build/report
	@build/outcomes due --lake $(LAKE) --org $(SURVEY_ORG) --on $(DUE_ON) > build/due-$(SURVEY_ORG).csv
	@echo "Due list:           build/due-$(SURVEY_ORG).csv ($$(($$(wc -l < build/due-$(SURVEY_ORG).csv) - 1)) surveys due or overdue on $(DUE_ON))"
	@build/outcomes lake check --lake $(LAKE)
	@echo "SQL over the lake, as in Athena (docs/analysts.md): build/outcomes query --lake $(LAKE), for example"
	@build/outcomes query --lake $(LAKE) "SELECT period, registered, supported, contacts FROM reach_by_quarter WHERE scope = 'consortium' ORDER BY period"

# The sample is made again when its generator or the standard changes, so a
# checkout that moved on never demonstrates an old sample.
$(SAMPLE)/manifest.json: $(filter-out %_test.go,$(wildcard cmd/synth/*.go pipeline/synth/*.go)) $(wildcard schemas/*/*.json)
	rm -rf $(SAMPLE)
	$(GO) run ./cmd/synth -out $(SAMPLE) -seed $(SEED)

sample: $(SAMPLE)/manifest.json

## test: every test, as CI runs them: Go's, the CDK stacks' (infra/ is a module of its own), the web pages in a browser, and the report's screenshot check
test: tools node sqlcheck
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	cd infra && $(GO) vet ./... && $(GO) test -count=1 ./...
	$(MAKE) web-test
	$(MAKE) report-check

## web-test: the web pages in headless Chromium (playwright-core, axe-core); screenshots in build/screenshots/
web-test: chromium web/node_modules/.package-lock.json
	$(GO) build -o build/outcomes ./cmd/outcomes
	cd web && $(NPM) test

# npm ci writes node_modules/.package-lock.json: it is newer than the lock
# file once the packages the lock file names are installed.
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	@command -v $(NPM) >/dev/null || { apt-get update && apt-get install -y nodejs npm; }
	cd web && $(NPM) ci --no-audit --no-fund

## chromium: Debian's Chromium, for the browser tests (apt-get, as root)
chromium:
	@test -x $(CHROMIUM) || { apt-get update && apt-get install -y chromium; }

## serve: the web pages and the survey webhooks on http://127.0.0.1:8080/ over the demo's lake, with a development sign-in
serve: demo web/node_modules/.package-lock.json
	build/outcomes serve --lake $(LAKE) --key-file $(KEY) --consortium $(SAMPLE)/consortium.json --secrets $(SAMPLE)/webhook-secrets.json

## node: Node.js, which the CDK's jsii runtime needs (apt-get when missing)
node:
	@command -v node >/dev/null || { apt-get update && apt-get install -y nodejs npm; }

## synth: the CDK app's CloudFormation templates in infra/cdk.out, for CONSORTIUM (no AWS account, no network)
synth: functions node
	cd infra && CDK_CONTEXT_JSON='{"consortium":"$(CONSORTIUM)"}' $(GO) run .
	@ls infra/cdk.out/*.template.json

## cdk-synth: the same through the CDK CLI (npx; cdk.json), as a deploy runs it
cdk-synth: functions node
	cd infra && npx --yes $(CDK_CLI) synth --quiet -c consortium=$(CONSORTIUM)

## tools: the S3-compatible server the storage and function tests run against
tools: bin/versitygw

bin/versitygw:
	GOBIN=$(CURDIR)/bin $(GO) install $(VERSITYGW)

## sqlcheck: node-sql-parser, the Trino grammar the views are parsed with (Node.js from apt-get if missing)
sqlcheck: scripts/sqlcheck/node_modules/node-sql-parser

scripts/sqlcheck/node_modules/node-sql-parser: scripts/sqlcheck/package.json
	@command -v npm >/dev/null || { apt-get update && apt-get install -y nodejs npm; }
	cd scripts/sqlcheck && npm install --no-audit --no-fund --no-package-lock
	@touch $@

## functions: each Lambda function as an arm64 bootstrap for provided.al2023, zipped into dist/, and the web pages' static files as dist/web-assets.zip
functions: web/node_modules/.package-lock.json
	@for f in $(FUNCTIONS); do \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
			-o build/functions/$$f/bootstrap ./functions/$$f && \
		$(GO) run ./cmd/lambdazip -o dist/$$f.zip build/functions/$$f/bootstrap && \
		ls -l build/functions/$$f/bootstrap dist/$$f.zip; \
	done
	$(GO) run ./cmd/webassets -o dist/web-assets.zip web/node_modules/govuk-frontend/dist/govuk
	@ls -l dist/web-assets.zip

## lint: go vet and staticcheck
lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## fuzz: run each fuzz target briefly (not part of `make test`)
fuzz:
	$(GO) test ./pipeline/tabular -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline/tabular -run '^$$' -fuzz '^FuzzXLSX$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline/parse -run '^$$' -fuzz '^FuzzDate$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline/parse -run '^$$' -fuzz '^FuzzNumbers$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline/standard -run '^$$' -fuzz '^FuzzCodeList_Lookup$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline/formula -run '^$$' -fuzz '^FuzzNeutralise$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline/validate -run '^$$' -fuzz '^FuzzRun$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s

## bench: every comparison of docs/benchmarks.md in one run (ours beside DuckDB and a minimal bootstrap), written into that page
bench:
	$(GO) run ./cmd/bench -runs $(BENCH_RUNS)
	$(GO) test ./webhook -run '^$$' -bench ReplyTime -benchtime 1x
	$(GO) test ./pipeline/surveys -run '^$$' -bench Compact -benchtime 1x -benchmem

## bench-memory: peak RSS of validate and ingest on the worst files the limits accept (docs/benchmarks.md)
bench-memory:
	$(GO) test ./cmd/outcomes -run '^$$' -bench '^BenchmarkMemory_WorstCases$$' -benchtime 1x

## report-check: open the demo's report in headless Chromium (installed with apt-get if missing): no console errors, a screenshot
report-check: demo
	scripts/screenshot-report build/report/report.html build/report/first-screen.png

## templates: write the templates an organisation fills in
templates:
	$(GO) run ./cmd/outcomes template --out build/templates

## dictionary: regenerate docs/data-dictionary.md from schemas/
dictionary:
	$(GO) run ./cmd/outcomes dictionary > docs/data-dictionary.md

## clean: remove what the build and the demo made (the demo key stays: .demo/)
clean:
	rm -rf build dist $(LAKE) infra/cdk.out

## analysts-doc: regenerate the table and view reference in docs/analysts.md from the catalog
analysts-doc:
	$(GO) test ./duckdblake -run '^TestWriteReference$$' -count=1 -update
