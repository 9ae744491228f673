# Hotline — build, run and test.
#   make run    install what is missing, build, start hotlined with a demo tenant
#   make test   install, build, run every test suite
#   make bench  performance figures (see docs/performance.md)

VERSION  := 0.1.0
CC       ?= cc
# spandsp before librem: both export goertzel_init/_reset/_result, and
# spandsp's DTMF receiver only works with its own (src/media/dtmf_detect.c).
PKGS     := spandsp libre librem jansson sqlite3 libpq libsodium opus libbcg729 sndfile espeak-ng \
	    libcrypto libssl
CFLAGS   += -std=c11 -D_GNU_SOURCE -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H \
	    -Wall -Wextra -Werror -g -MMD -MP -DHOTLINE_VERSION=\"$(VERSION)\" \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I/usr/include/postgresql
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
# src/sip/ws_subprotocol.c stands in for two libre functions (libre calls
# them through its PLT): the executable must export them.
LDLIBS   += -Wl,--export-dynamic-symbol=websock_accept \
	    -Wl,--export-dynamic-symbol=http_reply
OPT      ?= -O2
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined

SRC      := $(sort $(wildcard src/*/*.c))
OBJ      := $(SRC:src/%.c=build/obj/%.o)
ASAN_OBJ := $(SRC:src/%.c=build/asan/obj/%.o)
ASAN_LIB := $(filter-out build/asan/obj/core/main.o,$(ASAN_OBJ))
UNITS    := $(patsubst tests/unit/test_%.c,build/asan/unit_%,$(wildcard tests/unit/test_*.c))
WEB_SRC  := $(shell find web/src web/index.html web/package.json web/vite.config.ts -type f 2>/dev/null)

.PHONY: all deps build web run test test-build bench clean print-pkgs

all: build

deps:
	@scripts/deps.sh

build: build/hotlined web

build/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "cc      $<"
	@$(CC) $(CFLAGS) $(OPT) -c -o $@ $<

build/asan/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "cc asan $<"
	@$(CC) $(CFLAGS) -O1 $(SAN) -c -o $@ $<

build/hotlined: $(OBJ)
	@echo "link    $@"
	@$(CC) -o $@ $^ $(LDLIBS)

# The binary the tests run: the same code with AddressSanitizer and UBSan.
build/asan/hotlined: $(ASAN_OBJ)
	@echo "link    $@"
	@$(CC) $(SAN) -o $@ $^ $(LDLIBS)

build/asan/unit_%: tests/unit/test_%.c $(ASAN_LIB)
	@echo "link    $@"
	@$(CC) $(CFLAGS) -O1 $(SAN) -Isrc -o $@ $< $(ASAN_LIB) $(LDLIBS) -lcmocka

web: web/dist/index.html

web/dist/index.html: $(WEB_SRC) web/node_modules/.hotline-lock
	cd web && npm run --silent build

run: deps
	@$(MAKE) --no-print-directory -j2 build
	@scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory -j2 test-build
	@tests/run.sh

test-build: build/asan/hotlined $(UNITS) web

bench: deps
	@$(MAKE) --no-print-directory -j2 build/hotlined
	@bench/run.sh

# The libraries the daemon links (bench/rtp_relay.sh builds with them).
print-pkgs:
	@echo $(PKGS)

clean:
	rm -rf build web/dist

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d)

# --- fuzzing (tests/fuzz/): libFuzzer target for the SIP input path --------
# build/fuzz/fuzz_sip: the daemon's objects (minus main) built with clang,
# coverage and ASan/UBSan, linked with tests/fuzz/fuzz_sip.c. tests/run.sh
# runs it for 30 s; see tests/fuzz/README.md.
FUZZ_CC   ?= clang
FUZZ_SAN  := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=undefined
FUZZ_OBJ  := $(filter-out build/fuzz/obj/core/main.o,$(SRC:src/%.c=build/fuzz/obj/%.o))

.PHONY: fuzz
fuzz: build/fuzz/fuzz_sip

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "cc fuzz $<"
	@$(FUZZ_CC) $(CFLAGS) -Wno-error -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/fuzz_sip: tests/fuzz/fuzz_sip.c $(FUZZ_OBJ)
	@echo "link    $@"
	@$(FUZZ_CC) $(CFLAGS) -Wno-error -O1 $(FUZZ_SAN) -fsanitize=fuzzer -Isrc -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

test-build: build/fuzz/fuzz_sip

-include $(FUZZ_OBJ:.o=.d) build/fuzz/fuzz_sip.d
