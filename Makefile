# cxm - top-level make targets. The real build is CMake; this file is the
# front door the README documents.
#   make          build (build/)
#   make demo     install what is missing, build, run the support report on a sample
#   make check    build and run every test through ctest
#   make asan     the same tests under AddressSanitizer + UBSan (build-asan/)
#   make bench    benchmarks against peers; writes docs/PERFORMANCE.md
#   make bench-serve  ingest + dashboard latency over HTTP (bench/serve.sh; 10M + 10M records)
#   make lint     banned functions and clang-format check
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CXM    = $(BUILD)/cxm

.PHONY: all deps build demo check asan valgrind bench bench-serve lint clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_RULE_MESSAGES=OFF -DCMAKE_TARGET_MESSAGES=OFF >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory -s

demo: build
	@mkdir -p $(BUILD)/demo
	@$(CXM) sample --tickets 2000 --seed 7 --out $(BUILD)/demo
	@$(CXM) report --data $(BUILD)/demo --by quarter --calendar examples/calendar.ini \
	    --sla examples/sla.csv --tz Europe/Berlin

check: build lint
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCXM_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && CXM_TEST_LIGHT=1 ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

valgrind: build
	@cd $(BUILD) && ctest -T memcheck -R unit/ --output-on-failure

bench: build
	@bash scripts/install-deps.sh --bench
	@bash bench/run.sh $(CXM)

# Only the serving benchmark; its section of docs/PERFORMANCE.md is replaced.
bench-serve: build
	@bash scripts/install-deps.sh --bench
	@SERVE_DOC=1 bash bench/serve.sh $(CXM)

lint:
	@bash scripts/lint.sh

clean:
	rm -rf $(BUILD) build-asan

# Fuzz every parser with libFuzzer (clang): FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -Isrc
LIB_SRC = $(filter-out src/cli/% src/server/%,$(wildcard src/*/*.c))
FUZZ_LIBS = -ljansson -lxxhash $(shell pkg-config --libs icu-uc icu-i18n sqlite3 libcrypto) -lm -lpthread
.PHONY: fuzz
fuzz:
	@command -v clang >/dev/null || apt-get install -y -qq clang >/dev/null
	@mkdir -p build-fuzz/corpus
	@for t in rows time calendar report themes; do \
	  clang $(FUZZ_CFLAGS) tests/fuzz/fuzz_$$t.c $(LIB_SRC) $(FUZZ_LIBS) -o build-fuzz/fuzz_$$t || exit 1; \
	  mkdir -p build-fuzz/corpus/$$t; cp tests/golden/*/*.csv tests/golden/*/*.ndjson tests/golden/*/*.ini examples/*.ini build-fuzz/corpus/$$t/ 2>/dev/null; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	  (cd build-fuzz && ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 corpus/$$t >fuzz_$$t.log 2>&1) \
	    || { tail -30 build-fuzz/fuzz_$$t.log; exit 1; }; \
	  tail -1 build-fuzz/fuzz_$$t.log; \
	done
