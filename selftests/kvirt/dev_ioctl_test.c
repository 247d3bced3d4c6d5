// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: /dev/kvirt and VM file descriptors must answer the KVM API's system
 * and VM ioctls exactly as /dev/kvm does, including the errors, and give
 * back every VM they create.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lab_util.h"

/* Well past the last capability the 6.1 headers define. */
#define LAST_CAP_PROBED 400

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(0, kvirt_load());
	self->fd = open(KVIRT_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	struct kvirt_status st;

	close(self->fd);
	/* No ASSERT here: the 6.1 harness would loop on a failed teardown. */
	EXPECT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(0, st.vms);
	EXPECT_EQ(0, kvirt_cpus_on(&st));
}

TEST_F(dev, api_version_is_12)
{
	/* api.rst: "Applications should refuse to run if ... returns a value other than 12." */
	EXPECT_EQ(12, ioctl(self->fd, KVM_GET_API_VERSION, 0));
}

TEST_F(dev, api_version_rejects_argument)
{
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, unknown_system_ioctl_is_einval)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(KVMIO, 0xfe), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOW('x', 1, int), 0));
	EXPECT_EQ(EINVAL, errno);
}

static int claimed(long cap)
{
	switch (cap) {
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_INTERNAL_ERROR_DATA:
		return 1;
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
		return 1;
	case KVM_CAP_NR_MEMSLOTS:
		return 509;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return 64;
	default:
		return 0;
	}
}

/* Only what is implemented may be claimed, everything else is 0. */
TEST_F(dev, check_extension_is_truthful)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	long cap;

	ASSERT_LE(0, vm);
	for (cap = -2; cap <= LAST_CAP_PROBED; cap++) {
		int want = claimed(cap);

		EXPECT_EQ(want, ioctl(self->fd, KVM_CHECK_EXTENSION, cap))
			TH_LOG("system fd, cap %ld", cap);
		EXPECT_EQ(want, ioctl(vm, KVM_CHECK_EXTENSION, cap))
			TH_LOG("vm fd, cap %ld", cap);
	}
	close(vm);
}

TEST_F(dev, create_vm_rejects_unknown_type)
{
	struct kvirt_status st;

	EXPECT_EQ(-1, ioctl(self->fd, KVM_CREATE_VM, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KVM_CREATE_VM, ~0UL));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(0, st.vms);
}

TEST_F(dev, create_vm_gives_cloexec_anon_fd)
{
	struct kvirt_status st;
	char path[64], target[64] = "";
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);

	ASSERT_LE(0, vm);
	EXPECT_EQ(FD_CLOEXEC, fcntl(vm, F_GETFD) & FD_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", vm);
	ASSERT_LT(0, readlink(path, target, sizeof(target) - 1));
	EXPECT_STREQ("anon_inode:kvirt-vm", target);
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(1, st.vms);
	close(vm);
}

TEST_F(dev, unknown_vm_ioctl_is_enotty)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);

	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, ioctl(vm, _IO(KVMIO, 0xfe), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(vm, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(ENOTTY, errno);
	close(vm);
}

/* Tested on their own, here or in the vCPU tests. */
static bool implemented(unsigned int cmd)
{
	static const unsigned int cmds[] = {
		KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_CHECK_EXTENSION,
		KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID,
		KVM_GET_MSR_INDEX_LIST, KVM_SET_USER_MEMORY_REGION,
		KVM_GET_DIRTY_LOG, KVM_CREATE_VCPU, KVM_SET_TSS_ADDR,
		KVM_SET_IDENTITY_MAP_ADDR,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (cmd == cmds[i])
			return true;
	return false;
}

/*
 * A hostile caller: every KVMIO ioctl number, in every direction, with a
 * bad pointer. Only the implemented ones may do anything.
 */
TEST_F(dev, every_other_kvmio_ioctl_is_refused)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	unsigned int nr, d;

	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, ioctl(self->fd, KVM_SET_USER_MEMORY_REGION, 1UL));
	EXPECT_EQ(EINVAL, errno);
	for (nr = 0; nr < 256; nr++) {
		for (d = 0; d < 4; d++) {
			unsigned int cmd = _IOC(dirs[d], KVMIO, nr, d ? 64 : 0);

			if (implemented(cmd))
				continue;
			EXPECT_EQ(-1, ioctl(self->fd, cmd, 1UL));
			EXPECT_EQ(EINVAL, errno) TH_LOG("system ioctl %#x", cmd);
			EXPECT_EQ(-1, ioctl(vm, cmd, 1UL));
			EXPECT_EQ(ENOTTY, errno) TH_LOG("vm ioctl %#x", cmd);
		}
	}
	close(vm);
}

/* A VM belongs to its creator's mm: a forked child gets EIO, as on KVM. */
TEST_F(dev, vm_fd_in_other_process_is_eio)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	int status;
	pid_t pid;

	ASSERT_LE(0, vm);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int r = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM);

		_exit(r == -1 && errno == EIO ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM));
	close(vm);
}

TEST_F(dev, vm_outlives_dev_fd)
{
	int vm = ioctl(self->fd, KVM_CREATE_VM, 0);

	ASSERT_LE(0, vm);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM));
	close(vm);
}

/* Leak check: many VMs, closed out of order, all accounted for. */
TEST_F(dev, many_vms_all_given_back)
{
	struct kvirt_status st;
	int vms[64], i;

	for (i = 0; i < 64; i++) {
		vms[i] = ioctl(self->fd, KVM_CREATE_VM, 0);
		ASSERT_LE(0, vms[i]);
	}
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(64, st.vms);
	for (i = 0; i < 64; i += 2)
		close(vms[i]);
	for (i = 63; i > 0; i -= 2)
		close(vms[i]);
}

/* A process that dies with VMs open must give them back too. */
TEST_F(dev, vms_of_killed_process_given_back)
{
	int status, pipefd[2];
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int i;

		close(pipefd[0]);
		for (i = 0; i < 8; i++)
			if (ioctl(self->fd, KVM_CREATE_VM, 0) < 0)
				_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	/* Only the child may hold the write end: its death ends read(). */
	close(pipefd[1]);
	EXPECT_EQ(1, read(pipefd[0], &c, 1));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	close(pipefd[0]);
}

TEST_HARNESS_MAIN
