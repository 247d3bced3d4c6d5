// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: every exit must be visible: counted per vCPU and reason in debugfs
 * (kvirt/<pid>-<n>/vcpu<id>) and reported by the kvirt_exit tracepoint.
 * A guest makes a known number of exits of each kind and both must agree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"
#include "lab_util.h"

#define CPUIDS		10
#define OUTS		5
#define TRACEFS		"/sys/kernel/tracing"
#define EVENT		TRACEFS "/events/kvirt/kvirt_exit/enable"
/*
 * The vendor's exit codes as the tracepoint prints them: AMD APM vol. 2,
 * appendix C, and Intel SDM vol. 3D, appendix C.
 */
#define SVM_EXIT_CPUID_STR	"reason 0x72 "
#define SVM_EXIT_IOIO_STR	"reason 0x7b "
#define VMX_EXIT_CPUID_STR	"reason 0xa "
#define VMX_EXIT_IO_STR		"reason 0x1e "

GUEST_CODE(exits,
	   ".code64\n"
	   "movl $" GUEST_STR(CPUIDS) ", %esi\n"
	   "1: xorl %eax, %eax\n"
	   "cpuid\n"
	   "decl %esi\n"
	   "jnz 1b\n"
	   "movl $" GUEST_STR(OUTS) ", %esi\n"
	   "2: movl %esi, %eax\n"
	   "outb %al, $" GUEST_STR(GUEST_PORT) "\n"
	   "decl %esi\n"
	   "jnz 2b\n"
	   "hlt\n");
GUEST_CODE_SYMS(exits);

/* The counters file of this process's only VM, vCPU 0. */
static int exits_path(char *path, size_t size)
{
	char prefix[32];
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/debug/kvirt");
	int found = -ENOENT;

	if (!dir)
		return -errno;
	snprintf(prefix, sizeof(prefix), "%d-", getpid());
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, size, "/sys/kernel/debug/kvirt/%s/vcpu0",
			 d->d_name);
		found = 0;
	}
	closedir(dir);
	return found;
}

/* The value of "@name: N" in the counters file, or -1. */
static long long counter(const char *path, const char *name)
{
	char line[64], want[32];
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%s: %%lld", name);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, want, &v) == 1)
			break;
	fclose(f);
	return v;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC), r;

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return r;
}

/* Lines of the trace buffer containing both @a and @b. */
static int trace_lines(const char *a, const char *b)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, a) && strstr(line, b);
	fclose(f);
	return n;
}

static void run_exits_guest(struct __test_metadata *_metadata,
			    struct guest *g)
{
	int i;

	ASSERT_EQ(0, guest_load_code(g, exits_start, exits_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_CODE_GPA));
	for (i = OUTS; i > 0; i--)
		ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 1, i));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
}

FIXTURE(obs) {
	struct guest g;
};

FIXTURE_SETUP(obs)
{
	if (!guest_dev_is_kvirt())
		SKIP(return, "kvirt's own debugfs and tracepoint");
	ASSERT_EQ(0, guest_init(&self->g));
}

FIXTURE_TEARDOWN(obs)
{
	char path[320];

	guest_destroy(&self->g);
	if (!guest_dev_is_kvirt())
		return;
	/* Leak check: the VM's folder goes with the VM. */
	EXPECT_EQ(-ENOENT, exits_path(path, sizeof(path)));
	EXPECT_EQ(0, guest_count_vms());
}

TEST_F(obs, debugfs_counts_each_exit)
{
	char path[320];

	ASSERT_EQ(0, exits_path(path, sizeof(path)));
	EXPECT_EQ(0, counter(path, "io"));
	EXPECT_EQ(0, counter(path, "hlt"));
	run_exits_guest(_metadata, &self->g);
	EXPECT_EQ(CPUIDS, counter(path, "cpuid"));
	EXPECT_EQ(OUTS, counter(path, "io"));
	EXPECT_EQ(1, counter(path, "hlt"));
	EXPECT_EQ(0, counter(path, "shutdown"));
	EXPECT_EQ(-1, counter(path, "no-such-reason"));
}

TEST_F(obs, tracepoint_reports_each_exit)
{
	char vcpu[32];

	if (access(TRACEFS "/trace", F_OK))
		ASSERT_EQ(0, mount("nodev", TRACEFS, "tracefs", 0, NULL));
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, write_file(EVENT, "1"));
	run_exits_guest(_metadata, &self->g);
	ASSERT_EQ(0, write_file(EVENT, "0"));
	snprintf(vcpu, sizeof(vcpu), "kvirt_exit: vcpu 0 ");
	EXPECT_EQ(CPUIDS, trace_lines(vcpu, host_is_svm() ? SVM_EXIT_CPUID_STR :
							    VMX_EXIT_CPUID_STR));
	EXPECT_EQ(OUTS, trace_lines(vcpu, host_is_svm() ? SVM_EXIT_IOIO_STR :
							  VMX_EXIT_IO_STR));
	/* Disabled again: another run adds nothing. */
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	run_exits_guest(_metadata, &self->g);
	EXPECT_EQ(0, trace_lines("kvirt_exit", ""));
}

TEST_HARNESS_MAIN
