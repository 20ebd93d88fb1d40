# Mötesplats. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

TMP := $(CURDIR)/.tmp
BIN := $(TMP)/bin
export PATH := $(BIN):$(PATH)
BUF_VERSION := 1.75.0
# axe-core, the accessibility checker the gateway's browser test injects.
AXE_VERSION := 4.14.1
PROTOC_GEN_GO_VERSION := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2
PROTOC_GEN_CONNECT_GO_VERSION := v1.21.1
# nats-server for `make up`: the version pkg/go.mod pins for the embedded one.
NATS_SERVER_VERSION = $(shell cd pkg && go list -m -f '{{.Version}}' github.com/nats-io/nats-server/v2)
# Extra flags for `make load` (go run ./services/stack load -h lists them).
LOAD_ARGS ?=
# `make up NATS_NODES=3` runs a three-node cluster with R3 streams and buckets.
NATS_NODES ?= 1
# `make up REPLICAS=3` runs three processes of each service: the registers (participants, volunteers) and the
# matching services (mentoring, dinners, guides, notify) alike; REPLICAS=1 runs one of each (ADR 0268).
REPLICAS ?= 2
UP_DIR ?= $(TMP)/up
# Jaeger all-in-one, the trace receiver of `make up JAEGER=1` and of deploy/ops's one-trace test, at
# the version deploy/jaeger/go.mod pins (a module of its own, outside go.work, so Jaeger's dependencies
# never move the services'). Building it takes minutes with a cold Go cache, so it is built once into
# .tmp/bin under its version and reused (docs/adr/0057).
JAEGER_VERSION = $(shell sed -n 's|^[[:space:]]*github.com/jaegertracing/jaeger \(v[^ ]*\).*|\1|p' deploy/jaeger/go.mod)
JAEGER_BIN = $(BIN)/jaeger-$(JAEGER_VERSION)
# `make up JAEGER=1` also runs Jaeger (query API on http://127.0.0.1:16686) and sends every service's spans to it.
JAEGER ?=
LEGACY_KEYS ?=
# The gateway server's browser lane: TestBrowsers runs its Chromium tests one after another (ADR 0163).
BROWSER_LANE = ^TestBrowsers$$
# The longest test packages under -race (ADR 0216), named before $(MODULES) so go test starts them
# first: it starts packages in the order named, and a long package started last finishes last.
LONG_TESTS = ./services/gateway/server ./deploy/ops ./services/stack
# Every workspace module: `go test ./...` does not reach them from the root.
MODULES = $(shell go list -m -f '{{.Dir}}/...')
GO_FILES = $(shell find pkg services -name '*.go' -not -path '*/gen/*')

.PHONY: help
help: ## Describe useful make targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## .*$$' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*?## "}; {printf "%-18s %s\n", $$1, $$2}'

.PHONY: run
run: ## Run the whole system in one process (embedded NATS, data in ./data)
	@echo "building and starting the stack (the first build takes a few minutes; later ones seconds)..."
	@# Built, then run, not go run: go run exits 1 on Ctrl-C even when the stack stops cleanly, and
	@# make then printed "make: *** [Makefile:43: run] Error 1" under the stack's "stopped".
	go build -o bin/stack ./services/stack
	exec bin/stack

.PHONY: test
test: redis chromium axe jaeger $(BIN)/nats fmt-check vet check-generate ## Install what tests need, check formatting and generated code, run every test with -race
	@# -timeout is per package and is there for hangs: the gateway server's package took 700-915 s
	@# under -race on a quiet 2-core machine with its browser lane inside (session 38), and past
	@# 20 min in session 36 with the machine at load 20 (four builds beside CI). The browser lane
	@# (TestBrowsers: Chromium, one tab at a time, mostly waiting) runs as a go test of its own
	@# beside the rest, so the gateway's API tests keep both parallel slots and the lane starts at
	@# once rather than whenever Go's parallel scheduler reaches it (ADR 0216). The gateway server's
	@# test binary is built first, so the two go tests do not compile it twice.
	go test -race -c -o /dev/null ./services/gateway/server/
	@mkdir -p $(TMP)
	go test -race -count=1 -timeout 30m -run '$(BROWSER_LANE)' ./services/gateway/server/ >$(TMP)/browser-lane.log 2>&1 & lane=$$!; \
	  status=0; go test -race -count=1 -timeout 30m -skip '$(BROWSER_LANE)' $(LONG_TESTS) $(MODULES) || status=$$?; \
	  wait $$lane || status=$$?; \
	  echo "the browser lane (go test -run '$(BROWSER_LANE)' ./services/gateway/server/):"; cat $(TMP)/browser-lane.log; \
	  exit $$status

.PHONY: browsers
browsers: redis chromium axe ## Run the gateway's browser lane alone: every headless Chromium test, one after another (make e2e runs three of them)
	go test -race -count=1 -timeout 30m -run '$(BROWSER_LANE)' ./services/gateway/server/

.PHONY: test-short
test-short: ## Run every test once, without the race detector or checks
	go test -count=1 $(MODULES)

.PHONY: redis
redis: ## Install Debian's redis-server when absent (tests start their own)
	@if ! command -v redis-server >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing redis-server"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else echo "redis-server is missing: run 'sudo apt-get install -y redis-server'"; exit 1; fi; \
	fi

.PHONY: chromium
chromium: ## Install Debian's chromium and chromium-driver when absent (the gateway's browser test drives them)
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium and chromium-driver"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install -y chromium chromium-driver'"; exit 1; fi; \
	fi

.PHONY: e2e
e2e: redis chromium axe ## Drive the web app and the public answer page in headless Chromium (sign in, register, match, approve, export; the Swedish walk; answer in Arabic and Swedish); saves screenshots
	MP_SCREENSHOTS_DIR=$(CURDIR)/services/gateway/testdata/screenshots MP_WALK_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots \
	  go test -race -count=1 -run 'TestBrowsers/^(TestEndToEndBrowser|TestCoordinatorWalk|TestAnswerPageBrowser)$$' ./services/gateway/server/

.PHONY: webload
webload: ## Seed 20,000 newcomers and 5,000 volunteers in one organisation (dinners and guides in proportion) and time every web list and report page (p95 <= 150 ms)
	MP_SPEED_NEWCOMERS=20000 MP_SPEED_VOLUNTEERS=5000 MP_SPEED_JOB_MUNICIPALITIES=$${MP_SPEED_JOB_MUNICIPALITIES-0880} \
	  go test -count=1 -v -timeout 60m -run 'TestPageSpeed' ./services/gateway/server/

.PHONY: jaeger
jaeger: $(JAEGER_BIN) ## Build Jaeger all-in-one into .tmp/bin once per version (minutes the first time; make up JAEGER=1 and the trace test use it)

$(JAEGER_BIN):
	@mkdir -p $(BIN)
	@echo "building Jaeger $(JAEGER_VERSION) into $@ (once; minutes with a cold Go cache)"
	cd deploy/jaeger && GOWORK=off go build -o $@.tmp github.com/jaegertracing/jaeger/cmd/jaeger && mv $@.tmp $@

.PHONY: axe
axe: $(TMP)/axe/node_modules/axe-core/axe.min.js ## Install axe-core (npm) for the browser test's accessibility check

$(TMP)/axe/node_modules/axe-core/axe.min.js:
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing npm (axe-core comes from the npm registry)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is missing (axe-core comes from the npm registry): run 'sudo apt-get install -y npm'"; exit 1; fi; \
	fi
	@mkdir -p $(TMP)/axe
	cd $(TMP) && npm install --silent --no-save --prefix $(TMP)/axe axe-core@$(AXE_VERSION) >/dev/null

.PHONY: mp
mp: ## Build bin/mp, the command line client
	go build -o bin/mp ./services/gateway/cmd/mp

.PHONY: fmt-check
fmt-check: ## Fail when gofmt would change a file
	@out=$$(gofmt -l $(GO_FILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## go vet every module
	go vet $(MODULES)

.PHONY: lint
lint: fmt-check vet $(BIN)/buf ## gofmt, go vet and buf lint
	cd proto && buf lint

.PHONY: breaking
breaking: $(BIN)/buf ## Fail on wire-incompatible proto changes against main (records are stored in this format)
	cd proto && buf breaking --against '../.git#branch=main,subdir=proto'

.PHONY: proto
proto: $(BIN)/buf $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/protoc-gen-connect-go ## Regenerate pkg/gen from proto/
	cd proto && buf lint && buf generate

.PHONY: check-generate
check-generate: proto ## Fail when the committed generated code is stale
	@out=$$(git status --porcelain -- pkg/gen); if [ -n "$$out" ]; then echo "generated code is stale; run make proto and commit:"; echo "$$out"; exit 1; fi

.PHONY: bench
bench: ## Run the Go benchmarks of every module and the matching comparison with LEMON
	go test -run '^$$' -bench . -benchmem $(MODULES)
	bash pkg/match/bench/run.sh

.PHONY: load
load: $(BIN)/nats ## Load run on loopback: nats bench beside creates/s and send->consumer p99, durable writes per create, cached Get vs echo
	go run ./services/stack load -nats-cli $(BIN)/nats $(LOAD_ARGS)

.PHONY: match1
match1: ## Build bin/match1, the MATCH1 instance solver
	cd pkg && go build -o ../bin/match1 ./match/cmd/match1

.PHONY: build
build: match1 mp ## Build every binary into bin/
	go build -o bin/stack ./services/stack
	go build -o bin/participants ./services/participants
	go build -o bin/volunteers ./services/volunteers
	go build -o bin/mentoring ./services/mentoring
	go build -o bin/dinners ./services/dinners
	go build -o bin/guides ./services/guides
	go build -o bin/notify ./services/notify
	go build -o bin/gateway ./services/gateway/cmd/gateway

.PHONY: up
up: build redis $(BIN)/nats-server $(if $(JAEGER),$(JAEGER_BIN)) ## Run every service as its own process (two replicas of each) against nats-server and redis-server; NATS_NODES=3 for a cluster, REPLICAS=3 for three of each service, JAEGER=1 for traces in Jaeger, LEGACY_KEYS=read-only for ADR 0234's phase 3 (runbook); MP_NATS_PORT, GATEWAY_ADDR, ... move its ports (README, Configuration)
	cd deploy/ops && go run ./cmd/up -dir $(UP_DIR) -bin $(CURDIR)/bin -nats-server $(BIN)/nats-server -nats-nodes $(NATS_NODES) -replicas $(REPLICAS) $(if $(JAEGER),-jaeger $(JAEGER_BIN)) $(if $(LEGACY_KEYS),-legacy-keys $(LEGACY_KEYS)) start

.PHONY: down
down: ## Stop what make up started
	cd deploy/ops && go run ./cmd/up -dir $(UP_DIR) stop

.PHONY: renew-certs
renew-certs: ## Issue every NATS certificate of make up again (same CA) and have the running nodes load them, nothing restarted (ADR 0276)
	cd deploy/ops && go run ./cmd/up -dir $(UP_DIR) renew-certs

# The process `make restart` starts again: a name make up printed (mentoring-1, nats-2, redis, gateway).
P ?=
.PHONY: restart
restart: ## Start again one process of make up that died (P=mentoring-1), as make up ran it; make down stops it
	cd deploy/ops && go run ./cmd/up -dir $(UP_DIR) restart $(P)

.PHONY: seed
seed: ## Load the demo data set into a running stack (make run)
	go run ./services/stack seed

.PHONY: token
token: ## Print a local admin token for grpcurl (make run must have created ./data)
	@go run ./services/stack token

.PHONY: clean
clean: ## Remove build output and tools (keeps ./data)
	rm -rf bin .tmp

$(BIN)/buf:
	@mkdir -p $(BIN)
	@if command -v npm >/dev/null; then \
	  (cd $(TMP) && npm install --silent --no-save --prefix $(TMP)/npm @bufbuild/buf@$(BUF_VERSION) >/dev/null) && ln -sf $(TMP)/npm/node_modules/.bin/buf $(BIN)/buf; \
	else GOBIN=$(BIN) go install github.com/bufbuild/buf/cmd/buf@v$(BUF_VERSION); fi

# natscli for make load (its bench is the limit the stack is measured against), and for make test:
# deploy/ops runs a short load against make up's layout as the tools' NATS user (ADR 0230).
$(BIN)/nats:
	@mkdir -p $(BIN)
	GOBIN=$(BIN) go install github.com/nats-io/natscli/nats@v0.5.0

$(BIN)/nats-server:
	@mkdir -p $(BIN)
	GOBIN=$(BIN) go install github.com/nats-io/nats-server/v2@$(NATS_SERVER_VERSION)

$(BIN)/protoc-gen-go:
	@mkdir -p $(BIN)
	cd pkg && GOBIN=$(BIN) go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

$(BIN)/protoc-gen-go-grpc:
	@mkdir -p $(BIN)
	GOBIN=$(BIN) go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

$(BIN)/protoc-gen-connect-go:
	@mkdir -p $(BIN)
	cd pkg && GOBIN=$(BIN) go install connectrpc.com/connect/cmd/protoc-gen-connect-go@$(PROTOC_GEN_CONNECT_GO_VERSION)
