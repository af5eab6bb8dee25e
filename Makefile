# GNU make. Every target installs what it needs (`deps`), so `make run` and
# `make test` work on a fresh clone. `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

GO        ?= go
BIN       := $(CURDIR)/bin
DEVENV    := $(BIN)/devenv
NPM_STAMP := node_modules/.deps-stamp

# Fuzz targets run briefly after the tests: space-separated pkg:FuzzName.
# Keep them in light packages: ./infra:FuzzParseRoute is left out because
# building the CDK app with fuzz instrumentation takes minutes.
FUZZ_TARGETS ?= ./shared/httpapi:FuzzDecode ./shared/httpapi:FuzzLambdaAdapter ./shared/twofactor:FuzzTOTPMatch ./shared/profile:FuzzSanitizeSignature ./shared/profile:FuzzApplyPatch ./shared/prefs:FuzzParse
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# fail a clean run with "context deadline exceeded" as the time runs out
# (golang/go#75804, fixed in Go 1.27).
FUZZ_TIME    ?= 30000x

STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.9.0

# jsii (the CDK for Go runtime) warns that Node 20 is past end of life on
# every start; the CDK tests and synth run under it.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

# jsii (CDK for Go, also in the infra tests) warns about Node 20 on every run.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

# The CDK CLI offline: no version check, notices or telemetry calls; quiet jsii.
CDK := CDK_DISABLE_CLI_TELEMETRY=true npx --no-install cdk --no-notices

.PHONY: help deps go-deps java chromium devenv web run test fuzz build synth deploy nag invoke event seed bench lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

## ---- dependencies -------------------------------------------------------

deps: $(NPM_STAMP) go-deps java ## install npm dev tools (when package-lock.json changed), Go modules, Java

# npm ci only when node_modules is missing or older than the lock file.
$(NPM_STAMP): package.json $(wildcard package-lock.json)
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	@# A go.mod makes `go ... ./...` skip node_modules (aws-cdk ships Go templates).
	@printf 'module nodemodules\n' > node_modules/go.mod
	@touch $@

go-deps:
	@$(GO) mod download

# DynamoDB Local needs a Java runtime (17 or later).
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing a Java runtime for DynamoDB Local"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "DynamoDB Local needs Java 17: install a JRE (e.g. openjdk-17-jre-headless)"; exit 1; \
	  fi; \
	fi

# The browser tests of the reference page (infra/localgateway) drive
# Debian's Chromium; they skip, saying so, only where it cannot be installed.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Chromium for the web page's browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "the browser tests need Chromium: install it (Debian: apt-get install chromium); they are skipped without it"; \
	  fi; \
	fi

# The wrapper that starts the local services around a command.
devenv: go-deps
	@$(GO) build -o $(DEVENV) ./infra/devenv

## ---- local ---------------------------------------------------------------

run: deps ## the API and the web page on 127.0.0.1:PORT (8080), DynamoDB (data in .local/; LOCAL_MEMORY=1: in memory), mail, SMS, EventBridge, schedules
	@[ -f web/dist/app.js ] || $(MAKE) --no-print-directory web
	@# The first build compiles every function (a minute or two): say so while it runs.
	@echo "building the local gateway and every function (go build ./infra/localgateway)..."; \
	start=$$(date +%s); $(GO) build -o $(BIN)/localgateway ./infra/localgateway & pid=$$!; \
	while kill -0 $$pid 2>/dev/null; do sleep 1; n=$$(( $$(date +%s) - start )); \
	  if [ $$((n % 10)) = 0 ] && [ $$n -gt 0 ]; then echo "  still building... $${n}s"; fi; done; \
	wait $$pid; echo "built in $$(( $$(date +%s) - start ))s; starting"
	@$(BIN)/localgateway

# The reference My Profile page (web/src, TypeScript) bundled by esbuild into
# web/dist, which the local gateway serves at /. API_ORIGIN is the API's
# origin as the browser reaches it (empty: the page's own, as with make run).
API_ORIGIN ?=
web: $(NPM_STAMP) ## build the web page into web/dist (API_ORIGIN=https://api.example.com for another origin)
	npx --no-install tsc -p web/tsconfig.json
	@mkdir -p web/dist
	npx --no-install esbuild web/src/main.ts --bundle --format=esm --target=es2022 --minify --sourcemap \
	  --define:API_ORIGIN='"$(API_ORIGIN)"' --outfile=web/dist/app.js
	cp web/index.html web/style.css web/dist/

invoke: deps ## run one handler on an event (the running stack's services when up): make invoke FN=profile EVENT=events/x.json
	@if [ -z "$(FN)" ] || [ -z "$(EVENT)" ]; then echo "usage: make invoke FN=<function> EVENT=events/<file>.json"; exit 2; fi
	@$(GO) run ./infra/invoke -fn '$(FN)' -event '$(EVENT)'

event: go-deps ## send a sample event to the running stack's EventBridge: make event EVENT=events/balance-changed.json
	@if [ -z "$(EVENT)" ]; then echo "usage: make event EVENT=events/<file>.json"; exit 2; fi
	@$(GO) run ./infra/seed -event '$(EVENT)'

seed: go-deps ## sample organization, members (passwords and tokens printed), activities, balance, alert in the running stack
	@$(GO) run ./infra/seed

## ---- tests ---------------------------------------------------------------

test: deps devenv chromium ## every test (race detector on) against fresh local services, then the fuzz targets briefly
	@# ./infra (the CDK stack) runs without -race: jsii-runtime-go races with itself (two
	@# goroutines call Cmd.Wait on its node process at jsii.Close), in no code of ours.
	@# DYNAMODB_CALLS_DIR: the e2e tests record each function's DynamoDB calls; once every
	@# package ran, TestEveryGrantIsExercised compares them with the catalog (docs/security.md).
	$(DEVENV) -free-ports -- bash -c 'calls=$$(mktemp -d) && trap "rm -rf $$calls" EXIT && export DYNAMODB_CALLS_DIR=$$calls && \
	  $(GO) test -race $$($(GO) list ./... | grep -vx "$$($(GO) list ./infra)") -count=1 -timeout 40m && \
	  DYNAMODB_CALLS_COMPLETE=1 $(GO) test ./shared/app/all -run "^TestEveryGrantIsExercised$$" -count=1 && \
	  $(GO) test ./infra -count=1 -timeout 20m'
	@$(MAKE) --no-print-directory fuzz

fuzz: ## run each FUZZ_TARGETS entry (pkg:FuzzName) for FUZZ_TIME
	@for t in $(FUZZ_TARGETS); do \
	  pkg="$${t%%:*}"; name="$${t##*:}"; \
	  echo "fuzz $$name in $$pkg for $(FUZZ_TIME)"; \
	  $(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZ_TIME) "$$pkg"; \
	done

# make bench runs the issues' populations (a few minutes); go test -bench
# alone uses smaller defaults.
DIGEST_BENCH_USERS ?= 100000
BILLING_BENCH_ORGS ?= 10000

INIT_BENCH_RUNS    ?= 30
BENCH_SUMMARY      := $(CURDIR)/bin/bench-summary.tsv

# Every benchmark adds its figures (apptest.Figure) to BENCH_SUMMARY; the
# run ends with one table of them: figure, value, target, verdict. -p 1: one
# package's benchmarks at a time, so no measurement competes with another.
bench: deps devenv ## benchmarks (against local services), at the issues' populations, then one table of figures and targets
	@mkdir -p $(BIN) && rm -f $(BENCH_SUMMARY)
	DIGEST_BENCH_USERS=$(DIGEST_BENCH_USERS) BILLING_BENCH_ORGS=$(BILLING_BENCH_ORGS) \
	  INIT_BENCH_RUNS=$(INIT_BENCH_RUNS) BENCH_SUMMARY=$(BENCH_SUMMARY) \
	  $(DEVENV) -free-ports -- $(GO) test -p 1 -run='^$$' -bench=. -benchmem -timeout 60m ./...
	@echo; printf 'figure\tvalue\ttarget\tverdict\n' | cat - $(BENCH_SUMMARY) | column -t -s "$$(printf '\t')"

lint: deps $(BIN)/staticcheck $(BIN)/govulncheck ## gofmt, go vet, staticcheck, Redocly (api/openapi.yaml), govulncheck (LINT_STRICT=1: a skipped check fails)
	@files="$$(gofmt -l $$($(GO) list -f '{{.Dir}}' ./...))"; \
	if [ -n "$$files" ]; then echo "gofmt -w needed on:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	$(BIN)/staticcheck ./...
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --no-install redocly lint --format=summary api/openapi.yaml
	@out="$$(mktemp)"; \
	if $(BIN)/govulncheck ./... >"$$out" 2>&1; then cat "$$out"; rm -f "$$out"; \
	elif grep -qiE 'fetching vulnerabilities|dial tcp|no such host|connection refused|i/o timeout|network is unreachable|TLS handshake' "$$out"; then \
	  rm -f "$$out"; \
	  printf '\n\033[1;33mWARNING govulncheck: skipped (offline): the vulnerability database is unreachable; nothing was checked for known vulnerabilities\033[0m\n'; \
	  if [ "$${LINT_STRICT:-}" = 1 ]; then echo "LINT_STRICT=1: a skipped check fails the lint"; exit 1; fi; \
	else cat "$$out"; rm -f "$$out"; exit 1; fi

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BIN)/govulncheck:
	GOBIN=$(BIN) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

## ---- build and deploy ----------------------------------------------------

build: go-deps ## every function to build/<name>/bootstrap (linux/arm64), with sizes (infra/lambdabuild)
	@$(GO) run ./infra/buildfns -out build

synth: deps build ## the CloudFormation template into cdk.out (offline)
	$(CDK) synth

deploy: deps build ## cdk deploy (needs AWS credentials)
	$(CDK) deploy

nag: deps ## cdk-nag checks on the synthesized stack
	$(CDK) synth --quiet
	node infra/nag/nag.js cdk.out/*.template.json

clean: ## remove build outputs, installed tools and local data
	rm -rf build bin cdk.out .local
