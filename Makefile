# kamgov entry points. Each target installs missing Debian packages first.
#   make run     build (Release) and start kamgovd on ./data
#   make test    build and run every test
#   make bench   build and run the quick benchmarks
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:50051
DATA_DIR ?= ./data
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld-14 \
  -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld-14

.PHONY: deps configure build run test bench clean

deps:
	@deploy/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/cmd/kamgovd --listen=$(LISTEN) --data_dir=$(DATA_DIR)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	@mkdir -p bench/results
	$(BUILD_DIR)/bench/kamgov-bench all --quick --json_out=bench/results/latest.json

clean:
	rm -rf $(BUILD_DIR)

# make fuzz: every libFuzzer harness (tests/fuzz/) for FUZZ_SECONDS each, in
# its own instrumented build directory (clang-14, libclang-rt-14-dev).
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	@deploy/install-deps.sh --fuzz
	cmake -S . -B $(FUZZ_BUILD_DIR) $(CMAKE_FLAGS) -DKAMGOV_FUZZ=ON \
	  "-DCMAKE_CXX_FLAGS=-fsanitize=address,fuzzer-no-link -fno-omit-frame-pointer -g"
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target kamgov_fuzzers
	tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)
