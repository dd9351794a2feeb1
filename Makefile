# gt - plain GNU Makefile.
#
#   make                    build programs into build/bin
#   make run                install what the build needs, build, run the standalone server
#                           on ./gt-data-home (HTTP on 127.0.0.1:4000)
#   make SANITIZE=address,undefined   build into build-san/ with sanitizers
#   make check              install what the tests need, then every suite (also under
#                           ASan+UBSan); last line "N passed, N failed"
#   make fuzz               libFuzzer binaries (clang) into build-fuzz/
#   make install PREFIX=/usr/local
#
# Every lib/*.c goes into libgt.a; every bin/gt-*.c is a program;
# every tests/unit/test-*.c a TAP unit test; every tests/fuzz/fuzz-*.c
# a fuzz target whose corpus is tests/fuzz/corpus/<name>/.

CC ?= cc
PREFIX ?= /usr/local
SANITIZE ?=
PKGS := libzstd jansson libxxhash libmicrohttpd zlib libcurl libpcre2-8 libcrypto libprotobuf-c

ifeq ($(SANITIZE),)
O ?= build
OPT ?= -O2 -g
else
O ?= build-san
OPT ?= -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
endif

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
	-Wno-unused-parameter -Wmissing-prototypes \
	$(shell $(CC) -Werror -Wno-format-truncation -x c -c /dev/null -o /dev/null 2>/dev/null && echo -Wno-format-truncation)
CPPFLAGS += -D_GNU_SOURCE -Ilib -I$(O)/gen $(shell pkg-config --cflags $(PKGS))
CFLAGS += $(OPT) $(WARN) -pthread
LDFLAGS += $(if $(SANITIZE),-fsanitize=$(SANITIZE))
# snappy (libsnappy-dev) has no .pc file
LDLIBS += $(shell pkg-config --libs $(PKGS)) -lsnappy -lpthread -lm

LIB_SRC := $(sort $(wildcard lib/*.c))
# Protocol buffers (proto/*.proto) compiled by protoc-c into $(O)/gen/,
# their C linked into libgt.a like lib/*.c.
PROTO := $(sort $(wildcard proto/*.proto))
PROTO_C := $(patsubst proto/%.proto,$(O)/gen/%.pb-c.c,$(PROTO))
PROTO_H := $(PROTO_C:.c=.h)
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o) $(PROTO_C:.c=.o)
PROGS := $(patsubst bin/%.c,$(O)/bin/%,$(sort $(wildcard bin/gt-*.c)))
UNIT := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(sort $(wildcard tests/unit/test-*.c)))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(O)/tests/fuzz/%,$(FUZZ_SRC))
TOOLS := $(patsubst tests/tools/%.c,$(O)/tests/tools/%,$(sort $(wildcard tests/tools/*.c)))

all: $(PROGS) $(UNIT) $(FUZZ_REPLAY) $(TOOLS)

$(O)/%.o: %.c $(wildcard lib/*.h lib/*.inc)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/gen/%.pb-c.c $(O)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(dir $@)
	protoc-c --proto_path=proto --c_out=$(O)/gen $<

# generated code: compiled without the house warnings
$(O)/gen/%.pb-c.o: $(O)/gen/%.pb-c.c
	$(CC) $(CPPFLAGS) $(OPT) -std=c11 -pthread -c -o $@ $<

# whatever includes a generated header waits for it
$(LIB_OBJ) $(patsubst %.c,$(O)/%.o,$(wildcard tests/tools/*.c tests/fuzz/*.c tests/unit/*.c bin/*.c)): | $(PROTO_H)

$(O)/lib/promwrite.o $(O)/lib/promread.o: $(PROTO_H)

$(O)/libgt.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/bin/%: $(O)/bin/%.o $(O)/libgt.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(O)/libgt.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/tools/%: $(O)/tests/tools/%.o $(O)/libgt.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Tools named gt-pq-* are PostgreSQL clients over libpq (libpq-dev),
# gt-my-* MySQL clients over MariaDB's Connector/C (libmariadb-dev);
# gt-wire-bench speaks both protocols.
PQ_CFLAGS := $(shell pkg-config --cflags libpq)
PQ_LIBS := $(shell pkg-config --libs libpq)
MARIADB_CFLAGS := $(shell pkg-config --cflags libmariadb)
MARIADB_LIBS := $(shell pkg-config --libs libmariadb)
$(O)/tests/tools/gt-pq-%.o: CPPFLAGS += $(PQ_CFLAGS)
$(O)/tests/tools/gt-pq-%: LDLIBS += $(PQ_LIBS)
$(O)/tests/tools/gt-my-%.o: CPPFLAGS += $(MARIADB_CFLAGS)
$(O)/tests/tools/gt-my-%: LDLIBS += $(MARIADB_LIBS)
$(O)/tests/tools/gt-wire-bench.o: CPPFLAGS += $(PQ_CFLAGS) $(MARIADB_CFLAGS)
$(O)/tests/tools/gt-wire-bench: LDLIBS += $(PQ_LIBS) $(MARIADB_LIBS)

# gt-sqlness runs PROTOCOL MYSQL|POSTGRES statements through its wire
# clients (tests/tools/sqlness/wire.c, linked in) over both libraries.
$(O)/tests/tools/sqlness/wire.o: CPPFLAGS += $(PQ_CFLAGS) $(MARIADB_CFLAGS)
$(O)/tests/tools/gt-sqlness: $(O)/tests/tools/gt-sqlness.o $(O)/tests/tools/sqlness/wire.o $(O)/libgt.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(PQ_LIBS) $(MARIADB_LIBS)

# Corpus replay: the fuzz target linked with a plain main that feeds it
# every file of its corpus, so `make check` runs the corpus without clang.
$(O)/tests/fuzz/fuzz-%: $(O)/tests/fuzz/fuzz-%.o $(O)/tests/fuzz/replay.o $(O)/libgt.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

FUZZ_O := build-fuzz
fuzz:
	$(MAKE) O=$(FUZZ_O) CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		LDFLAGS="-fsanitize=fuzzer,address,undefined" $(FUZZ_O)/libgt.a
	@mkdir -p $(FUZZ_O)/fuzz
	for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $(FUZZ_O)/fuzz/$$n $$f \
		$(FUZZ_O)/libgt.a $(LDLIBS) || exit 1; done

# check and run install their Debian packages first, then build in a
# new make (so that pkg-config's answers are read after the install).
check:
	scripts/install-deps
	$(MAKE) all
	$(MAKE) SANITIZE=address,undefined all
	sh tests/check.sh $(O) build-san

run:
	scripts/install-deps
	$(MAKE) all
	$(O)/bin/gt-front --standalone --data-home gt-data-home

bench: all
	scripts/gt-bench

sqlness: all
	sh tests/sqlness.sh $(O)

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -rf build build-san build-fuzz

.PHONY: all check run bench fuzz install clean sqlness
.SECONDARY:
