# SPDX-License-Identifier: GPL-2.0-only
# Why: one entry point: build the modules, the tool and the selftests;
# "make check" runs every test in the lab VMs, "make demo" shows kvirt.

KVER ?= $(shell scripts/lab-kernel.sh 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
BUILD := $(CURDIR)/build
LINUX_SRC := $(BUILD)/linux-src

USER_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -I$(CURDIR)/uapi
TEST_CFLAGS := -O2 -g -std=gnu11 -Wall -Werror -static -pthread \
	-I$(CURDIR)/uapi -I$(LINUX_SRC)/tools/testing/selftests

USER_SRCS := $(wildcard user/*.c)
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
TEST_LIB := $(filter-out %_test.c,$(wildcard selftests/kvirt/*.c))
TEST_SRCS := $(filter-out $(TEST_LIB),$(wildcard selftests/kvirt/*_test.c))
TESTS := $(patsubst selftests/kvirt/%.c,$(BUILD)/selftests/kvirt/%,$(TEST_SRCS))
DP_TEST_LIB := $(filter-out %_test.c,$(wildcard selftests/datapath/*.c))
DP_TEST_SRCS := $(wildcard selftests/datapath/*_test.c)
DP_TESTS := $(patsubst selftests/datapath/%.c,$(BUILD)/selftests/datapath/%,\
	$(DP_TEST_SRCS))
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
# Unit tests of module code that runs on the build machine itself.
HOST_TESTS := $(BUILD)/selftests/host/decode_test
# The demo guest of "kvirt run": a flat binary, loaded and entered at 1 MiB.
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none

.PHONY: all modules user selftests benches guests deps install check demo \
	bench clean

all: modules user selftests benches guests

deps:
	@scripts/install-deps.sh

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user: $(BUILD)/kvirt

$(BUILD)/kvirt: $(USER_SRCS) $(wildcard user/*.h) uapi/linux/kvirt.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(NL_CFLAGS) -o $@ $(USER_SRCS) $(NL_LIBS)

$(LINUX_SRC)/.extracted:
	scripts/linux-src.sh $(LINUX_SRC)

selftests: $(TESTS) $(DP_TESTS) $(HOST_TESTS)

$(BUILD)/selftests/host/decode_test: selftests/host/decode_test.c \
		kmod/kvirt/decode.c kmod/kvirt/decode.h $(LINUX_SRC)/.extracted
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 -Wall -Werror -I$(CURDIR) \
		-Iselftests/host/include \
		-I$(LINUX_SRC)/tools/testing/selftests -o $@ $< kmod/kvirt/decode.c

$(BUILD)/selftests/kvirt/%: selftests/kvirt/%.c $(TEST_LIB) \
		$(wildcard selftests/kvirt/*.h) $(LINUX_SRC)/.extracted
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(TEST_LIB)

$(BUILD)/selftests/datapath/%: selftests/datapath/%.c $(DP_TEST_LIB) \
		$(wildcard selftests/datapath/*.h) $(LINUX_SRC)/.extracted
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(DP_TEST_LIB)

benches: $(BENCHES)

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -o $@ $<

guests: $(BUILD)/hello.bin

$(BUILD)/hello.bin: user/demo/hello.S user/demo/hello.lds
	@mkdir -p $(BUILD)/demo
	$(CC) $(GUEST_LDFLAGS) -Wl,-T,user/demo/hello.lds \
		-o $(BUILD)/demo/hello.elf $<
	objcopy -O binary $(BUILD)/demo/hello.elf $@

install: modules user
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	install -D -m 0755 $(BUILD)/kvirt $(DESTDIR)$(PREFIX)/bin/kvirt

check: deps
	scripts/check.sh

demo: deps all
	scripts/demo.sh

bench: deps all
	scripts/bench.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
