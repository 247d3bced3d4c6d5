// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: "kvirt info" shows what a KVM client sees on the device: the API
 * version, the capabilities it claims, and whether a VM can be created.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvirt.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvirt.h"

/* Capabilities worth naming: the ones real VMMs ask for first. */
#define CAP(n) { KVM_CAP_##n, #n }
static const struct {
	long cap;
	const char *name;
} named_caps[] = {
	CAP(CHECK_EXTENSION_VM), CAP(USER_MEMORY), CAP(NR_MEMSLOTS),
	CAP(IMMEDIATE_EXIT), CAP(SET_TSS_ADDR), CAP(EXT_CPUID),
	CAP(MP_STATE), CAP(HLT),
	CAP(IRQCHIP), CAP(PIT2), CAP(IRQ_ROUTING), CAP(IOEVENTFD),
	CAP(IRQFD), CAP(COALESCED_MMIO), CAP(NR_VCPUS), CAP(MAX_VCPUS),
	CAP(SYNC_REGS), CAP(INTERNAL_ERROR_DATA),
	CAP(DESTROY_MEMORY_REGION_WORKS), CAP(JOIN_MEMORY_REGIONS_WORKS),
};

/* Past the last capability the 6.1 headers define. */
#define LAST_CAP_PROBED 400

static const char *cap_name(long cap)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(named_caps); i++)
		if (named_caps[i].cap == cap)
			return named_caps[i].name;
	return NULL;
}

int cmd_info(int argc, char **argv)
{
	const char *dev = "/dev/" KVIRT_DEVICE_NAME;
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ },
	};
	int fd, vm, c, claimed = 0;
	long cap;

	while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		if (c != 'd') {
			fprintf(stderr, "usage: kvirt info [--dev PATH]\n");
			return 2;
		}
		dev = optarg;
	}

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kvirt: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	printf("device:       %s\n", dev);
	printf("api version:  %d\n", ioctl(fd, KVM_GET_API_VERSION, 0));
	printf("capabilities:");
	for (cap = 0; cap <= LAST_CAP_PROBED; cap++) {
		int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
		const char *name = cap_name(cap);

		if (r <= 0)
			continue;
		claimed++;
		if (name)
			printf(" %s=%d", name, r);
		else
			printf(" %ld=%d", cap, r);
	}
	printf("%s\n", claimed ? "" : " none");
	printf("not claimed: ");
	for (c = 0; c < (int)(ARRAY_SIZE(named_caps)); c++)
		if (ioctl(fd, KVM_CHECK_EXTENSION, named_caps[c].cap) <= 0)
			printf(" %s", named_caps[c].name);
	printf("\n");

	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		printf("create vm:    failed: %s\n", strerror(errno));
	else
		printf("create vm:    ok (fd %d)\n", vm);
	if (vm >= 0)
		close(vm);
	close(fd);
	return vm < 0;
}
