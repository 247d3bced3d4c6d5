// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the vCPU file descriptor and the vCPU-related system ioctls must
 * behave as KVM's do, errors included: creation rules, the kvm_run
 * mapping, register state round trips, the E2BIG protocols, KVM_RUN's
 * early exits, ownership by the creating process, and teardown in any
 * order, even when the owner is killed while its vCPU runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"

#define PAGE		4096
#define MAX_CPUID	256	/* KVM_MAX_CPUID_ENTRIES */
#define MAX_IO_MSRS	256	/* KVM's limit on KVM_GET/SET_MSRS */
#define BAD_MSR		0xdeadbeef
#define MSR_SYSENTER_CS	0x174
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_KGS_BASE	0xc0000102

/* Real mode: a HLT, and a loop that only a signal can stop. */
GUEST_CODE_SYMS(tiny);
GUEST_LABEL(tiny_hlt);
GUEST_LABEL(tiny_loop);
GUEST_CODE(tiny,
	   ".code16\n"
	   "tiny_hlt: hlt\n"
	   "tiny_loop: jmp tiny_loop\n");

struct cpuid_buf {
	struct kvm_cpuid2 c;
	struct kvm_cpuid_entry2 e[MAX_CPUID];
};

struct msr_buf {
	struct kvm_msrs m;
	struct kvm_msr_entry e[MAX_IO_MSRS + 1];
};

FIXTURE(vcpu) {
	struct guest g;
};

FIXTURE_SETUP(vcpu)
{
	ASSERT_EQ(0, guest_init(&self->g));
	ASSERT_EQ(0, guest_load_code(&self->g, tiny_start, tiny_end));
}

FIXTURE_TEARDOWN(vcpu)
{
	guest_destroy(&self->g);
	/* No ASSERT here: the 6.1 harness would loop on a failed teardown. */
	if (guest_count_vms() >= 0)
		EXPECT_EQ(0, guest_count_vms());
}

/* VM count, where the device lets us know it; -1 where it does not. */
static int vms(void)
{
	int n = guest_count_vms();

	return n < 0 ? -1 : n;
}

#define EXPECT_VMS(n) do {					\
	if (vms() >= 0)						\
		EXPECT_EQ(n, vms());				\
} while (0)

TEST(vcpu_mmap_size)
{
	int dev = guest_open_dev(), size;

	ASSERT_LE(0, dev);
	size = ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_LE(PAGE, size);
	EXPECT_EQ(0, size % PAGE);
	EXPECT_LE(sizeof(struct kvm_run), (size_t)size);
	EXPECT_EQ(-1, ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 1));
	EXPECT_EQ(EINVAL, errno);
	close(dev);
}

/*
 * Map @len bytes of @fd at @off in a child and touch the last byte:
 * 0 if mmap refused, SIGBUS if the access faulted, 1 if it worked.
 */
static int touch_in_child(int fd, size_t len, off_t off)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, off);

		if (p == MAP_FAILED)
			_exit(0);
		__atomic_load_n(&p[len - 1], __ATOMIC_RELAXED);
		_exit(1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return WEXITSTATUS(status);
}

TEST_F(vcpu, mmap_of_vcpu_fd)
{
	struct guest *g = &self->g;
	struct kvm_run *run2;
	int r;

	/* A second mapping of offset 0 is the same kvm_run. */
	run2 = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    g->vcpu_fd, 0);
	ASSERT_NE(MAP_FAILED, run2);
	run2->immediate_exit = 1;
	EXPECT_EQ(1, g->run->immediate_exit);
	run2->immediate_exit = 0;
	EXPECT_EQ(1, touch_in_child(g->vcpu_fd, g->run_size, 0));
	munmap(run2, g->run_size);

	/* Past mmap_size nothing may be reachable. */
	r = touch_in_child(g->vcpu_fd, g->run_size + PAGE, 0);
	EXPECT_TRUE(r == 0 || r == SIGBUS) TH_LOG("got %d", r);
	TH_LOG("one page past the end: %s", r ? "SIGBUS" : "mmap refused");
	r = touch_in_child(g->vcpu_fd, PAGE, g->run_size);
	EXPECT_TRUE(r == 0 || r == SIGBUS) TH_LOG("got %d", r);
	r = touch_in_child(g->vcpu_fd, PAGE, 64 * PAGE);
	EXPECT_TRUE(r == 0 || r == SIGBUS) TH_LOG("got %d", r);
}

static int vcpu_id_limit(int vm, long cap)
{
	return ioctl(vm, KVM_CHECK_EXTENSION, cap);
}

TEST_F(vcpu, create_vcpu_ids)
{
	int vm = self->g.vm_fd, fds[8], max_id, i;
	struct kvm_regs regs;

	/* vCPU 0 exists: ids 1-7 are new and each gets its own fd. */
	for (i = 1; i < 8; i++) {
		fds[i] = ioctl(vm, KVM_CREATE_VCPU, i);
		ASSERT_LE(0, fds[i]) TH_LOG("id %d: %s", i, strerror(errno));
		EXPECT_EQ(0, ioctl(fds[i], KVM_GET_REGS, &regs));
	}
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 5));
	EXPECT_EQ(EEXIST, errno);

	/* api.rst: without KVM_CAP_MAX_VCPU_ID, the limit is MAX_VCPUS. */
	max_id = vcpu_id_limit(vm, KVM_CAP_MAX_VCPU_ID);
	if (max_id <= 0)
		max_id = vcpu_id_limit(vm, KVM_CAP_MAX_VCPUS);
	ASSERT_LT(8, max_id);
	TH_LOG("KVM_CAP_MAX_VCPU_ID %d", max_id);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, max_id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, -1));
	EXPECT_EQ(EINVAL, errno);
	fds[0] = ioctl(vm, KVM_CREATE_VCPU, max_id - 1);
	EXPECT_LE(0, fds[0]) TH_LOG("id %d: %s", max_id - 1, strerror(errno));
	for (i = 0; i < 8; i++)
		close(fds[i]);
}

/* Point vCPU 0 of @g at another vCPU, to reuse the helpers on it. */
static void use_vcpu(struct guest *g, int fd, struct kvm_run *run)
{
	g->vcpu_fd = fd;
	g->run = run;
}

#define MANY 48

TEST_F_TIMEOUT(vcpu, many_vcpus, 120)
{
	struct guest *g = &self->g;
	struct kvm_run *runs[MANY], *run0 = g->run;
	int fds[MANY], max, n, i, fd0 = g->vcpu_fd;

	max = ioctl(g->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	TH_LOG("KVM_CAP_MAX_VCPUS %d", max);
	ASSERT_LE(1, max);
	n = max < MANY ? max : MANY;
	fds[0] = fd0;
	runs[0] = run0;
	for (i = 1; i < n; i++) {
		fds[i] = guest_create_vcpu(g->dev_fd, g->vm_fd, i, &runs[i],
					   &g->run_size);
		ASSERT_LE(0, fds[i]) TH_LOG("vCPU %d: %s", i, strerror(-fds[i]));
	}
	if (max <= MANY) {
		EXPECT_EQ(-1, ioctl(g->vm_fd, KVM_CREATE_VCPU, max));
		EXPECT_EQ(EINVAL, errno);
	}
	/* Every eighth one runs its own real-mode HLT. */
	for (i = 0; i < n; i += 8) {
		use_vcpu(g, fds[i], runs[i]);
		ASSERT_EQ(0, guest_set_supported_cpuid(g->dev_fd, fds[i]));
		ASSERT_EQ(0, guest_set_mode(g, GUEST_REAL,
					    GUEST_ADDR(tiny, tiny_hlt)));
		EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT)) TH_LOG("%d", i);
	}
	use_vcpu(g, fd0, run0);
	for (i = 1; i < n; i++) {
		munmap(runs[i], g->run_size);
		close(fds[i]);
	}
	EXPECT_VMS(1);
}

TEST_F(vcpu, regs_round_trip)
{
	struct kvm_regs set, got;
	uint64_t *w = (uint64_t *)&set;
	unsigned int i;

	for (i = 0; i < sizeof(set) / 8; i++)
		w[i] = 0x0101010101010101ULL * (i + 1) + 0x1000;
	/* CF PF AF ZF SF OF and the fixed bit 1; no TF, no IF. */
	set.rflags = 0x8d7;
	ASSERT_EQ(0, ioctl(self->g.vcpu_fd, KVM_SET_REGS, &set));
	memset(&got, 0, sizeof(got));
	ASSERT_EQ(0, ioctl(self->g.vcpu_fd, KVM_GET_REGS, &got));
	EXPECT_EQ(0, memcmp(&set, &got, sizeof(set)));
	EXPECT_EQ(set.rip, got.rip);
	EXPECT_EQ(set.r15, got.r15);
	EXPECT_EQ(set.rflags, got.rflags);
}

static void expect_seg(struct __test_metadata *_metadata, const char *name,
		       const struct kvm_segment *a, const struct kvm_segment *b)
{
	EXPECT_EQ(a->base, b->base) TH_LOG("%s", name);
	EXPECT_EQ(a->limit, b->limit) TH_LOG("%s", name);
	EXPECT_EQ(a->selector, b->selector) TH_LOG("%s", name);
	EXPECT_EQ(a->type, b->type) TH_LOG("%s", name);
	EXPECT_EQ(a->present, b->present) TH_LOG("%s", name);
	EXPECT_EQ(a->dpl, b->dpl) TH_LOG("%s", name);
	EXPECT_EQ(a->db, b->db) TH_LOG("%s", name);
	EXPECT_EQ(a->s, b->s) TH_LOG("%s", name);
	EXPECT_EQ(a->l, b->l) TH_LOG("%s", name);
	EXPECT_EQ(a->g, b->g) TH_LOG("%s", name);
}

TEST_F(vcpu, sregs_round_trip)
{
	int fd = self->g.vcpu_fd;
	struct kvm_sregs set, got, bad;

	ASSERT_EQ(0, guest_set_mode(&self->g, GUEST_LONG, GUEST_CODE_GPA));
	ASSERT_EQ(0, ioctl(fd, KVM_GET_SREGS, &set));
	set.cr2 = 0xdead0000;
	set.fs.base = 0x12345000;
	set.gs.base = 0xffff888000000000ULL;
	ASSERT_EQ(0, ioctl(fd, KVM_SET_SREGS, &set));
	ASSERT_EQ(0, ioctl(fd, KVM_GET_SREGS, &got));
	expect_seg(_metadata, "cs", &set.cs, &got.cs);
	expect_seg(_metadata, "ds", &set.ds, &got.ds);
	expect_seg(_metadata, "es", &set.es, &got.es);
	expect_seg(_metadata, "fs", &set.fs, &got.fs);
	expect_seg(_metadata, "gs", &set.gs, &got.gs);
	expect_seg(_metadata, "ss", &set.ss, &got.ss);
	expect_seg(_metadata, "tr", &set.tr, &got.tr);
	EXPECT_EQ(GUEST_GDT_GPA, got.gdt.base);
	EXPECT_EQ(GUEST_GDT_LIMIT, got.gdt.limit);
	EXPECT_EQ(set.idt.base, got.idt.base);
	EXPECT_EQ(set.idt.limit, got.idt.limit);
	EXPECT_EQ(0x80000031, got.cr0);
	EXPECT_EQ(0xdead0000, got.cr2);
	EXPECT_EQ(GUEST_PT_GPA, got.cr3);
	EXPECT_EQ(0x20, got.cr4);
	EXPECT_EQ(0x500, got.efer);

	/* EFER.LMA without paging is not a state the CPU can be in. */
	bad = set;
	bad.cr0 &= ~0x80000000ULL;
	EXPECT_EQ(-1, ioctl(fd, KVM_SET_SREGS, &bad));
	EXPECT_EQ(EINVAL, errno);
	/* A reserved CR4 bit. */
	bad = set;
	bad.cr4 |= 1ULL << 31;
	EXPECT_EQ(-1, ioctl(fd, KVM_SET_SREGS, &bad));
	EXPECT_EQ(EINVAL, errno);
	/* Neither changed anything. */
	ASSERT_EQ(0, ioctl(fd, KVM_GET_SREGS, &got));
	EXPECT_EQ(0x80000031, got.cr0);
	EXPECT_EQ(0x20, got.cr4);
}

TEST_F(vcpu, fpu_round_trip)
{
	int fd = self->g.vcpu_fd, i;
	struct kvm_fpu set, got;

	/*
	 * KVM's GET_FPU and SET_FPU leave MXCSR out (it reads as 0 and is
	 * not written): nothing can rely on it, so it is not checked.
	 */
	ASSERT_EQ(0, ioctl(fd, KVM_GET_FPU, &set));
	EXPECT_EQ(0x37f, set.fcw);		/* the reset value */
	set.fcw = 0x27f;
	set.fsw = 0x0100;
	for (i = 0; i < 8; i++)
		memset(set.fpr[i], 0x21 + i, 10);
	for (i = 0; i < 16; i++)
		memset(set.xmm[i], 0x11 * (i + 1), 16);
	ASSERT_EQ(0, ioctl(fd, KVM_SET_FPU, &set));
	memset(&got, 0, sizeof(got));
	ASSERT_EQ(0, ioctl(fd, KVM_GET_FPU, &got));
	EXPECT_EQ(0x27f, got.fcw);
	EXPECT_EQ(0x0100, got.fsw);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, memcmp(set.fpr[i], got.fpr[i], 10)) TH_LOG("st%d", i);
	EXPECT_EQ(0, memcmp(set.xmm, got.xmm, sizeof(set.xmm)));
}

static int msr_io(int fd, unsigned long req, struct msr_buf *b,
		  const uint32_t *idx, const uint64_t *val, int n)
{
	int i;

	memset(b, 0, sizeof(*b));
	b->m.nmsrs = n;
	for (i = 0; i < n; i++) {
		b->e[i].index = idx[i];
		b->e[i].data = val ? val[i] : 0;
	}
	return ioctl(fd, req, b);
}

TEST_F(vcpu, msrs_round_trip)
{
	static const uint32_t idx[] = {
		MSR_SYSENTER_CS, MSR_STAR, MSR_LSTAR, MSR_KGS_BASE,
	};
	static const uint64_t val[] = {
		0x10, 0x0023001000000000ULL, 0xffffffff81000000ULL,
		0x00007f1234560000ULL,
	};
	static const uint32_t with_bad[] = { MSR_STAR, BAD_MSR, MSR_LSTAR };
	static const uint64_t bad_val[] = { 1ULL << 48, 1, 0xffffffff82000000ULL };
	int fd = self->g.vcpu_fd, i;
	static struct msr_buf b;

	EXPECT_EQ(4, msr_io(fd, KVM_SET_MSRS, &b, idx, val, 4));
	EXPECT_EQ(4, msr_io(fd, KVM_GET_MSRS, &b, idx, NULL, 4));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(val[i], b.e[i].data) TH_LOG("msr %#x", idx[i]);

	/* Processing stops at the first MSR refused: the count is returned. */
	EXPECT_EQ(1, msr_io(fd, KVM_SET_MSRS, &b, with_bad, bad_val, 3));
	EXPECT_EQ(1, msr_io(fd, KVM_GET_MSRS, &b, with_bad, NULL, 3));
	EXPECT_EQ(1ULL << 48, b.e[0].data);
	EXPECT_EQ(0, msr_io(fd, KVM_GET_MSRS, &b, with_bad + 1, NULL, 1));
	EXPECT_EQ(1, msr_io(fd, KVM_GET_MSRS, &b, idx + 2, NULL, 1));
	EXPECT_EQ(val[2], b.e[0].data);		/* LSTAR was not written */

	EXPECT_EQ(0, msr_io(fd, KVM_GET_MSRS, &b, idx, NULL, 0));
	EXPECT_EQ(-1, msr_io(fd, KVM_GET_MSRS, &b, idx, NULL, MAX_IO_MSRS));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, msr_io(fd, KVM_SET_MSRS, &b, idx, NULL, MAX_IO_MSRS));
	EXPECT_EQ(E2BIG, errno);
}

static int supported_cpuid(int dev, struct cpuid_buf *b, uint32_t nent)
{
	memset(b, 0, sizeof(*b));
	b->c.nent = nent;
	return ioctl(dev, KVM_GET_SUPPORTED_CPUID, b);
}

TEST_F(vcpu, cpuid2_round_trip)
{
	static struct cpuid_buf sup, got, big;
	int fd = self->g.vcpu_fd, i, n;

	ASSERT_EQ(0, supported_cpuid(self->g.dev_fd, &sup, MAX_CPUID));
	n = sup.c.nent;
	ASSERT_LT(1, n);
	/*
	 * guest_init() set exactly these. KVM copies out the entries but,
	 * on success, leaves nent as it was: only those n are written.
	 */
	memset(&got, 0xa5, sizeof(got));
	got.c.nent = MAX_CPUID;
	ASSERT_EQ(0, ioctl(fd, KVM_GET_CPUID2, &got));
	EXPECT_EQ(MAX_CPUID, got.c.nent);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(sup.e[i].function, got.e[i].function);
		EXPECT_EQ(sup.e[i].index, got.e[i].index);
	}
	EXPECT_EQ(0, memcmp(&sup.e[0], &got.e[0], sizeof(sup.e[0])));
	EXPECT_EQ(0xa5a5a5a5, got.e[n].function);

	/* Too small a buffer: E2BIG. */
	got.c.nent = n - 1;
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_CPUID2, &got));
	EXPECT_EQ(E2BIG, errno);
	TH_LOG("KVM_GET_CPUID2 E2BIG leaves nent %u (%d entries)",
	       got.c.nent, n);
	EXPECT_EQ(n - 1, got.c.nent);

	/* More than KVM_MAX_CPUID_ENTRIES: E2BIG, before reading them. */
	big.c.nent = MAX_CPUID + 1;
	EXPECT_EQ(-1, ioctl(fd, KVM_SET_CPUID2, &big));
	EXPECT_EQ(E2BIG, errno);
	big.c.nent = 0x10000000;
	EXPECT_EQ(-1, ioctl(fd, KVM_SET_CPUID2, &big));
	EXPECT_EQ(E2BIG, errno);

	/* After the first KVM_RUN only the same CPUID may be set again. */
	ASSERT_EQ(0, guest_set_mode(&self->g, GUEST_REAL,
				    GUEST_ADDR(tiny, tiny_hlt)));
	ASSERT_EQ(0, guest_expect_exit(&self->g, KVM_EXIT_HLT));
	EXPECT_EQ(0, ioctl(fd, KVM_SET_CPUID2, &sup));
	sup.e[0].ebx ^= 1;
	EXPECT_EQ(-1, ioctl(fd, KVM_SET_CPUID2, &sup));
	EXPECT_EQ(EINVAL, errno);
}

TEST(supported_cpuid_e2big)
{
	static struct cpuid_buf b;
	int dev = guest_open_dev(), n;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, supported_cpuid(dev, &b, MAX_CPUID));
	n = b.c.nent;
	ASSERT_LT(1, n);
	EXPECT_GE(MAX_CPUID, n);
	EXPECT_EQ(0, b.e[0].function);
	EXPECT_EQ(0, supported_cpuid(dev, &b, n));
	EXPECT_EQ(n, b.c.nent);

	EXPECT_EQ(-1, supported_cpuid(dev, &b, n - 1));
	EXPECT_EQ(E2BIG, errno);
	TH_LOG("KVM_GET_SUPPORTED_CPUID E2BIG leaves nent %u (%d entries)",
	       b.c.nent, n);
	EXPECT_EQ(n - 1, b.c.nent);
	EXPECT_EQ(-1, supported_cpuid(dev, &b, 1));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, supported_cpuid(dev, &b, 0));
	EXPECT_EQ(E2BIG, errno);
	/* Too many is fine: nent comes back as the real count. */
	EXPECT_EQ(0, supported_cpuid(dev, &b, 100000));
	EXPECT_EQ(n, b.c.nent);
	close(dev);
}

TEST(msr_index_list)
{
	static struct {
		struct kvm_msr_list l;
		uint32_t idx[1024];
	} b;
	bool star = false, lstar = false, kgs = false, cs = false;
	int dev = guest_open_dev(), n, i;

	ASSERT_LE(0, dev);
	b.l.nmsrs = 0;
	EXPECT_EQ(-1, ioctl(dev, KVM_GET_MSR_INDEX_LIST, &b));
	EXPECT_EQ(E2BIG, errno);
	n = b.l.nmsrs;
	ASSERT_LT(0, n);
	ASSERT_GE(1024, n);
	b.l.nmsrs = n - 1;
	EXPECT_EQ(-1, ioctl(dev, KVM_GET_MSR_INDEX_LIST, &b));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(n, b.l.nmsrs);
	b.l.nmsrs = 1024;
	ASSERT_EQ(0, ioctl(dev, KVM_GET_MSR_INDEX_LIST, &b));
	EXPECT_EQ(n, b.l.nmsrs);
	for (i = 0; i < n; i++) {
		star |= b.idx[i] == MSR_STAR;
		lstar |= b.idx[i] == MSR_LSTAR;
		kgs |= b.idx[i] == MSR_KGS_BASE;
		cs |= b.idx[i] == MSR_SYSENTER_CS;
	}
	EXPECT_TRUE(star);
	EXPECT_TRUE(lstar);
	EXPECT_TRUE(kgs);
	EXPECT_TRUE(cs);
	EXPECT_EQ(-1, ioctl(dev, KVM_GET_MSR_INDEX_LIST, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(dev);
}

TEST_F(vcpu, mp_state)
{
	struct kvm_mp_state mp = { .mp_state = 99 };
	int fd = self->g.vcpu_fd;

	ASSERT_EQ(0, ioctl(fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	EXPECT_EQ(0, ioctl(fd, KVM_SET_MP_STATE, &mp));
	/* Without an in-kernel local APIC only RUNNABLE is accepted. */
	mp.mp_state = KVM_MP_STATE_HALTED;
	EXPECT_EQ(-1, ioctl(fd, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(EINVAL, errno);
	mp.mp_state = 99;
	EXPECT_EQ(-1, ioctl(fd, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
}

TEST_F(vcpu, bad_pointers_are_efault)
{
	static const struct {
		const char *name;
		unsigned long req;
	} reqs[] = {
		{ "GET_REGS", KVM_GET_REGS }, { "SET_REGS", KVM_SET_REGS },
		{ "GET_SREGS", KVM_GET_SREGS }, { "SET_SREGS", KVM_SET_SREGS },
		{ "GET_FPU", KVM_GET_FPU }, { "SET_FPU", KVM_SET_FPU },
		{ "GET_MSRS", KVM_GET_MSRS }, { "SET_MSRS", KVM_SET_MSRS },
		{ "GET_CPUID2", KVM_GET_CPUID2 },
		{ "SET_CPUID2", KVM_SET_CPUID2 },
		{ "GET_MP_STATE", KVM_GET_MP_STATE },
		{ "SET_MP_STATE", KVM_SET_MP_STATE },
	};
	void *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	struct kvm_regs regs;
	unsigned int i;

	ASSERT_NE(MAP_FAILED, none);
	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		EXPECT_EQ(-1, ioctl(self->g.vcpu_fd, reqs[i].req, NULL));
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s NULL", reqs[i].name);
		EXPECT_EQ(-1, ioctl(self->g.vcpu_fd, reqs[i].req, none));
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s PROT_NONE", reqs[i].name);
	}
	EXPECT_EQ(-1, ioctl(self->g.dev_fd, KVM_GET_SUPPORTED_CPUID, none));
	EXPECT_EQ(EFAULT, errno);
	munmap(none, PAGE);
	/* The vCPU is still fine. */
	EXPECT_EQ(0, ioctl(self->g.vcpu_fd, KVM_GET_REGS, &regs));
}

TEST_F(vcpu, run_immediate_exit)
{
	struct guest *g = &self->g;
	struct kvm_regs regs;

	ASSERT_EQ(0, guest_set_mode(g, GUEST_REAL, GUEST_ADDR(tiny, tiny_hlt)));
	g->run->immediate_exit = 1;
	EXPECT_EQ(-1, ioctl(g->vcpu_fd, KVM_RUN, 0));
	EXPECT_EQ(EINTR, errno);
	/* 6.1 leaves exit_reason alone here; later KVMs say KVM_EXIT_INTR. */
	EXPECT_TRUE(g->run->exit_reason == KVM_EXIT_UNKNOWN ||
		    g->run->exit_reason == KVM_EXIT_INTR);
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	EXPECT_EQ(tiny_hlt - tiny_start, regs.rip);	/* did not run */
	g->run->immediate_exit = 0;
	EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	EXPECT_EQ(tiny_hlt - tiny_start + 1, regs.rip);

	/* Again after an exit: the HLT stays reported, nothing runs. */
	g->run->immediate_exit = 1;
	EXPECT_EQ(-1, ioctl(g->vcpu_fd, KVM_RUN, 0));
	EXPECT_EQ(EINTR, errno);
	EXPECT_TRUE(g->run->exit_reason == KVM_EXIT_HLT ||
		    g->run->exit_reason == KVM_EXIT_INTR);
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	EXPECT_EQ(tiny_hlt - tiny_start + 1, regs.rip);
	g->run->immediate_exit = 0;
}

static void on_alarm(int sig)
{
}

TEST_F(vcpu, signal_interrupts_run)
{
	struct itimerval t = { .it_value.tv_usec = 200000 };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct guest *g = &self->g;
	struct kvm_regs regs;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, guest_set_mode(g, GUEST_REAL,
				    GUEST_ADDR(tiny, tiny_loop)));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &t, NULL));
	EXPECT_EQ(-1, ioctl(g->vcpu_fd, KVM_RUN, 0));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(KVM_EXIT_INTR, g->run->exit_reason);
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	EXPECT_EQ(tiny_loop - tiny_start, regs.rip);
	/* It resumes where it was: make the loop a HLT. */
	g->mem[GUEST_CODE_GPA + (tiny_loop - tiny_start)] = 0xf4;
	EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
}

/* A VM belongs to its creator's mm: a forked child gets EIO from all. */
TEST_F(vcpu, other_process_gets_eio)
{
	struct guest *g = &self->g;
	struct kvm_regs regs;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;

		bad |= !(ioctl(g->vcpu_fd, KVM_GET_REGS, &regs) == -1 &&
			 errno == EIO) << 0;
		bad |= !(ioctl(g->vcpu_fd, KVM_RUN, 0) == -1 &&
			 errno == EIO) << 1;
		bad |= !(ioctl(g->vcpu_fd, KVM_SET_REGS, &regs) == -1 &&
			 errno == EIO) << 2;
		bad |= !(ioctl(g->vm_fd, KVM_CREATE_VCPU, 1) == -1 &&
			 errno == EIO) << 3;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, ioctl(g->vcpu_fd, KVM_GET_REGS, &regs));
	/* The child's KVM_CREATE_VCPU did not create id 1. */
	status = ioctl(g->vm_fd, KVM_CREATE_VCPU, 1);
	EXPECT_LE(0, status);
	close(status);
}

TEST_F(vcpu, unknown_ioctls)
{
	int fd = self->g.vcpu_fd;

	EXPECT_EQ(-1, ioctl(fd, _IO(KVMIO, 0xfe), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOW('x', 1, int), 0));
	EXPECT_EQ(EINVAL, errno);
	/* System and VM ioctls mean nothing on a vCPU fd. */
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, KVM_CREATE_VCPU, 1));
	EXPECT_EQ(EINVAL, errno);
}

/* The dev and VM fds go first: the vCPU keeps the VM, and still runs. */
TEST(close_dev_and_vm_before_vcpu)
{
	struct guest g;

	ASSERT_EQ(0, guest_init(&g));
	ASSERT_EQ(0, guest_load_code(&g, tiny_start, tiny_end));
	ASSERT_EQ(0, guest_set_mode(&g, GUEST_REAL, GUEST_ADDR(tiny, tiny_hlt)));
	EXPECT_VMS(1);
	close(g.dev_fd);
	close(g.vm_fd);
	g.dev_fd = -1;
	g.vm_fd = -1;
	EXPECT_VMS(1);
	EXPECT_EQ(0, guest_expect_exit(&g, KVM_EXIT_HLT));
	/* The mapping of kvm_run holds the vCPU file, and so the VM. */
	close(g.vcpu_fd);
	g.vcpu_fd = -1;
	EXPECT_VMS(1);
	EXPECT_EQ(KVM_EXIT_HLT, g.run->exit_reason);
	guest_destroy(&g);
	EXPECT_VMS(0);
}

TEST(close_vcpu_before_vm)
{
	struct guest g;

	ASSERT_EQ(0, guest_init(&g));
	munmap(g.run, g.run_size);
	g.run = NULL;
	close(g.vcpu_fd);
	g.vcpu_fd = -1;
	EXPECT_VMS(1);
	/* Its id stays taken: vCPUs live as long as their VM. */
	EXPECT_EQ(-1, ioctl(g.vm_fd, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, errno);
	close(g.vm_fd);
	g.vm_fd = -1;
	EXPECT_VMS(0);
	guest_destroy(&g);
}

/* A child dies by SIGKILL inside KVM_RUN: everything must go away. */
TEST(killed_while_running)
{
	int status, pipefd[2], i, n = -1;
	struct guest g;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		if (guest_init(&g) ||
		    guest_load_code(&g, tiny_start, tiny_end) ||
		    guest_set_mode(&g, GUEST_REAL, GUEST_ADDR(tiny, tiny_loop)))
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(2);
		guest_run(&g);
		_exit(3);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	close(pipefd[0]);
	usleep(300000);
	/* Still looping in the guest, not exited. */
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	EXPECT_VMS(1);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	for (i = 0; i < 20 && n; i++) {
		n = vms();
		if (n > 0)
			usleep(100000);
	}
	TH_LOG("VMs after the kill: %d (-1: not countable)", n);
	if (n >= 0)
		EXPECT_EQ(0, n);

	/* And the device still works. */
	ASSERT_EQ(0, guest_init(&g));
	ASSERT_EQ(0, guest_load_code(&g, tiny_start, tiny_end));
	ASSERT_EQ(0, guest_set_mode(&g, GUEST_REAL, GUEST_ADDR(tiny, tiny_hlt)));
	EXPECT_EQ(0, guest_expect_exit(&g, KVM_EXIT_HLT));
	guest_destroy(&g);
	EXPECT_VMS(0);
}

TEST_HARNESS_MAIN
