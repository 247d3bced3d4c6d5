// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: SVM/VMX must be on in every online CPU exactly while a kvirt VM
 * exists, through hotplug and concurrent VM churn; the hardware (EFER.SVME
 * on AMD) and stock KVM witness it, not only kvirt's own view.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lab_util.h"

#define MSR_EFER	0xc0000080
#define EFER_SVME	(1ULL << 12)

FIXTURE(cpus) {
	int fd;
	int kvm;
	bool svm;
};

FIXTURE_SETUP(cpus)
{
	ASSERT_EQ(0, kvirt_load());
	ASSERT_EQ(0, module_probe(stock_kvm_module()));
	self->svm = host_is_svm();
	if (self->svm)
		ASSERT_EQ(0, module_probe("msr"));
	self->fd = open(KVIRT_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->kvm = open(KVM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->kvm);
}

FIXTURE_TEARDOWN(cpus)
{
	close(self->fd);
	close(self->kvm);
}

/* Check kvirt's view, EFER.SVME and KVM's view against @on. */
static void expect_cpus(struct __test_metadata *_metadata, bool svm,
			int kvm, bool on)
{
	struct kvirt_status st;
	int cpu, kvm_vm;

	ASSERT_EQ(0, kvirt_read_status(&st));
	for (cpu = 0; cpu < online_cpus(); cpu++) {
		uint64_t efer;

		EXPECT_EQ(on, st.on[cpu]) TH_LOG("kvirt's view of cpu%d", cpu);
		if (!svm)
			continue;
		ASSERT_EQ(0, read_msr(cpu, MSR_EFER, &efer));
		EXPECT_EQ(on, !!(efer & EFER_SVME)) TH_LOG("EFER of cpu%d", cpu);
	}
	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (on) {
		EXPECT_EQ(-1, kvm_vm);
		EXPECT_EQ(EBUSY, errno);
	} else {
		EXPECT_LE(0, kvm_vm);
	}
	if (kvm_vm >= 0)
		close(kvm_vm);
}

TEST_F(cpus, off_without_vms)
{
	expect_cpus(_metadata, self->svm, self->kvm, false);
}

TEST_F(cpus, on_while_any_vm_exists)
{
	int a, b;

	a = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, a);
	expect_cpus(_metadata, self->svm, self->kvm, true);
	b = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, b);
	close(a);
	expect_cpus(_metadata, self->svm, self->kvm, true);
	close(b);
	expect_cpus(_metadata, self->svm, self->kvm, false);
}

TEST_F(cpus, enable_disable_cycle_100_times)
{
	int i;

	for (i = 0; i < 100; i++) {
		struct kvirt_status st;
		int vm = ioctl(self->fd, KVM_CREATE_VM, 0);

		ASSERT_LE(0, vm);
		ASSERT_EQ(0, kvirt_read_status(&st));
		ASSERT_EQ(online_cpus(), kvirt_cpus_on(&st));
		close(vm);
		ASSERT_EQ(0, kvirt_read_status(&st));
		ASSERT_EQ(0, kvirt_cpus_on(&st));
	}
	expect_cpus(_metadata, self->svm, self->kvm, false);
}

static void *churn(void *arg)
{
	int fd = *(int *)arg, i;

	for (i = 0; i < 200; i++) {
		int vm = ioctl(fd, KVM_CREATE_VM, 0);

		if (vm < 0)
			return (void *)1;
		close(vm);
	}
	return NULL;
}

TEST_F(cpus, concurrent_create_and_close)
{
	pthread_t t[4];
	void *ret;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn, &self->fd));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_EQ(NULL, ret);
	}
	expect_cpus(_metadata, self->svm, self->kvm, false);
}

TEST_F(cpus, follows_cpu_hotplug)
{
	struct kvirt_status st;
	uint64_t efer;
	int vm;

	if (online_cpus() < 2)
		SKIP(return, "needs two online CPUs");

	ASSERT_EQ(0, set_cpu_online(1, false));
	ASSERT_EQ(0, set_cpu_online(1, true));
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_FALSE(st.on[1]);

	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, set_cpu_online(1, false));
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_TRUE(st.on[0]);
	EXPECT_FALSE(st.on[1]);
	ASSERT_EQ(0, set_cpu_online(1, true));
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_TRUE(st.on[1]);
	if (self->svm) {
		ASSERT_EQ(0, read_msr(1, MSR_EFER, &efer));
		EXPECT_TRUE(efer & EFER_SVME);
	}
	close(vm);
	expect_cpus(_metadata, self->svm, self->kvm, false);
}

TEST_HARNESS_MAIN
