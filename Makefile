# cxm - top-level make targets. The real build is CMake; this file is the
# front door the README documents.
#   make          build (build/)
#   make demo     install what is missing, build, run the support report on a sample
#   make check    build and run every test through ctest
#   make asan     the same tests under AddressSanitizer + UBSan (build-asan/)
#   make bench    benchmarks against peers; writes docs/PERFORMANCE.md
#   make lint     banned functions and clang-format check
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CXM    = $(BUILD)/cxm

.PHONY: all deps build demo check asan valgrind bench lint clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@mkdir -p $(BUILD)/demo
	@$(CXM) sample --tickets 2000 --seed 7 --out $(BUILD)/demo
	@$(CXM) report --data $(BUILD)/demo --by month --calendar examples/calendar.ini \
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

lint:
	@bash scripts/lint.sh

clean:
	rm -rf $(BUILD) build-asan
