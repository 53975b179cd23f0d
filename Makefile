# shenpi - build, run and test. `make run` and `make test` do all set-up on Debian 12.

PKGS      := libmicrohttpd sqlite3 libpq jansson libsodium libgvc xlsxwriter pangocairo
CC        ?= cc
WARN      := -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wno-format-nonliteral
CFLAGS_ALL = -std=gnu11 $(WARN) -Isrc -Ibuild $(shell pkg-config --cflags $(PKGS))
LIBS       = $(shell pkg-config --libs $(PKGS)) -lzint -lpthread
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRC       := $(sort $(wildcard src/core/*.c src/db/*.c src/domain/*.c src/http/*.c src/api/*.c \
                     src/pdf/*.c))
MIGR      := $(sort $(wildcard src/db/migrations/*.sql))
HDRS      := $(wildcard src/*/*.h)
UNIT      := $(sort $(wildcard tests/unit/test_*.c))

DB        ?= sqlite:var/shenpi.db
LISTEN    ?= 127.0.0.1:8080

.PHONY: all run test build web clean format bench-notice
all: build web

build: bin/shenpi

build/migrations.c: $(MIGR) scripts/embed-sql.sh
	@mkdir -p build
	scripts/embed-sql.sh $(MIGR) > $@

bin/shenpi: $(SRC) src/main.c build/migrations.c $(HDRS)
	@mkdir -p bin
	$(CC) $(CFLAGS_ALL) -O2 -g -o $@ src/main.c $(SRC) build/migrations.c $(LIBS)

# The binary the tests run: sanitizers on, every warning an error.
build/asan/shenpi: $(SRC) src/main.c build/migrations.c $(HDRS)
	@mkdir -p build/asan
	$(CC) $(CFLAGS_ALL) -O1 -g $(SAN) -o $@ src/main.c $(SRC) build/migrations.c $(LIBS)

build/asan/test_%: tests/unit/test_%.c $(SRC) build/migrations.c $(HDRS)
	@mkdir -p build/asan
	$(CC) $(CFLAGS_ALL) -O1 -g $(SAN) -o $@ $< $(SRC) build/migrations.c $(LIBS) -lcmocka

# Notice rendering speed (docs/performance.md): an optimised build, no sanitizers.
build/bench/notice: bench/notice.c $(SRC) build/migrations.c $(HDRS)
	@mkdir -p build/bench
	$(CC) $(CFLAGS_ALL) -O2 -g -o $@ $< $(SRC) build/migrations.c $(LIBS)

bench-notice: build/bench/notice
	build/bench/notice

web: web/dist/index.html

web/dist/index.html: $(shell find web/src web/index.html web/package-lock.json web/vite.config.js 2>/dev/null)
	cd web && npm run build

run:
	scripts/deps.sh run
	$(MAKE) all
	@mkdir -p var
	@if [ ! -e var/shenpi.db ]; then bin/shenpi init --db $(DB) --demo; fi
	bin/shenpi serve --db $(DB) --listen $(LISTEN) --web web/dist

test:
	scripts/deps.sh test
	scripts/test.sh

format:
	clang-format -i src/*.c src/*/*.c src/*/*.h tests/unit/*.c

clean:
	rm -rf bin build web/dist
