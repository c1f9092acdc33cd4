# The two commands of the README: `make demo` and `make test`. Both set themselves up.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: setup setup-test build test demo sanitize fuzz fuzz-smoke bench format format-check clean

setup:
	@./scripts/setup.sh

setup-test:
	@./scripts/setup.sh --test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Ends with the list of skipped tests and why (none under CI=true, where a missing oracle,
# package or fixture fails its test).
test: setup-test $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS); status=$$?; \
	  /usr/bin/python3 $(CURDIR)/scripts/test_summary.py . ; exit $$status

demo: build
	./examples/demo.sh out/demo
	./examples/instruction_tuning/run.sh out/tutorial
	PACKING=bfd ./examples/instruction_tuning/run.sh out/tutorial_packed
	./examples/chat_format/run.sh out/chat_format
	@echo "== the two recipes (trainable tokens/s: median over logged intervals)"
	@echo "padded (reference) recipe: $$(cat out/tutorial/throughput.txt)"
	@echo "packed (bfd) recipe:       $$(cat out/tutorial_packed/throughput.txt)"

sanitize: setup-test
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DINSTILL_SANITIZE=ON
	cmake --build build-sanitize -j $(JOBS)
	cd build-sanitize && ctest --output-on-failure -j $(JOBS); status=$$?; \
	  /usr/bin/python3 $(CURDIR)/scripts/test_summary.py . ; exit $$status

# libFuzzer targets of fuzz/ (docs/fuzzing.md): clang, ASan+UBSan, torch-free areas only.
fuzz: setup-test
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DINSTILL_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS)

# The reproducers of fuzz/regressions/, then 10000 inputs per target from a fixed seed (the same
# inputs on every machine, so CI is repeatable; under a minute in all); fails on any crash,
# sanitizer report, leak, timeout or out-of-memory. Longer, time-based runs: fuzz/run_long.sh.
fuzz-smoke: fuzz
	FUZZ_RUNS=10000 ./fuzz/run.sh 120

bench: build
	./bench/run_all.sh

SOURCES = find src tests bench fuzz \( -name '*.cpp' -o -name '*.hpp' \)

format:
	$(SOURCES) | xargs clang-format -i

# clang-format dry run (fails naming each file that `make format` would change), and no
# function in src/ longer than 120 lines.
format-check: setup-test
	$(SOURCES) | xargs clang-format --dry-run --Werror
	/usr/bin/python3 scripts/function_lengths.py src 120

clean:
	rm -rf $(BUILD) build-sanitize build-fuzz
