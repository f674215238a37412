# OMA SIMPLE IM server for Kamailio: top-level build.
#
#   make run    install what is missing, build, start Kamailio + relay
#   make test   install what is missing, build, run every test
#
# Other targets: deps, all (default), modules, relay, check, unit, e2e,
# test-modules, fuzz, bench, clean.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
MODULES := $(patsubst modules/%/Makefile,%,$(wildcard modules/*/Makefile))
PYTHON := /usr/bin/python3

CC ?= cc
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
LIB_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -fPIC -Wall -Wextra -Werror \
	$(shell pkg-config --cflags libxml-2.0)

.PHONY: all deps modules relay check unit e2e test test-modules run run-nni fuzz \
	bench clean \
	$(MODULES)

all: modules relay check

# Installs Debian packages and unpacks the matching Kamailio source; cheap
# when everything is present.
deps:
	@scripts/deps.sh

# `make` alone fetches the Kamailio source only when it is missing.
$(BUILD)/.deps-ok:
	@scripts/deps.sh
	@touch $@

$(BUILD)/lib/%.o: lib/%.c lib/*.h | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(BUILD)/lib/libim.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

modules: $(MODULES)

$(MODULES): $(BUILD)/lib/libim.a
	@$(MAKE) --no-print-directory -C modules/$@ quiet=silent

relay: $(BUILD)/lib/libim.a
	@$(MAKE) --no-print-directory -C relay

# A module that Debian's kamailio cannot load is a build failure.
check: modules relay
	@scripts/check-modules.sh

unit: all
	@$(MAKE) --no-print-directory -C test/unit run

# Test-only Kamailio modules (test/modules/*), loaded by test cfgs only.
TEST_MODULES := $(patsubst test/modules/%/Makefile,%,$(wildcard test/modules/*/Makefile))

test-modules: modules
	@for m in $(TEST_MODULES); do \
		$(MAKE) --no-print-directory -C test/modules/$$m quiet=silent || exit 1; \
	done

e2e: all test-modules
	@cd test && $(PYTHON) -m pytest -q e2e

test: deps
	@$(MAKE) --no-print-directory all test-modules
	@scripts/run-tests.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

# two interconnected domains, home1.net (127.0.0.1) and home2.net (127.0.0.2)
run-nni: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-nni.sh

fuzz: all
	@$(MAKE) --no-print-directory -C test/fuzz run

# Benchmarks, not tests: prints the README's tables (bench/run.py)
bench: all
	@$(MAKE) --no-print-directory -C bench run

clean:
	@for m in $(MODULES); do \
		$(MAKE) --no-print-directory -C modules/$$m clean quiet=silent >/dev/null 2>&1 || true; \
		rm -f modules/$$m/*.d modules/$$m/*.o modules/$$m/*.so; \
	done
	@$(MAKE) --no-print-directory -C relay clean
	@$(MAKE) --no-print-directory -C test/unit clean
	@for m in $(TEST_MODULES); do \
		rm -f test/modules/$$m/*.d test/modules/$$m/*.o test/modules/$$m/*.so; \
	done
	@rm -rf $(BUILD)/lib
