# Thin front of the CMake presets (CMakePresets.json). `make run` and
# `make test` install what is missing first (scripts/install-deps).
JOBS ?= $(shell nproc)
BIN := build/release/src/cli/mailroom
FUZZ_SECONDS ?= 10

.PHONY: all deps build run test test-release test-asan fuzz bench bench-deps clean

all: build

deps:
	@scripts/install-deps

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

run: build
	$(BIN) serve $(ARGS)

# Every test: unit, transcript and integration in the release build, the
# same under ASan+UBSan, then each fuzz target briefly.
test: deps
	$(MAKE) test-release
	$(MAKE) test-asan
	$(MAKE) fuzz

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --test-dir build/release --output-on-failure -j $(JOBS)

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build/asan --output-on-failure -j $(JOBS)

fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	fuzz/run.sh $(FUZZ_SECONDS)

# Benchmarks against a private Postfix + Dovecot (bench/README.md): SMTP
# acceptance, POP3 retrieval, idle connections, 50 x 30 MiB memory; IMAP
# FETCH, big mailboxes and SEARCH, 10,000 IDLE.
# Not part of `make test`. Quick run: make bench BENCH_ARGS=--quick
BENCH_ARGS ?=
# An older mailroom binary measured in the same runs: make bench BENCH_BEFORE=/path/to/old/mailroom
BENCH_BEFORE ?=
before_arg = $(if $(BENCH_BEFORE),--before $(BENCH_BEFORE))
bench-deps:
	@scripts/install-bench-deps

bench: deps bench-deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target mailroom
	python3 bench/smtp_accept.py $(BENCH_ARGS) $(before_arg)
	python3 bench/pop3_retrieve.py $(filter --quick,$(BENCH_ARGS)) $(before_arg)
	python3 bench/idle_connections.py $(filter --quick,$(BENCH_ARGS)) $(before_arg)
	python3 bench/big_messages.py $(filter --quick,$(BENCH_ARGS)) $(before_arg)
	python3 bench/imap_fetch.py $(filter --quick,$(BENCH_ARGS)) $(before_arg)
	python3 bench/imap_mailbox.py $(filter --quick,$(BENCH_ARGS))
	python3 bench/imap_idle.py $(filter --quick,$(BENCH_ARGS))

clean:
	rm -rf build
