# Common part of every module Makefile: point Kamailio's build system at the
# unpacked Debian source (scripts/deps.sh) and at our pure-C lib/.
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
COREPATH ?= $(wildcard $(TOP)/build/kamailio-*/src)
ifeq ($(COREPATH),)
$(error Kamailio source not unpacked under build/: run 'make deps')
endif

include $(COREPATH)/Makefile.defs
auto_gen=
DEFS += -I$(COREPATH) -I$(TOP)/lib -I$(TOP)/modules/common
# lib/ sources compiled into each module as position-independent objects
LIBS += $(TOP)/build/lib/libim.a
# lib/'s XML documents (im_rlist, im_confinfo) are libxml2 documents
LIBS += $(shell pkg-config --libs libxml-2.0)
# our modules build without a warning
CFLAGS += -Werror
