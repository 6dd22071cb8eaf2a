# The two README commands, and a few conveniences. Every target runs the idempotent setup first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8443

.PHONY: setup build release run test asan tsan fuzz format format-check certs bench conformance clean

setup:
	@scripts/setup.sh

build: setup
	@cmake --preset dev >/dev/null && cmake --build --preset dev -j $(JOBS)

release: setup
	@cmake --preset release >/dev/null && cmake --build --preset release -j $(JOBS)

certs: setup
	@certs/make-certs.sh certs

# 1. Set up, build Release, make throwaway certificates, serve the example SidecarSets.
run: release certs
	build/release/sidecarset-injector serve --sidecarsets examples/sidecarsets \
	  --tls-cert certs/tls.crt --tls-key certs/tls.key --listen $(LISTEN)

# 2. Set up, build, run the whole test suite.
test: build
	@cd build/dev && ctest --output-on-failure -j $(JOBS)

asan: setup
	@cmake --preset asan >/dev/null && cmake --build --preset asan -j $(JOBS)
	@cd build/asan && ctest --output-on-failure -j $(JOBS)

# ThreadSanitizer over the threaded parts: the HTTPS server (sessions, shutdown, TLS rotation,
# mutual TLS, the body cap), the file reloader, the informers and the World built on several
# threads.
tsan: setup
	@cmake --preset tsan >/dev/null && cmake --build --preset tsan -j $(JOBS)
	@ctest --preset tsan -j $(JOBS)

# Coverage-guided fuzzing of one target (test/fuzz/<TARGET>.cpp) with libFuzzer + ASan + UBSan
# (clang 16, installed by SETUP_FUZZ=1). Mutates a scratch copy of the committed corpus, niced and
# bounded; new inputs land in build/fuzz/corpus/<TARGET>, crashes in build/fuzz/artifacts/.
# Fold them back into fixtures/fuzz/<TARGET> with scripts/fuzz-merge.sh <TARGET>.
TARGET ?= decode_fuzz
SECONDS ?= 60
FUZZ_FLAGS ?=
fuzz:
	@SETUP_FUZZ=1 scripts/setup.sh
	@cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j $(JOBS) --target $(TARGET)
	@scripts/fuzz-run.sh $(TARGET) $(SECONDS) $(FUZZ_FLAGS)

conformance: release
	../shared/conformance/run build/release/sidecarset-injector

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

bench: release
	@bench/run.sh

clean:
	rm -rf build
