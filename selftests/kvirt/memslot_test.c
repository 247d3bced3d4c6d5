// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: KVM_SET_USER_MEMORY_REGION must follow KVM's rules exactly: the
 * same sequence of calls is run on /dev/kvirt and on the stock /dev/kvm,
 * and every answer must match; then kvirt's own limits and leak check.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lab_util.h"

#define PAGE 4096UL
#define MEM_PAGES 64

struct step {
	const char *what;
	uint32_t slot;
	uint64_t gpa;
	uint64_t size;
	long uoff;		/* from the start of the mapping */
	int expect;		/* 0 or an errno, the same on KVM and kvirt */
};

static const struct step steps[] = {
	{ "create slot 0",		0, 0x100000, 16 * PAGE, 0, 0 },
	{ "same again is a no-op",	0, 0x100000, 16 * PAGE, 0, 0 },
	{ "create slot 1 adjacent",	1, 0x110000, 16 * PAGE, 16 * PAGE, 0 },
	{ "overlap the end of 0",	2, 0x10f000, 2 * PAGE, 32 * PAGE, EEXIST },
	{ "overlap inside 0",		2, 0x104000, PAGE, 32 * PAGE, EEXIST },
	{ "cover 0 and 1",		2, 0x0ff000, 40 * PAGE, 0, EEXIST },
	{ "same backing, other gpa",	2, 0x200000, PAGE, 0, 0 },
	{ "resize slot 0",		0, 0x100000, 8 * PAGE, 0, EINVAL },
	{ "rebase slot 0's memory",	0, 0x100000, 16 * PAGE, PAGE, EINVAL },
	{ "move slot 0 onto 1",		0, 0x108000, 16 * PAGE, 0, EEXIST },
	{ "resize slot 0 onto 1",	0, 0x108000, 8 * PAGE, 0, EINVAL },
	{ "move 0 onto only itself",	0, 0x0ff000, 16 * PAGE, 0, 0 },
	{ "beyond the host's MAXPHYADDR", 4, 1ULL << 52, PAGE, 0, EINVAL },
	{ "move slot 0 away",		0, 0x300000, 16 * PAGE, 0, 0 },
	{ "reuse slot 0's old gpa",	3, 0x100000, 16 * PAGE, 48 * PAGE, 0 },
	{ "size not page aligned",	4, 0x400000, PAGE + 1, 0, EINVAL },
	{ "gpa not page aligned",	4, 0x400001, PAGE, 0, EINVAL },
	{ "memory not page aligned",	4, 0x400000, PAGE, 1, EINVAL },
	{ "gpa + size wraps",		4, -PAGE, 2 * PAGE, 0, EINVAL },
	{ "delete slot 1 by other gpa",	1, 0x500000, 0, 7 * PAGE, 0 },
	{ "delete slot 1 again",	1, 0, 0, 0, EINVAL },
	{ "delete with bad alignment",	0, 0x1001, 0, 0, EINVAL },
	{ "delete a never-used slot",	7, 0, 0, 0, EINVAL },
	{ "slot 1 back where it was",	1, 0x110000, 16 * PAGE, 16 * PAGE, 0 },
};

/* Run every step on @dev; store errno (or 0) per step in @got. */
static int run_steps(const char *dev, int *got)
{
	uint8_t *mem;
	unsigned int i;
	int fd, vm, r;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	mem = mmap(NULL, MEM_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		r = -errno;
		close(vm);
		close(fd);
		return r;
	}
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		struct kvm_userspace_memory_region r = {
			.slot = steps[i].slot,
			.guest_phys_addr = steps[i].gpa,
			.memory_size = steps[i].size,
			.userspace_addr = (uintptr_t)mem + steps[i].uoff,
		};

		got[i] = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) ? errno : 0;
	}
	close(vm);
	close(fd);
	munmap(mem, MEM_PAGES * PAGE);
	return 0;
}

FIXTURE(slots) {
	int fd;
	int vm;
};

FIXTURE_SETUP(slots)
{
	ASSERT_EQ(0, kvirt_load());
	self->fd = open(KVIRT_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm);
}

FIXTURE_TEARDOWN(slots)
{
	struct kvirt_status st;

	close(self->vm);
	close(self->fd);
	EXPECT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(0, st.vms);
	EXPECT_EQ(0, st.memslots);
}

static int set_region(int vm, uint32_t slot, uint64_t gpa, uint64_t size,
		      uint64_t uaddr, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = uaddr,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) ? errno : 0;
}

/* No fixture: a kvirt VM would hold the CPUs and KVM could not create one. */
TEST(same_answers_as_stock_kvm)
{
	int kvirt[ARRAY_SIZE(steps)], kvm[ARRAY_SIZE(steps)];
	struct kvirt_status st;
	unsigned int i;

	ASSERT_EQ(0, kvirt_load());
	ASSERT_EQ(0, module_probe(stock_kvm_module()));
	ASSERT_EQ(0, run_steps(KVIRT_DEV, kvirt));
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(0, st.memslots);
	ASSERT_EQ(0, run_steps(KVM_DEV, kvm));
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		EXPECT_EQ(steps[i].expect, kvm[i]) TH_LOG("kvm: %s", steps[i].what);
		EXPECT_EQ(kvm[i], kvirt[i]) TH_LOG("kvirt: %s", steps[i].what);
	}
	EXPECT_EQ(0, module_remove(stock_kvm_module()));
}

TEST_F(slots, capabilities_claimed)
{
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(1, ioctl(self->vm, KVM_CHECK_EXTENSION,
			   KVM_CAP_DESTROY_MEMORY_REGION_WORKS));
	EXPECT_EQ(509, ioctl(self->vm, KVM_CHECK_EXTENSION,
			     KVM_CAP_NR_MEMSLOTS));
}

TEST_F(slots, bad_arguments)
{
	uint8_t *mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t m = (uintptr_t)mem;

	ASSERT_NE(MAP_FAILED, mem);
	EXPECT_EQ(-1, ioctl(self->vm, KVM_SET_USER_MEMORY_REGION, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	/* kvirt has one address space (no SMM) and 509 slots. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 509, 0, PAGE, m, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, 1 << 16, 0, PAGE, m, 0));
	/* Only dirty logging and read-only exist; read-only is for life. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, PAGE, m, 1U << 31));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, PAGE, m, 1U << 2));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, PAGE, m, KVM_MEM_READONLY));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, PAGE, m, 0));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, 0, m, 0));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, PAGE, m,
				KVM_MEM_LOG_DIRTY_PAGES));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, PAGE, m, 0));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, 0, m, 0));
	/* Kernel addresses are never guest memory. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, PAGE,
				     0xffff888000000000UL, 0));
	/* 2^31 pages: one more than a slot may have (the range is user space). */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, 1UL << 43, PAGE, 0));
	munmap(mem, PAGE);
}

/* Every slot in use, then all given back when the VM goes (leak check). */
TEST_F(slots, fill_every_slot)
{
	struct kvirt_status st;
	uint8_t *mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;

	ASSERT_NE(MAP_FAILED, mem);
	for (i = 0; i < 509; i++)
		ASSERT_EQ(0, set_region(self->vm, i, (uint64_t)i * PAGE, PAGE,
					(uintptr_t)mem, 0)) TH_LOG("slot %u", i);
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(509, st.memslots);
	for (i = 0; i < 509; i += 2)
		ASSERT_EQ(0, set_region(self->vm, i, 0, 0, 0, 0));
	ASSERT_EQ(0, kvirt_read_status(&st));
	EXPECT_EQ(254, st.memslots);
	munmap(mem, PAGE);
}

TEST_HARNESS_MAIN
