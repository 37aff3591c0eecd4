# Thin wrapper: the real build is CMake. `make demo` and `make test` do all set-up.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: setup build test demo fuzz clean

setup:
	@scripts/setup
	@scripts/setup-agents

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

demo: build
	scripts/demo $(BUILD)/agentrace

# The fuzz targets of every parser of hostile input, FUZZ_SECONDS in all (default 240),
# in their own clang build (scripts/fuzz).
fuzz: setup
	scripts/fuzz

clean:
	rm -rf $(BUILD)
