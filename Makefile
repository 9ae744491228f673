# Hotline — build, run and test.
#   make run    install what is missing, build, start hotlined with a demo tenant
#   make test   install, build, run every test suite
#   make bench  performance figures (see docs/performance.md)

VERSION  := 0.1.0
CC       ?= cc
PKGS     := libre librem jansson sqlite3 libpq libsodium
CFLAGS   += -std=c11 -D_GNU_SOURCE -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -Wall -Wextra -Werror -g \
	    -DHOTLINE_VERSION=\"$(VERSION)\" \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I/usr/include/postgresql
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
OPT      ?= -O2

SRC      := $(sort $(wildcard src/*/*.c))
LIB_SRC  := $(filter-out src/core/main.c,$(SRC))
HDR      := $(wildcard src/*/*.h)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps run test test-unit bench build web clean fuzz

all: build

deps:
	@scripts/deps.sh

build: build/hotlined web

build/hotlined: $(SRC) $(HDR) Makefile
	@mkdir -p build
	$(CC) $(CFLAGS) $(OPT) -o $@ $(SRC) $(LDLIBS)

# The binary the tests run: same code with AddressSanitizer and UBSan.
build/asan/hotlined: $(SRC) $(HDR) Makefile
	@mkdir -p build/asan
	$(CC) $(CFLAGS) -O1 $(SAN) -o $@ $(SRC) $(LDLIBS)

build/asan/unit_%: tests/unit/test_%.c $(LIB_SRC) $(HDR) Makefile
	@mkdir -p build/asan
	$(CC) $(CFLAGS) -O1 $(SAN) -Isrc -o $@ $< $(LIB_SRC) $(LDLIBS) -lcmocka

web: web/dist/index.html

web/dist/index.html: $(shell find web/src web/index.html web/package.json web/vite.config.* -type f 2>/dev/null)
	cd web && npm run --silent build

run: deps build
	@scripts/run.sh

test: deps build/asan/hotlined $(patsubst tests/unit/test_%.c,build/asan/unit_%,$(UNIT_SRC)) web
	@tests/run.sh

bench: deps build/hotlined
	@bench/run.sh

clean:
	rm -rf build web/dist
