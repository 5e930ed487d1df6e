# featureflags: the commands a developer and CI use.

GO ?= go
POSTGRES_NOTE = "NOTE: FEATUREFLAGS_TEST_POSTGRES_URL is not set, so the PostgreSQL tests are SKIPPED (the replicas test, the export/import test and the PostgreSQL store and API suites). Set it, e.g. FEATUREFLAGS_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable', to run them."

.PHONY: run build test lint bench fuzz

# VERSION and COMMIT are stamped into the binary (featureflags version, featureflags_build_info).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The build flags; the Dockerfile uses the same (deploy/deploytest checks it).
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS = -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

## run: start the service on 127.0.0.1:8080 with its data in ./data
run:
	$(GO) run ./cmd/featureflags serve --log-format text

## build: build the binary into bin/featureflags (no cgo needed)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/featureflags ./cmd/featureflags

## lint: gofmt and go vet over the three modules
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd internal/mongotest && $(GO) vet ./...
	cd deploy/deploytest && $(GO) vet ./...

## test: every test, with the race detector, in the three modules (deploy/deploytest: the deployment kit)
test: lint
	@if [ -z "$$FEATUREFLAGS_TEST_POSTGRES_URL" ]; then echo $(POSTGRES_NOTE); fi
	$(GO) test -race -count=1 -timeout 30m ./...
	cd internal/mongotest && $(GO) test -race -count=1 -timeout 30m ./...
	cd deploy/deploytest && $(GO) test -race -count=1 -timeout 30m ./...
	# The allocation check of an evaluation request, which the race
	# detector's randomly dropping sync.Pool makes meaningless under -race.
	$(GO) test -count=1 -run 'TestEvalRequestAllocs$$' ./internal/server/
	@if [ -z "$$FEATUREFLAGS_TEST_POSTGRES_URL" ]; then echo $(POSTGRES_NOTE); fi

## bench: every benchmark (figures in the README)
bench:
	@if [ -z "$$FEATUREFLAGS_TEST_POSTGRES_URL" ]; then echo $(POSTGRES_NOTE); fi
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...
	cd internal/mongotest && $(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: each fuzz target for FUZZTIME executions (seed corpora in testdata/fuzz run in every `make test` too).
## A count, not a duration: a duration races Go's fuzz coordinator at its deadline and
## fails with "context deadline exceeded" and no crasher (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 20000x
fuzz:
	@for pkg in ./internal/server ./internal/service ./internal/ofrepjson; do \
	  for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$pkg/*_test.go | sed 's/^func //'); do \
	    echo "fuzz $$pkg $$target, $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done
