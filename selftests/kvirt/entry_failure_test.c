// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a guest state the hardware refuses must come back as
 * KVM_EXIT_FAIL_ENTRY with the vendor's reason (VMRUN's VMEXIT_INVALID,
 * or VMX's "invalid guest state" exit), leave one line in the kernel log,
 * and leave a vCPU that runs again once userspace fixes the state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>

#include "kselftest_harness.h"
#include "guest_util.h"
#include "lab_util.h"

/* SVM_EXIT_ERR (-1), and VMX basic reason 33 with bit 31 (SDM C). */
#define SVM_FAILED_ENTRY	0xffffffffffffffffULL
#define VMX_FAILED_ENTRY	0x80000021ULL

#define SYSLOG_READ_ALL		3
#define SYSLOG_CLEAR		5

GUEST_CODE(halt,
	   ".code16\n"
	   "hlt\n");
GUEST_CODE_SYMS(halt);

/* Kernel log lines containing @what (the log is cleared first). */
static int log_lines(const char *what)
{
	static char buf[1 << 16];
	int n = klogctl(SYSLOG_READ_ALL, buf, sizeof(buf) - 1), count = 0;
	char *p = buf;

	if (n < 0)
		return -errno;
	buf[n] = 0;
	while ((p = strstr(p, what))) {
		count++;
		p++;
	}
	return count;
}

FIXTURE(entry) {
	struct guest g;
};

FIXTURE_SETUP(entry)
{
	if (!guest_dev_is_kvirt())
		SKIP(return, "kvirt's reasons and log line");
	ASSERT_EQ(0, guest_init(&self->g));
	ASSERT_EQ(0, guest_load_code(&self->g, halt_start, halt_end));
	ASSERT_EQ(0, guest_set_mode(&self->g, GUEST_REAL, GUEST_CODE_GPA));
	klogctl(SYSLOG_CLEAR, NULL, 0);
}

FIXTURE_TEARDOWN(entry)
{
	guest_destroy(&self->g);
	if (guest_dev_is_kvirt())
		EXPECT_EQ(0, guest_count_vms());
}

TEST_F(entry, refused_state_is_reported_and_recoverable)
{
	struct guest *g = &self->g;
	struct kvm_sregs good, bad;
	uint64_t want;

	ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_GET_SREGS, &good));
	bad = good;
	if (host_is_svm()) {
		/* APM 15.5.1: CR0.NW without CR0.CD is an illegal state. */
		bad.cr0 = (bad.cr0 & ~0x40000000ULL) | 0x20000000ULL;
		want = SVM_FAILED_ENTRY;
	} else {
		/* SDM 26.3.1.2: TR must be usable. */
		bad.tr.unusable = 1;
		bad.tr.present = 0;
		want = VMX_FAILED_ENTRY;
	}
	ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_SET_SREGS, &bad));
	ASSERT_EQ(0, guest_run(g));
	ASSERT_EQ(KVM_EXIT_FAIL_ENTRY, g->run->exit_reason);
	EXPECT_EQ(want, g->run->fail_entry.hardware_entry_failure_reason);
	EXPECT_GT(2U, g->run->fail_entry.cpu + 0U);
	EXPECT_EQ(1, log_lines(host_is_svm() ? "kvirt: VMRUN refused" :
					       "kvirt: VM entry failed"));

	/* A good state again: the same vCPU runs to its HLT. */
	ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_SET_SREGS, &good));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
}

TEST_HARNESS_MAIN
