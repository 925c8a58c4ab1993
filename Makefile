# omnichannel: PGXS build.  One shared library from many objects; the SQL
# scripts are assembled from the parts in ext/ (see ext/README.md):
#   install  omnichannel--V.sql      = ext/schema/*.sql, then ext/[1-9]*.sql
#   update   omnichannel--A--V.sql   = ext/updates/omnichannel--A--V.sql, then ext/[1-9]*.sql,
#                                      then ext/updates/omnichannel--A--V.post.sql if any
#   released scripts of earlier versions, frozen: ext/released/*.sql
#
#   make test    install what is missing, build, install, run every suite
#   make demo    same set-up, then a throwaway cluster with a sample
#   make bench   benchmarks (never part of make test)
#   make unit    build the server-free core unit tests and fuzz replays

EXTENSION   = omnichannel
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(dir $(lastword $(MAKEFILE_LIST)))omnichannel.control)
MODULE_big  = omnichannel
CORE_SRCS   = $(sort $(wildcard src/core/*.c))
PG_SRCS     = $(sort $(wildcard src/pg/*.c))
# The one C++ object: the extern "C" shim over libphonenumber (src/core/phone.h).
PHONE_SHIM  = src/core/phone_shim.cpp
OBJS        = $(CORE_SRCS:.c=.o) $(PG_SRCS:.c=.o) $(PHONE_SHIM:.cpp=.o)
# the tables, types and other objects created once (changed only by update scripts)
SCHEMA_SQL  = $(sort $(wildcard ext/schema/[0-9]*.sql))
# functions, views, triggers, grants: CREATE OR REPLACE, run by install and update alike
OBJECT_SQL  = $(sort $(wildcard ext/[1-9]*.sql))
UPDATES     = $(notdir $(wildcard ext/updates/$(EXTENSION)--*--$(EXTVERSION).sql))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql $(UPDATES)
DATA        = $(wildcard ext/released/$(EXTENSION)--*.sql)
PGFILEDESC  = "omnichannel - cross-channel customer interaction history"

# Suites (run by scripts/test.sh against throwaway clusters; also usable as
# make installcheck against a running server).
REGRESS      = 00_install contact_point phone subject business_hours business_time model ingest ingest_state stitch stitch_rules stitch_keys restitch timeline thread_ops thread_context identity sla queue reporting customer_360 privacy roles security queue_facts distribute catalog drop_guard
REGRESS_OPTS = --encoding=UTF8 --no-locale
ISOLATION    = 00_setup ingest_same_contact ingest_duplicate_delivery thread_ops_concurrency stitch_same_customer identity_merge_concurrency claim_two_agents claim_capacity claim_vs_stitch sla_status_vs_recompute privacy_vs_ingest
ISOLATION_OPTS = --encoding=UTF8 --no-locale
TAP_TESTS    = 1

PG_CPPFLAGS = -I$(srcdir)/src -DOC_EXTVERSION='"$(EXTVERSION)"'
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(OC_WERROR)
PG_CXXFLAGS = -std=c++17 -Wall -Wextra $(OC_WERROR)
SHLIB_LINK  = -licui18n -licuuc -licudata -lphonenumber -lstdc++
EXTRA_CLEAN = test/unit/*.bin test/unit/*.o test/fuzz/*.bin results output_iso tmp_check log

# Prefer the PostgreSQL 15 server this project targets; pg_config on PATH otherwise.
PG_CONFIG  ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS       := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
endif

# Every object is rebuilt when a header changes (PGXS tracks no header
# dependencies unless the server was configured with --enable-depend).
$(OBJS): $(wildcard src/core/*.h src/pg/*.h)

$(EXTENSION)--$(EXTVERSION).sql: ext/00_header.sql $(SCHEMA_SQL) $(OBJECT_SQL)
	cat $^ > $@

$(UPDATES): $(EXTENSION)--%.sql: ext/00_header.sql ext/updates/$(EXTENSION)--%.sql $(OBJECT_SQL) $(wildcard ext/updates/*.post.sql)
	cat ext/00_header.sql ext/updates/$(EXTENSION)--$*.sql $(OBJECT_SQL) $(wildcard ext/updates/$(EXTENSION)--$*.post.sql) > $@

# ---- server-free core: unit tests and fuzz-corpus replays -------------------
UNIT_CC     ?= gcc
UNIT_CFLAGS ?= -O1 -g -std=c11 -Wall -Wextra -Werror -Isrc -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_CXX    ?= g++
UNIT_CXXFLAGS ?= -O1 -g -std=c++17 -Wall -Wextra -Werror -Isrc -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_LIBS    = -licui18n -licuuc -licudata -lphonenumber -lstdc++
UNIT_SHIM    = test/unit/phone_shim.o
UNIT_TESTS   = $(patsubst %.c,%.bin,$(wildcard test/unit/test_*.c))
FUZZ_REPLAYS = $(patsubst %.c,%.bin,$(wildcard test/fuzz/fuzz_*.c))

unit: $(UNIT_TESTS) $(FUZZ_REPLAYS)

# the shim, built with the sanitizers of the unit tests
$(UNIT_SHIM): $(PHONE_SHIM) src/core/phone.h
	$(UNIT_CXX) $(UNIT_CXXFLAGS) -c -o $@ $<

test/unit/%.bin: test/unit/%.c test/unit/unit.h $(CORE_SRCS) $(UNIT_SHIM) $(wildcard src/core/*.h)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< $(CORE_SRCS) $(UNIT_SHIM) $(UNIT_LIBS) -lm

test/fuzz/%.bin: test/fuzz/%.c test/fuzz/replay.c test/fuzz/fuzz_util.h $(CORE_SRCS) $(UNIT_SHIM) $(wildcard src/core/*.h)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< test/fuzz/replay.c $(CORE_SRCS) $(UNIT_SHIM) $(UNIT_LIBS) -lm

# libFuzzer runs (clang), bounded: make fuzz FUZZ_SECONDS=60
FUZZ_SECONDS ?= 30
fuzz:
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

test:
	bash scripts/test.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

.PHONY: unit fuzz test demo bench

# Used by scripts/: print a make variable (make -s print-REGRESS).
print-%:
	@echo $($*)
