// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: kvirt.ko's life as a module: it loads and unloads cleanly, refuses
 * to unload while in use, and refuses to load, without harm to the other
 * hypervisor, when stock KVM already holds the CPUs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lab_util.h"

static void ensure_unloaded(struct __test_metadata *_metadata)
{
	int r = kvirt_loaded() ? kvirt_unload() : 0;

	ASSERT_EQ(0, r);
	ASSERT_FALSE(kvirt_loaded());
}

FIXTURE(module) {
};

FIXTURE_SETUP(module)
{
}

FIXTURE_TEARDOWN(module)
{
}

/* An emulated two-CPU lab needs well over the default 30 s for this. */
TEST_F_TIMEOUT(module, load_unload_100_times, 280)
{
	struct timespec a, b;
	int i;

	ensure_unloaded(_metadata);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, kvirt_load()) TH_LOG("load %d", i);
		ASSERT_EQ(0, access(KVIRT_DEV, F_OK));
		ASSERT_EQ(0, kvirt_unload()) TH_LOG("unload %d", i);
		ASSERT_NE(0, access(KVIRT_DEV, F_OK));
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	TH_LOG("100 load/unload cycles in %.2f s",
	       (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
}

TEST(unload_refused_while_dev_open)
{
	int fd;

	ASSERT_EQ(0, kvirt_load());
	fd = open(KVIRT_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, kvirt_unload());
	EXPECT_TRUE(kvirt_loaded());
	close(fd);
	ASSERT_EQ(0, kvirt_unload());
}

TEST(unload_refused_while_vm_exists)
{
	struct kvirt_status st;
	int fd, vm;

	ASSERT_EQ(0, kvirt_load());
	fd = open(KVIRT_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	close(fd);
	EXPECT_EQ(-EWOULDBLOCK, kvirt_unload());
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(1, st.vms);
	close(vm);
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(0, st.vms);
	EXPECT_EQ(0, kvirt_cpus_on(&st));
	ASSERT_EQ(0, kvirt_unload());
}

/*
 * The 6.1 KVM enables SVM/VMX only while one of its VMs exists: hold one,
 * and kvirt must refuse to load and leave that VM able to run.
 */
TEST(load_refused_while_kvm_holds_cpus)
{
	int kvm, vm;

	ensure_unloaded(_metadata);
	ASSERT_EQ(0, module_probe(stock_kvm_module()));
	kvm = open(KVM_DEV, O_RDWR);
	ASSERT_LE(0, kvm);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);

	EXPECT_EQ(-EBUSY, kvirt_load());
	EXPECT_FALSE(kvirt_loaded());
	EXPECT_NE(0, access(KVIRT_DEV, F_OK));
	EXPECT_EQ(KVM_EXIT_HLT, kvm_run_hlt_guest(kvm, vm));

	close(vm);
	ASSERT_EQ(0, kvirt_load());
	close(kvm);
	ASSERT_EQ(0, kvirt_unload());
	EXPECT_EQ(0, module_remove(stock_kvm_module()));
}

/* Loaded side by side, whoever has a VM first holds the CPUs. */
TEST(vms_exclude_each_other_with_kvm)
{
	struct kvirt_status st;
	int kvm, dev, kvm_vm, vm;

	ASSERT_EQ(0, module_probe(stock_kvm_module()));
	ASSERT_EQ(0, kvirt_load());
	kvm = open(KVM_DEV, O_RDWR);
	ASSERT_LE(0, kvm);
	dev = open(KVIRT_DEV, O_RDWR);
	ASSERT_LE(0, dev);

	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, kvm_vm);
	EXPECT_EQ(-1, ioctl(dev, KVM_CREATE_VM, 0));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(0, st.vms);
	EXPECT_EQ(0, kvirt_cpus_on(&st));
	EXPECT_EQ(KVM_EXIT_HLT, kvm_run_hlt_guest(kvm, kvm_vm));
	close(kvm_vm);

	vm = ioctl(dev, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, ioctl(kvm, KVM_CREATE_VM, 0));
	EXPECT_EQ(EBUSY, errno);
	close(vm);

	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, kvm_vm);
	EXPECT_EQ(KVM_EXIT_HLT, kvm_run_hlt_guest(kvm, kvm_vm));
	close(kvm_vm);
	close(kvm);
	close(dev);
	ASSERT_EQ(0, kvirt_unload());
	EXPECT_EQ(0, module_remove(stock_kvm_module()));
}

TEST_HARNESS_MAIN
