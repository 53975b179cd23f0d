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

.PHONY: all run test build web clean format bench bench-notice bench-scale soak fuzz
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

# The lifecycle ceiling: libmicrohttpd alone, with shenpi's threading and options.
build/bench/hello: bench/hello.c
	@mkdir -p build/bench
	$(CC) -std=gnu11 $(WARN) -O2 -g -o $@ $< $(shell pkg-config --cflags --libs libmicrohttpd)

# The lifecycle's load: keep-alive HTTP clients in one epoll thread.
build/bench/driver: bench/driver.c
	@mkdir -p build/bench
	$(CC) -std=gnu11 $(WARN) -O2 -g -o $@ $< -ljansson

BENCH_MACHINE = echo "== $$(date -u '+%F %T UTC'), $$(nproc) cores, $$(awk '/MemTotal/ {printf "%.0f GiB", $$2/1048576}' /proc/meminfo), load average $$(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_PG_DIR  ?= /tmp/shenpi-bench-pg
BENCH_PG_PORT ?= 54339
BENCH_OUT     := build/bench/lifecycle.jsonl

# docs/performance.md, "Benchmark suite": the lifecycle over HTTP on SQLite (writes answered
# in brief, then with the whole case), on PostgreSQL
# (a private server from scripts/pg.sh, stopped after) and against the hello server, which
# prints the ratios; then the notice bench. The province scale is `make bench-scale`.
bench: bin/shenpi build/bench/hello build/bench/driver build/bench/notice
	@rm -f $(BENCH_OUT)
	@$(BENCH_MACHINE); echo "== node bench/lifecycle.mjs --record $(BENCH_OUT)"
	node bench/lifecycle.mjs --record $(BENCH_OUT)
	@$(BENCH_MACHINE); echo "== node bench/lifecycle.mjs --full --record $(BENCH_OUT)"
	node bench/lifecycle.mjs --full --record $(BENCH_OUT)
	@url=$$(scripts/pg.sh start $(BENCH_PG_DIR) $(BENCH_PG_PORT)) && \
	  trap 'scripts/pg.sh stop $(BENCH_PG_DIR)' EXIT && \
	  $(BENCH_MACHINE) && echo "== SHENPI_TEST_DB=pg SHENPI_PG_URL=$$url node bench/lifecycle.mjs --record $(BENCH_OUT)" && \
	  SHENPI_TEST_DB=pg SHENPI_PG_URL=$$url node bench/lifecycle.mjs --record $(BENCH_OUT)
	@$(BENCH_MACHINE); echo "== node bench/lifecycle.mjs --hello --record $(BENCH_OUT)"
	node bench/lifecycle.mjs --hello --record $(BENCH_OUT)
	@$(MAKE) --no-print-directory bench-notice
	@echo "== figures: above and in $(BENCH_OUT); the write-up is docs/performance.md"

bench-notice: build/bench/notice
	@$(BENCH_MACHINE); echo "== build/bench/notice"
	build/bench/notice

# The supervision reads at province scale: `shenpi gen` of 2 million cases takes 15+ minutes.
bench-scale: bin/shenpi
	@$(BENCH_MACHINE); echo "== bench/scale.sh"
	bench/scale.sh

# docs/reliability.md, "Load (soak)": ten minutes of the lifecycle at a steady rate over 64
# clients on SQLite, then on PostgreSQL (a private server, stopped after); fails on any failed
# request or an RSS grown by more than 10 %. tests/http/soak.test.mjs is the short run.
SOAK_PG_DIR  ?= /tmp/shenpi-soak-pg
SOAK_PG_PORT ?= 54341
SOAK_ARGS    ?=
soak: bin/shenpi
	@$(BENCH_MACHINE); echo "== node bench/soak.mjs $(SOAK_ARGS)"
	node bench/soak.mjs $(SOAK_ARGS)
	@url=$$(scripts/pg.sh start $(SOAK_PG_DIR) $(SOAK_PG_PORT)) && \
	  trap 'scripts/pg.sh stop $(SOAK_PG_DIR)' EXIT && \
	  $(BENCH_MACHINE) && echo "== SHENPI_TEST_DB=pg SHENPI_PG_URL=$$url node bench/soak.mjs $(SOAK_ARGS)" && \
	  SHENPI_TEST_DB=pg SHENPI_PG_URL=$$url node bench/soak.mjs $(SOAK_ARGS)

# libFuzzer targets (tests/fuzz, docs/reliability.md): the sources built once with clang's
# coverage instrumentation and ASan+UBSan into an archive, each target linked against it.
# `make fuzz` runs each for FUZZ_SECONDS on its corpus; scripts/test.sh runs them briefly.
FUZZ        := $(sort $(patsubst tests/fuzz/fuzz_%.c,build/fuzz/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_CC     := clang
# clang alone warns of the SQL strings that continue over lines in arrays (domain/stats.c)
FUZZ_CFLAGS  = -std=gnu11 $(WARN) -Wno-string-concatenation -Isrc -Ibuild \
               $(shell pkg-config --cflags $(PKGS)) -O1 -g $(SAN)
FUZZ_OBJ    := $(patsubst %.c,build/fuzz/obj/%.o,$(SRC) build/migrations.c)
FUZZ_SECONDS ?= 300

build/fuzz/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libshenpi.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) build/fuzz/libshenpi.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libshenpi.a $(LIBS)

fuzz: $(FUZZ)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ)

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
