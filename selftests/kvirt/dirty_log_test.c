// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: live migration copies guest RAM while the guest runs and then only
 * what changed, as told by KVM_GET_DIRTY_LOG: a page the guest wrote and
 * the log missed is silently corrupt on the other side. So the log must
 * hold exactly the pages written since the last call (by the guest or by
 * the hypervisor's own emulation), never one that was only read; each
 * call resets it and re-arms write tracking; logging can be switched off
 * and on and survives a move; the errors are KVM's. Each test runs on
 * /dev/kvirt and, as the reference, on the stock /dev/kvm.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"

#define PAGE		4096UL
#define HUGE		0x200000UL
#define LOG_SLOT	1
#define LOG_GPA		0x1000000ULL
#define MOVED_GPA	0x3000000ULL
#define LOG_PAGES	100	/* a bitmap of two longs, the second partial */
#define LOG_BYTES	16
#define CANARY		0xa5
#define WRITE_OFF	0x100	/* where in a page the guest writes */
#define INS_PORT	0x3f8
#define RUN_MS		10000
#define OUT32		"outl %eax, $" GUEST_STR(GUEST_PORT) "\n"

#define diag(fmt, ...)	fprintf(stderr, "# " fmt "\n", ##__VA_ARGS__)

/* 32-bit protected mode without paging; arguments in registers. */
GUEST_CODE_SYMS(dl);
GUEST_LABEL(dl_write);
GUEST_LABEL(dl_sum);
GUEST_LABEL(dl_ins);
GUEST_CODE(dl,
	   ".code32\n"
	   /* For ECX page numbers at [ESI]: store EAX in that page of EDI. */
	   "dl_write: movl (%esi), %ebx\n"
	   "shll $12, %ebx\n"
	   "movl %eax, " GUEST_STR(WRITE_OFF) "(%edi,%ebx)\n"
	   "addl $4, %esi\n"
	   "loop dl_write\n"
	   "hlt\n"
	   /* OUT the sum of the dwords at WRITE_OFF of ECX pages from ESI. */
	   "dl_sum: xorl %eax, %eax\n"
	   "1: addl " GUEST_STR(WRITE_OFF) "(%esi), %eax\n"
	   "addl $4096, %esi\n"
	   "loop 1b\n" OUT32
	   "hlt\n"
	   /* REP INSB: ECX bytes from port DX to [EDI]. */
	   "dl_ins: rep insb\n"
	   "hlt\n");

FIXTURE(dl) {
	struct guest g;
	uint8_t *mem;		/* the logged slot's memory */
	uint64_t gpa;		/* where it is now */
};

FIXTURE_SETUP(dl)
{
	self->mem = mmap(NULL, LOG_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	ASSERT_EQ(0, guest_init(&self->g));
	ASSERT_EQ(0, guest_load_code(&self->g, dl_start, dl_end));
	ASSERT_EQ(0, guest_set_mode(&self->g, GUEST_PM32, GUEST_CODE_GPA));
	guest_set_run_timeout(RUN_MS);
	self->gpa = LOG_GPA;
	ASSERT_EQ(0, guest_set_slot(self->g.vm_fd, LOG_SLOT,
				    KVM_MEM_LOG_DIRTY_PAGES, LOG_GPA,
				    LOG_PAGES * PAGE, self->mem));
}

FIXTURE_TEARDOWN(dl)
{
	guest_destroy(&self->g);
	EXPECT_EQ(0, guest_wait_released(2000));
}

static int set_log(FIXTURE_DATA(dl) * self, uint32_t flags, uint64_t gpa)
{
	self->gpa = gpa;
	return guest_set_slot(self->g.vm_fd, LOG_SLOT, flags, gpa,
			      LOG_PAGES * PAGE, self->mem);
}

static int enter(struct guest *g, const uint8_t *label, uint32_t eax,
		 uint32_t ecx, uint32_t esi, uint32_t edi)
{
	struct kvm_regs regs;
	int r = guest_get_regs(g, &regs);

	if (r)
		return r;
	regs.rip = GUEST_ADDR(dl, label);
	regs.rax = eax;
	regs.rcx = ecx;
	regs.rsi = esi;
	regs.rdi = edi;
	regs.rdx = INS_PORT;
	regs.rflags = 2;
	return guest_set_regs(g, &regs);
}

/* The guest stores @value in each of the @n pages of the logged slot. */
static int guest_writes(FIXTURE_DATA(dl) * self, const uint32_t *pages,
			int n, uint32_t value)
{
	struct guest *g = &self->g;

	memcpy(g->mem + GUEST_DATA_GPA, pages, n * sizeof(*pages));
	if (enter(g, dl_write, value, n, GUEST_DATA_GPA, self->gpa) ||
	    guest_expect_exit(g, KVM_EXIT_HLT)) {
		diag("the guest's writes");
		return -1;
	}
	return 0;
}

/* The guest reads every page of the slot: the sum must be the host's. */
static int guest_reads_all(FIXTURE_DATA(dl) * self)
{
	struct guest *g = &self->g;
	uint32_t sum = 0, v;
	int i;

	for (i = 0; i < LOG_PAGES; i++) {
		memcpy(&v, self->mem + i * PAGE + WRITE_OFF, 4);
		sum += v;
	}
	if (enter(g, dl_sum, 0, LOG_PAGES, self->gpa, 0) ||
	    guest_expect_out(g, GUEST_PORT, 4, sum) ||
	    guest_expect_exit(g, KVM_EXIT_HLT)) {
		diag("the guest's reads");
		return -1;
	}
	return 0;
}

static int get_log(int vm_fd, uint32_t slot, void *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm_fd, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
}

static void say_pages(const char *what, const uint8_t *bm)
{
	char line[512];
	int i, len = 0;

	line[0] = 0;
	for (i = 0; i < LOG_BYTES * 8 && len < (int)sizeof(line) - 8; i++)
		if (bm[i / 8] & (1 << (i % 8)))
			len += snprintf(line + len, sizeof(line) - len, " %d",
					i);
	diag("  %s:%s", what, len ? line : " none");
}

/* KVM_GET_DIRTY_LOG must give exactly @pages, and nothing past its end. */
static int expect_log(FIXTURE_DATA(dl) * self, const uint32_t *pages, int n)
{
	uint8_t got[2 * LOG_BYTES], want[LOG_BYTES] = {};
	int i, r;

	for (i = 0; i < n; i++)
		want[pages[i] / 8] |= 1 << (pages[i] % 8);
	memset(got, CANARY, sizeof(got));
	r = get_log(self->g.vm_fd, LOG_SLOT, got);
	if (r) {
		diag("KVM_GET_DIRTY_LOG: %s", strerror(-r));
		return -1;
	}
	if (memcmp(got, want, LOG_BYTES)) {
		diag("the dirty log differs");
		say_pages("wanted", want);
		say_pages("got", got);
		return -1;
	}
	for (i = LOG_BYTES; i < (int)sizeof(got); i++) {
		if (got[i] != CANARY) {
			diag("KVM_GET_DIRTY_LOG wrote byte %d", i);
			return -1;
		}
	}
	return 0;
}

#define PAGES(...)	((const uint32_t []){ __VA_ARGS__ })
#define NPAGES(...)	((int)(sizeof(PAGES(__VA_ARGS__)) / sizeof(uint32_t)))
#define WRITES(v, ...) \
	guest_writes(self, PAGES(__VA_ARGS__), NPAGES(__VA_ARGS__), v)
#define LOG_IS(...)	expect_log(self, PAGES(__VA_ARGS__), \
				   NPAGES(__VA_ARGS__))
#define LOG_EMPTY()	expect_log(self, NULL, 0)

TEST_F(dl, exactly_the_written_pages)
{
	uint8_t got[LOG_BYTES], none[LOG_BYTES] = {}, all[LOG_BYTES] = {};
	int i;

	/* Reads of pages the host never touched dirty nothing. */
	ASSERT_EQ(0, guest_reads_all(self));
	ASSERT_EQ(0, LOG_EMPTY());
	/* The host's own stores are not the guest's: not logged. */
	for (i = 0; i < LOG_PAGES; i++)
		self->mem[i * PAGE + WRITE_OFF] = i;
	ASSERT_EQ(0, LOG_EMPTY());
	/*
	 * The guest reads them again, through new mappings. KVM 6.1 maps a
	 * read fault writable when the host's page table allows writing,
	 * and then logs the page as if written (make_spte()); kvirt maps it
	 * read-only. Both are safe: nothing, or all that was read.
	 */
	ASSERT_EQ(0, guest_reads_all(self));
	for (i = 0; i < LOG_PAGES; i++)
		all[i / 8] |= 1 << (i % 8);
	ASSERT_EQ(0, get_log(self->g.vm_fd, LOG_SLOT, got));
	EXPECT_TRUE(!memcmp(got, none, LOG_BYTES) ||
		    !memcmp(got, all, LOG_BYTES))
		say_pages("got", got);
	TH_LOG("first reads of host-written pages logged: %s",
	       memcmp(got, none, LOG_BYTES) ? "all" : "none");
	/* Once reported, reads are just reads. */
	ASSERT_EQ(0, guest_reads_all(self));
	ASSERT_EQ(0, LOG_EMPTY());
	/* Both ends of both longs, and the last page. */
	ASSERT_EQ(0, WRITES(0x1111, 0, 1, 31, 32, 63, 64, 65, 98, 99));
	ASSERT_EQ(0, LOG_IS(0, 1, 31, 32, 63, 64, 65, 98, 99));
	EXPECT_EQ(0x1111, *(uint32_t *)(self->mem + 98 * PAGE + WRITE_OFF));
	ASSERT_EQ(0, guest_reads_all(self));
	ASSERT_EQ(0, LOG_EMPTY());
}

TEST_F(dl, each_get_resets_and_rearms)
{
	ASSERT_EQ(0, guest_reads_all(self));
	ASSERT_EQ(0, WRITES(1, 5, 6, 70));
	ASSERT_EQ(0, LOG_IS(5, 6, 70));
	ASSERT_EQ(0, LOG_EMPTY());
	/* Written before: still tracked after the reset. */
	ASSERT_EQ(0, WRITES(2, 5));
	ASSERT_EQ(0, LOG_IS(5));
	/* Many writes, over several runs, to the same pages: one bit each. */
	ASSERT_EQ(0, WRITES(3, 7, 7, 8));
	ASSERT_EQ(0, WRITES(4, 8, 70));
	ASSERT_EQ(0, LOG_IS(7, 8, 70));
	ASSERT_EQ(0, LOG_EMPTY());
	ASSERT_EQ(0, guest_reads_all(self));
	ASSERT_EQ(0, LOG_EMPTY());
}

TEST_F(dl, logging_off_on_and_moved)
{
	int vm = self->g.vm_fd;
	uint8_t bm[LOG_BYTES];

	ASSERT_EQ(0, WRITES(1, 3));
	ASSERT_EQ(0, LOG_IS(3));
	/* Off: the slot has no log; writes now map pages writable. */
	ASSERT_EQ(0, set_log(self, 0, LOG_GPA));
	EXPECT_EQ(-ENOENT, get_log(vm, LOG_SLOT, bm));
	ASSERT_EQ(0, WRITES(2, 4, 5));
	/* On again: a fresh log, and those pages are tracked again. */
	ASSERT_EQ(0, set_log(self, KVM_MEM_LOG_DIRTY_PAGES, LOG_GPA));
	ASSERT_EQ(0, LOG_EMPTY());
	ASSERT_EQ(0, WRITES(3, 4, 6));
	ASSERT_EQ(0, LOG_IS(4, 6));
	/* A logged slot that moves keeps its log. */
	ASSERT_EQ(0, WRITES(4, 11));
	ASSERT_EQ(0, set_log(self, KVM_MEM_LOG_DIRTY_PAGES, MOVED_GPA));
	ASSERT_EQ(0, LOG_IS(11));
	ASSERT_EQ(0, WRITES(5, 12));
	ASSERT_EQ(0, LOG_IS(12));
	ASSERT_EQ(0, guest_reads_all(self));
	EXPECT_EQ(5, *(uint32_t *)(self->mem + 12 * PAGE + WRITE_OFF));
}

/*
 * A slot the guest filled while it was not logged, with huge pages where
 * the host has them: turning logging on must take the guest's write
 * access away from all of it, 2 MiB mappings included.
 */
TEST_F(dl, logging_starts_on_mapped_huge_slot)
{
	const uint32_t two[] = { 100, 200 };
	uint32_t *list = (uint32_t *)(self->g.mem + GUEST_DATA_GPA), i;
	uint8_t got[64 + 8], want[64] = {}, *raw, *r;

	raw = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	r = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	madvise(r, HUGE, MADV_HUGEPAGE);	/* a THP if the host can */
	ASSERT_EQ(0, guest_set_slot(self->g.vm_fd, 2, 0, MOVED_GPA, HUGE, r));
	for (i = 0; i < 512; i++)
		list[i] = i;
	ASSERT_EQ(0, enter(&self->g, dl_write, 7, 512, GUEST_DATA_GPA,
			   MOVED_GPA));
	ASSERT_EQ(0, guest_expect_exit(&self->g, KVM_EXIT_HLT));

	ASSERT_EQ(0, guest_set_slot(self->g.vm_fd, 2, KVM_MEM_LOG_DIRTY_PAGES,
				    MOVED_GPA, HUGE, r));
	memcpy(list, two, sizeof(two));
	ASSERT_EQ(0, enter(&self->g, dl_write, 8, 2, GUEST_DATA_GPA,
			   MOVED_GPA));
	ASSERT_EQ(0, guest_expect_exit(&self->g, KVM_EXIT_HLT));
	/* 512 pages: a log of 64 bytes, with bits 100 and 200 set. */
	memset(got, CANARY, sizeof(got));
	want[100 / 8] |= 1 << (100 % 8);
	want[200 / 8] |= 1 << (200 % 8);
	ASSERT_EQ(0, get_log(self->g.vm_fd, 2, got));
	EXPECT_EQ(0, memcmp(got, want, sizeof(want))) {
		say_pages("got, first 128 pages", got);
		say_pages("next 128 pages", got + LOG_BYTES);
	}
	EXPECT_EQ(CANARY, got[64]);
	memset(got, CANARY, sizeof(got));
	memset(want, 0, sizeof(want));
	ASSERT_EQ(0, get_log(self->g.vm_fd, 2, got));
	EXPECT_EQ(0, memcmp(got, want, sizeof(want)));
	EXPECT_EQ(8, *(uint32_t *)(r + 200 * PAGE + WRITE_OFF));
	EXPECT_EQ(7, *(uint32_t *)(r + 201 * PAGE + WRITE_OFF));
}

/* The hypervisor's writes for the guest (here: REP INSB) are logged. */
TEST_F(dl, emulated_writes_are_logged)
{
	struct guest *g = &self->g;
	struct kvm_run *run = g->run;
	uint32_t done = 0, n, i;
	uint8_t *data;

	ASSERT_EQ(0, guest_reads_all(self));
	ASSERT_EQ(0, LOG_EMPTY());
	ASSERT_EQ(0, enter(g, dl_ins, 0, 24, 0, LOG_GPA + 9 * PAGE + 0x200));
	while (done < 24) {
		ASSERT_EQ(0, guest_run(g));
		ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
		ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
		ASSERT_EQ(INS_PORT, run->io.port);
		ASSERT_EQ(1, run->io.size);
		n = run->io.count;
		ASSERT_GE(24 - done, n);
		data = (uint8_t *)run + run->io.data_offset;
		for (i = 0; i < n; i++)
			data[i] = 0x40 + done + i;
		done += n;
	}
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	for (i = 0; i < 24; i++)
		EXPECT_EQ(0x40 + i, self->mem[9 * PAGE + 0x200 + i]);
	ASSERT_EQ(0, LOG_IS(9));
}

TEST_F(dl, errors)
{
	int vm = self->g.vm_fd, nslots, nas;
	uint8_t bm[LOG_BYTES];
	void *none;

	nslots = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	nas = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE);
	TH_LOG("NR_MEMSLOTS %d, MULTI_ADDRESS_SPACE %d", nslots, nas);
	ASSERT_LT(2, nslots);
	if (nas < 1)
		nas = 1;
	none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	ASSERT_NE(MAP_FAILED, none);

	/* A slot without logging, one never made, one deleted. */
	EXPECT_EQ(-ENOENT, get_log(vm, 0, bm));
	EXPECT_EQ(-ENOENT, get_log(vm, 5, bm));
	EXPECT_EQ(-ENOENT, get_log(vm, nslots - 1, bm));
	ASSERT_EQ(0, guest_set_slot(vm, 3, KVM_MEM_LOG_DIRTY_PAGES,
				    MOVED_GPA, PAGE, self->mem));
	EXPECT_EQ(0, get_log(vm, 3, bm));
	ASSERT_EQ(0, guest_set_slot(vm, 3, 0, MOVED_GPA, 0, NULL));
	EXPECT_EQ(-ENOENT, get_log(vm, 3, bm));
	/* Ids past the limits the device reports. */
	EXPECT_EQ(-EINVAL, get_log(vm, nslots, bm));
	EXPECT_EQ(-EINVAL, get_log(vm, 0xffff, bm));
	EXPECT_EQ(-EINVAL, get_log(vm, nas << 16 | LOG_SLOT, bm));
	EXPECT_EQ(-EINVAL, get_log(vm, 0xffffffff, bm));
	/* Bad pointers: the bitmap, and the argument itself. */
	EXPECT_EQ(-EFAULT, get_log(vm, LOG_SLOT, NULL));
	EXPECT_EQ(-EFAULT, get_log(vm, LOG_SLOT, none));
	EXPECT_EQ(-1, ioctl(vm, KVM_GET_DIRTY_LOG, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm, KVM_GET_DIRTY_LOG, none));
	EXPECT_EQ(EFAULT, errno);
	/* As KVM: a log that could not be copied out is lost all the same. */
	ASSERT_EQ(0, WRITES(1, 8));
	EXPECT_EQ(-EFAULT, get_log(vm, LOG_SLOT, none));
	EXPECT_EQ(0, LOG_EMPTY());
	/* And tracking goes on. */
	ASSERT_EQ(0, WRITES(2, 8));
	EXPECT_EQ(0, LOG_IS(8));
	munmap(none, PAGE);
}

TEST_HARNESS_MAIN
