# dropscan: `make demo` and `make test` do all the set-up on a fresh Debian machine (run as root, or
# with the packages below already installed).
SHELL := /bin/bash
.DEFAULT_GOAL := build

# Debian packages: build (PCRE2, zlib, libpg_query), tests (a real PostgreSQL server, gzip, python3's
# jsonschema for the report schema), bench (the peers it compares against).
BUILD_PACKAGES := libpcre2-dev zlib1g-dev libpg-query-dev pkg-config
TEST_PACKAGES  := postgresql postgresql-contrib gzip python3-jsonschema
BENCH_PACKAGES := ripgrep ugrep pgbadger time bc

SWIFT        ?= swift
RELEASE_BIN  := .build/release/dropscan
DEMO         := Tests/DropScanTests/Fixtures/demo

define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make: run as root, or install:$$missing" >&2; exit 2; fi; \
	  if [ ! -f /tmp/.dropscan-apt-updated ]; then apt-get update -q >/dev/null && touch /tmp/.dropscan-apt-updated; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: deps test-deps bench-deps build debug test lint demo bench eval clean

deps:
	$(call install_missing,$(BUILD_PACKAGES))

test-deps: deps
	$(call install_missing,$(TEST_PACKAGES))

bench-deps: test-deps
	$(call install_missing,$(BENCH_PACKAGES))

build: deps
	$(SWIFT) build -c release --product dropscan

debug: deps
	$(SWIFT) build --build-tests

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

test: test-deps lint debug
	.build/debug/dropscan patterns check Patterns
	$(SWIFT) test --skip-build

demo: build test-deps
	@mkdir -p Reports/demo
	$(RELEASE_BIN) scan --targets-file $(DEMO)/targets.txt --logs $(DEMO)/logs --source $(DEMO)/app \
	  --json Reports/demo/report.json --markdown Reports/demo/report.md --sarif Reports/demo/report.sarif; \
	  status=$$?; echo; echo "exit code $$status (0 pass, 1 blocked, 2 usage error, 3 inconclusive)"; \
	  echo "reports: Reports/demo/report.json, Reports/demo/report.md, Reports/demo/report.sarif"; \
	  [ $$status -le 3 ]

bench: build bench-deps
	Tests/Bench/bench.sh $(RELEASE_BIN)

# Recall, false blockers and decoys on real applications (Tests/Eval/README.md). REPOS holds the
# checkouts that Tests/Eval/prepare.sh writes from local clones or mirrors; nothing is downloaded.
eval: build
	@if [ -z "$(REPOS)" ]; then echo "usage: make eval REPOS=DIR (prepare DIR with Tests/Eval/prepare.sh)" >&2; exit 2; fi
	python3 Tests/Eval/eval.py --repos "$(REPOS)" --dropscan $(RELEASE_BIN) $(if $(EVAL_JSON),--json $(EVAL_JSON))

clean:
	rm -rf .build Reports/demo bench-data
