# The two commands of the README: `make demo` and `make test`. Both set themselves up.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: setup setup-test build test demo sanitize bench format clean

setup:
	@./scripts/setup.sh

setup-test:
	@./scripts/setup.sh --test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: setup-test $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	./examples/demo.sh out/demo
	./examples/instruction_tuning/run.sh out/tutorial

sanitize: setup-test
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DINSTILL_SANITIZE=ON
	cmake --build build-sanitize -j $(JOBS)
	cd build-sanitize && ctest --output-on-failure -j $(JOBS)

bench: build
	./bench/run_all.sh

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-sanitize
