// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: guest RAM is the VMM's ordinary memory, never pinned: whatever the
 * host does to it (writes from another thread, MADV_DONTNEED, munmap and
 * a new mmap, mremap, mprotect, KSM merging, transparent huge pages and
 * their splitting) the guest must see at once, as it does on KVM, through
 * the MMU notifier and the nested page fault path. Read-only slots and
 * slots that come and go while a vCPU runs complete the picture. Each test
 * runs on /dev/kvirt and, as the reference, on the stock /dev/kvm.
 */
#define _GNU_SOURCE		/* mremap() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"

#define PAGE		4096UL
#define HUGE		0x200000UL
#define TEST_GPA	0x1000000ULL	/* slot 1, 2 MiB aligned */
#define MOVED_GPA	0x2000000ULL	/* where the churn test moves it */
#define TEST_SLOT	1
#define RUN_MS		10000		/* no KVM_RUN here takes longer */
#define OUT32		"outl %eax, $" GUEST_STR(GUEST_PORT) "\n"

#define KSM_DIR		"/sys/kernel/mm/ksm/"
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define KSM_PAGES	64
#define KSM_WAIT_MS	20000
#define THP_PAGES	1024		/* two 2 MiB pages */

#define diag(fmt, ...)	fprintf(stderr, "# " fmt "\n", ##__VA_ARGS__)

/*
 * 32-bit protected mode without paging, so every gpa is reachable. The
 * host points RIP at one of the entries, with arguments in registers.
 */
GUEST_CODE_SYMS(probe);
GUEST_LABEL(p_read);
GUEST_LABEL(p_write);
GUEST_LABEL(p_writeb);
GUEST_LABEL(p_writew);
GUEST_LABEL(p_wait);
GUEST_LABEL(p_sum);
GUEST_LABEL(p_fill);
GUEST_LABEL(p_pingpong);
GUEST_LABEL(p_churn);
GUEST_CODE(probe,
	   ".code32\n"
	   /* OUT the dword at [ESI]. */
	   "p_read: movl (%esi), %eax\n" OUT32
	   "hlt\n"
	   /* Store EAX, AL or AX at [EDI]. */
	   "p_write: movl %eax, (%edi)\n"
	   "hlt\n"
	   "p_writeb: movb %al, (%edi)\n"
	   "hlt\n"
	   "p_writew: movw %ax, (%edi)\n"
	   "hlt\n"
	   /* OUT the dword at [ESI]; wait until it is EAX; OUT it again. */
	   "p_wait: movl %eax, %ebx\n"
	   "movl (%esi), %eax\n" OUT32
	   "1: pause\n"
	   "cmpl %ebx, (%esi)\n"
	   "jne 1b\n"
	   "movl (%esi), %eax\n" OUT32
	   "hlt\n"
	   /* OUT the sum of the first dwords of ECX pages from ESI. */
	   "p_sum: xorl %eax, %eax\n"
	   "1: addl (%esi), %eax\n"
	   "addl $4096, %esi\n"
	   "loop 1b\n" OUT32
	   "hlt\n"
	   /* Store EAX, EAX + 1, ... to the first dwords of ECX pages at EDI. */
	   "p_fill: movl %eax, (%edi)\n"
	   "incl %eax\n"
	   "addl $4096, %edi\n"
	   "loop p_fill\n"
	   "hlt\n"
	   /*
	    * ECX rounds without an exit: store i (1, 2, ...) at [EDI], wait
	    * for the host to store i at [ESI]. Then OUT the last i.
	    */
	   "p_pingpong: xorl %eax, %eax\n"
	   "1: incl %eax\n"
	   "movl %eax, (%edi)\n"
	   "2: pause\n"
	   "cmpl %eax, (%esi)\n"
	   "jne 2b\n"
	   "loop 1b\n" OUT32
	   "hlt\n"
	   /* Forever: OUT [ESI], store it to [ESI + 4], count at [EDI]. */
	   "p_churn: movl (%esi), %eax\n" OUT32
	   "movl %eax, 4(%esi)\n"
	   "incl (%edi)\n"
	   "jmp p_churn\n");

/* The sysfs knobs a test changed, put back by the teardown. */
struct knobs {
	int n;
	struct {
		char path[96];
		char old[64];
	} k[4];
};

FIXTURE(mem) {
	struct guest g;
	struct guest g2;	/* a second VM, for KSM */
	struct knobs knobs;
};

FIXTURE_SETUP(mem)
{
	self->g2.dev_fd = -1;
	self->g2.vm_fd = -1;
	self->g2.vcpu_fd = -1;
	ASSERT_EQ(0, guest_init(&self->g));
	ASSERT_EQ(0, guest_load_code(&self->g, probe_start, probe_end));
	ASSERT_EQ(0, guest_set_mode(&self->g, GUEST_PM32, GUEST_CODE_GPA));
	guest_set_run_timeout(RUN_MS);
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* The file's first line; for "a [b] c" choices, the chosen b. */
static int read_file(const char *path, char *buf, size_t size)
{
	char *open_br, *close_br;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		r = -EIO;
	fclose(f);
	if (r)
		return r;
	buf[strcspn(buf, "\n")] = 0;
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (close_br) {
		*close_br = 0;
		memmove(buf, open_br + 1, strlen(open_br + 1) + 1);
	}
	return 0;
}

static long read_number(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* Set a sysfs knob, remembering its value for the teardown. */
static int set_knob(struct knobs *ks, const char *path, const char *value)
{
	int r;

	if (ks->n == ARRAY_SIZE(ks->k))
		return -ENOSPC;
	r = read_file(path, ks->k[ks->n].old, sizeof(ks->k[0].old));
	if (r)
		return r;
	snprintf(ks->k[ks->n].path, sizeof(ks->k[0].path), "%s", path);
	r = write_file(path, value);
	if (!r)
		ks->n++;
	return r;
}

FIXTURE_TEARDOWN(mem)
{
	int i;

	guest_destroy(&self->g);
	guest_destroy(&self->g2);
	EXPECT_EQ(0, guest_wait_released(2000));
	/* KSM first unmerges everything, then takes its old settings. */
	if (self->knobs.n && !strncmp(self->knobs.k[0].path, KSM_DIR,
				      strlen(KSM_DIR)))
		write_file(KSM_DIR "run", "2");
	for (i = self->knobs.n - 1; i >= 0; i--)
		write_file(self->knobs.k[i].path, self->knobs.k[i].old);
}

/* Point the vCPU at @label with EAX, ECX, ESI and EDI; RIP only moves. */
static int enter(struct guest *g, const uint8_t *label, uint32_t eax,
		 uint32_t ecx, uint32_t esi, uint32_t edi)
{
	struct kvm_regs regs;
	int r = guest_get_regs(g, &regs);

	if (r)
		return r;
	regs.rip = GUEST_ADDR(probe, label);
	regs.rax = eax;
	regs.rcx = ecx;
	regs.rsi = esi;
	regs.rdi = edi;
	regs.rflags = 2;
	return guest_set_regs(g, &regs);
}

/* The guest reads the dword at @gpa: it must be @want. */
static int guest_reads(struct guest *g, uint64_t gpa, uint32_t want)
{
	if (enter(g, p_read, 0, 0, gpa, 0) ||
	    guest_expect_out(g, GUEST_PORT, 4, want) ||
	    guest_expect_exit(g, KVM_EXIT_HLT)) {
		diag("the guest's read of %#llx", (unsigned long long)gpa);
		return -1;
	}
	return 0;
}

static int guest_writes(struct guest *g, uint64_t gpa, uint32_t value)
{
	if (enter(g, p_write, value, 0, 0, gpa) ||
	    guest_expect_exit(g, KVM_EXIT_HLT)) {
		diag("the guest's write to %#llx", (unsigned long long)gpa);
		return -1;
	}
	return 0;
}

/* The guest sums the first dwords of @n pages at @gpa: must be @want. */
static int guest_sums(struct guest *g, uint64_t gpa, uint32_t n,
		      uint32_t want)
{
	if (enter(g, p_sum, 0, n, gpa, 0) ||
	    guest_expect_out(g, GUEST_PORT, 4, want) ||
	    guest_expect_exit(g, KVM_EXIT_HLT)) {
		diag("the guest's sum of %u pages at %#llx", n,
		     (unsigned long long)gpa);
		return -1;
	}
	return 0;
}

/* The next KVM_RUN must fail with @err. */
static int run_fails(struct guest *g, int err)
{
	int r = guest_run(g);

	if (r == -err)
		return 0;
	diag("wanted KVM_RUN to fail with %s, got %s (exit %s)",
	     strerror(err), r ? strerror(-r) : "success",
	     guest_exit_name(g->run->exit_reason));
	return -1;
}

static uint32_t *word(void *base, unsigned long page, unsigned long off)
{
	return (uint32_t *)((uint8_t *)base + page * PAGE + off);
}

static void *map_anon(size_t size, int flags)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Something a helper thread does to memory while the guest runs. */
enum host_action { DO_STORE, DO_DONTNEED, DO_REMAP };

struct later {
	pthread_t thread;
	int delay_ms;
	enum host_action action;
	void *addr;		/* DO_STORE: a dword; else a page range */
	size_t size;
	uint32_t value;		/* stored, or the first of a DO_REMAP fill */
	int err;		/* of madvise or mmap */
};

static void *later_main(void *arg)
{
	struct later *l = arg;
	void *p;
	size_t i;

	usleep(l->delay_ms * 1000);
	switch (l->action) {
	case DO_STORE:
		__atomic_store_n((uint32_t *)l->addr, l->value,
				 __ATOMIC_SEQ_CST);
		break;
	case DO_DONTNEED:
		if (madvise(l->addr, l->size, MADV_DONTNEED))
			l->err = errno;
		break;
	case DO_REMAP:
		/* One syscall swaps the mapping; fill it once it is there. */
		p = mmap(l->addr, l->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED) {
			l->err = errno;
			break;
		}
		for (i = 0; i < l->size / PAGE; i++)
			*word(p, i, 0) = l->value + i;
		break;
	}
	return NULL;
}

/*
 * Run the guest at p_wait on @gpa: it reports @first, then the host's
 * @action happens 20 ms later while it spins, and it must see @want.
 */
static int wait_for_host(struct guest *g, uint64_t gpa, uint32_t first,
			 uint32_t want, struct later *l)
{
	int r = -1;

	if (enter(g, p_wait, want, 0, gpa, 0) ||
	    guest_expect_out(g, GUEST_PORT, 4, first))
		return -1;
	l->delay_ms = 20;
	if (pthread_create(&l->thread, NULL, later_main, l))
		return -1;
	if (!guest_expect_out(g, GUEST_PORT, 4, want) &&
	    !guest_expect_exit(g, KVM_EXIT_HLT))
		r = 0;
	pthread_join(l->thread, NULL);
	if (l->err) {
		diag("the host's change failed: %s", strerror(l->err));
		r = -1;
	}
	if (r)
		diag("waiting at %#llx for %#x", (unsigned long long)gpa, want);
	return r;
}

TEST_F(mem, host_writes_seen_while_running)
{
	struct guest *g = &self->g;
	struct later l = { .action = DO_STORE };
	uint8_t *r = map_anon(16 * PAGE, MAP_PRIVATE);
	uint32_t k;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    16 * PAGE, r));
	/*
	 * Pages the host never touched: the guest's read maps the zero page,
	 * and the host's write replaces it under the guest's feet.
	 */
	for (k = 0; k < 7; k++) {
		l.addr = word(r, 2 * k, 0x10);
		l.value = 0x5eed0000 + k;
		ASSERT_EQ(0, wait_for_host(g, TEST_GPA + 2 * k * PAGE + 0x10,
					   0, l.value, &l));
	}
	/* A page both sides wrote before: a plain store to shared memory. */
	l.addr = word(r, 0, 0x10);
	l.value = 0xabcd;
	ASSERT_EQ(0, wait_for_host(g, TEST_GPA + 0x10, 0x5eed0000, 0xabcd,
				   &l));
	/* And the guest's stores reach the host the same way. */
	ASSERT_EQ(0, guest_writes(g, TEST_GPA + 15 * PAGE + 8, 0x77665544));
	EXPECT_EQ(0x77665544, *word(r, 15, 8));
}

struct pingpong {
	uint32_t *from_guest, *to_guest;
	uint32_t rounds, done;
};

static void *pingpong_host(void *arg)
{
	struct pingpong *p = arg;
	struct timespec t0, t;
	uint32_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 1; i <= p->rounds; i++) {
		while (__atomic_load_n(p->from_guest, __ATOMIC_ACQUIRE) != i) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec > 2 * RUN_MS / 1000)
				return NULL;
		}
		__atomic_store_n(p->to_guest, i, __ATOMIC_RELEASE);
		p->done = i;
	}
	return NULL;
}

/* Both ways at once, with no exit in between: only memory carries it. */
TEST_F_TIMEOUT(mem, ping_pong_without_exits, 60)
{
	struct guest *g = &self->g;
	uint8_t *r = map_anon(2 * PAGE, MAP_PRIVATE);
	struct pingpong p = { .rounds = 50 };
	pthread_t t;

	/* Each round waits for the host's CPUs to schedule both sides. */
	guest_set_run_timeout(2 * RUN_MS);
	ASSERT_NE(NULL, r);
	p.from_guest = word(r, 0, 0);
	p.to_guest = word(r, 1, 0);
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    2 * PAGE, r));
	ASSERT_EQ(0, enter(g, p_pingpong, 0, p.rounds, TEST_GPA + PAGE,
			   TEST_GPA));
	ASSERT_EQ(0, pthread_create(&t, NULL, pingpong_host, &p));
	EXPECT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, p.rounds));
	pthread_join(t, NULL);
	EXPECT_EQ(p.rounds, p.done);
}

TEST_F(mem, madv_dontneed_while_running)
{
	struct guest *g = &self->g;
	struct later l = { .action = DO_DONTNEED };
	uint8_t *r = map_anon(16 * PAGE, MAP_PRIVATE);
	uint32_t i, sum = 0;

	ASSERT_NE(NULL, r);
	for (i = 0; i < 16; i++) {
		*word(r, i, 0) = 0xa0000000 + i;
		sum += 0xa0000000 + i;
	}
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    16 * PAGE, r));
	ASSERT_EQ(0, guest_sums(g, TEST_GPA, 16, sum));

	/* Page 3 goes away while the guest reads it in a loop. */
	l.addr = r + 3 * PAGE;
	l.size = PAGE;
	ASSERT_EQ(0, wait_for_host(g, TEST_GPA + 3 * PAGE, 0xa0000003, 0,
				   &l));
	ASSERT_EQ(0, guest_sums(g, TEST_GPA, 16, sum - 0xa0000003));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 4 * PAGE, 0xa0000004));
	/* The guest's next write lands in the page the host now has. */
	ASSERT_EQ(0, guest_writes(g, TEST_GPA + 3 * PAGE + 4, 0x600d));
	EXPECT_EQ(0x600d, *word(r, 3, 4));
	*word(r, 3, 0) = 0x7777;
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 3 * PAGE, 0x7777));

	/* All of it, with the guest stopped. */
	ASSERT_EQ(0, madvise(r, 16 * PAGE, MADV_DONTNEED));
	EXPECT_EQ(0, guest_sums(g, TEST_GPA, 16, 0));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 3 * PAGE + 4, 0));
}

static void fill(uint8_t *r, unsigned long pages, uint32_t first)
{
	unsigned long i;

	for (i = 0; i < pages; i++)
		*word(r, i, 0) = first + i;
}

TEST_F(mem, munmap_and_mmap_over_slot)
{
	struct guest *g = &self->g;
	struct later l = { .action = DO_REMAP };
	uint8_t *r = map_anon(4 * PAGE, MAP_PRIVATE), *p;

	ASSERT_NE(NULL, r);
	fill(r, 4, 0x11110000);
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    4 * PAGE, r));
	ASSERT_EQ(0, guest_reads(g, TEST_GPA + PAGE, 0x11110001));

	/* Guest stopped: new memory at the same address. */
	ASSERT_EQ(0, munmap(r, 4 * PAGE));
	p = mmap(r, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(r, p);
	fill(r, 4, 0x22220000);
	ASSERT_EQ(0, guest_reads(g, TEST_GPA + PAGE, 0x22220001));

	/* Guest running: mmap(MAP_FIXED) swaps the mapping in one go. */
	l.addr = r;
	l.size = 4 * PAGE;
	l.value = 0x33330000;
	ASSERT_EQ(0, wait_for_host(g, TEST_GPA + PAGE, 0x22220001,
				   0x33330001, &l));

	/* Nothing mapped there: KVM_RUN fails, and retries once there is. */
	ASSERT_EQ(0, munmap(r, 4 * PAGE));
	ASSERT_EQ(0, enter(g, p_read, 0, 0, TEST_GPA + 2 * PAGE, 0));
	EXPECT_EQ(0, run_fails(g, EFAULT));
	p = mmap(r, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(r, p);
	fill(r, 4, 0x44440000);
	EXPECT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x44440002));
	EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
}

TEST_F(mem, mprotect_read_only)
{
	struct guest *g = &self->g;
	uint8_t *r = map_anon(4 * PAGE, MAP_PRIVATE);

	ASSERT_NE(NULL, r);
	fill(r, 4, 0x55550000);
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    4 * PAGE, r));
	/* The guest's write maps page 0 writable first. */
	ASSERT_EQ(0, guest_writes(g, TEST_GPA, 0x1234));
	ASSERT_EQ(0x1234, *word(r, 0, 0));

	ASSERT_EQ(0, mprotect(r, 4 * PAGE, PROT_READ));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA, 0x1234));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 3 * PAGE, 0x55550003));
	ASSERT_EQ(0, enter(g, p_write, 0x9999, 0, 0, TEST_GPA));
	EXPECT_EQ(0, run_fails(g, EFAULT));
	EXPECT_EQ(0x1234, *word(r, 0, 0));
	ASSERT_EQ(0, enter(g, p_write, 0x8888, 0, 0, TEST_GPA + 2 * PAGE));
	EXPECT_EQ(0, run_fails(g, EFAULT));
	EXPECT_EQ(0x55550002, *word(r, 2, 0));

	/* Writable again: the same write goes through. */
	ASSERT_EQ(0, mprotect(r, 4 * PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	EXPECT_EQ(0x8888, *word(r, 2, 0));
	EXPECT_EQ(0, guest_writes(g, TEST_GPA, 0x4321));
	EXPECT_EQ(0x4321, *word(r, 0, 0));
}

TEST_F(mem, mremap_slot_memory_away_and_back)
{
	struct guest *g = &self->g;
	uint8_t *r = map_anon(4 * PAGE, MAP_PRIVATE), *spare, *p;

	spare = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	ASSERT_NE(NULL, r);
	ASSERT_NE(MAP_FAILED, spare);
	fill(r, 4, 0x66660000);
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    4 * PAGE, r));
	ASSERT_EQ(0, guest_writes(g, TEST_GPA + PAGE + 8, 0xfeed));

	p = mremap(r, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   spare);
	ASSERT_EQ(spare, p);
	EXPECT_EQ(0xfeed, *word(spare, 1, 8));
	ASSERT_EQ(0, enter(g, p_read, 0, 0, TEST_GPA + PAGE, 0));
	EXPECT_EQ(0, run_fails(g, EFAULT));
	ASSERT_EQ(0, enter(g, p_write, 1, 0, 0, TEST_GPA + PAGE + 8));
	EXPECT_EQ(0, run_fails(g, EFAULT));

	/* Back where the slot points: the same pages, with the write. */
	p = mremap(spare, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   r);
	ASSERT_EQ(r, p);
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + PAGE, 0x66660001));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + PAGE + 8, 0xfeed));
	EXPECT_EQ(0, guest_writes(g, TEST_GPA + 3 * PAGE, 0xbeef));
	EXPECT_EQ(0xbeef, *word(r, 3, 0));
}

/* Page @i of the KSM test: whole pages, equal in both VMs, all distinct. */
static void ksm_fill(uint8_t *r)
{
	unsigned long i, j;

	for (i = 0; i < KSM_PAGES; i++)
		for (j = 0; j < PAGE / 4; j++)
			*word(r, i, 4 * j) = 0x6b000000 + (i << 12) + j;
}

static int ksm_vm(struct guest *g, uint8_t **r)
{
	*r = map_anon(KSM_PAGES * PAGE, MAP_PRIVATE);
	if (!*r)
		return -ENOMEM;
	ksm_fill(*r);
	if (madvise(*r, KSM_PAGES * PAGE, MADV_MERGEABLE))
		return -errno;
	return guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
			      KSM_PAGES * PAGE, *r);
}

TEST_F_TIMEOUT(mem, ksm_merges_and_unshares, 60)
{
	struct guest *a = &self->g, *b = &self->g2;
	uint32_t i, sum = 0, old7 = 0x6b000000 + (7 << 12);
	long base, sharing = 0;
	uint8_t *ra, *rb;
	int waited;

	if (access(KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel (%s)", KSM_DIR "run");
	ASSERT_EQ(0, guest_init(b));
	ASSERT_EQ(0, guest_load_code(b, probe_start, probe_end));
	ASSERT_EQ(0, guest_set_mode(b, GUEST_PM32, GUEST_CODE_GPA));
	ASSERT_EQ(0, ksm_vm(a, &ra));
	ASSERT_EQ(0, ksm_vm(b, &rb));
	for (i = 0; i < KSM_PAGES; i++)
		sum += 0x6b000000 + (i << 12);
	/* Both guests have all of it mapped before KSM looks. */
	ASSERT_EQ(0, guest_sums(a, TEST_GPA, KSM_PAGES, sum));
	ASSERT_EQ(0, guest_sums(b, TEST_GPA, KSM_PAGES, sum));

	base = read_number(KSM_DIR "pages_sharing");
	ASSERT_LE(0, base);
	ASSERT_EQ(0, set_knob(&self->knobs, KSM_DIR "pages_to_scan", "1000"));
	ASSERT_EQ(0, set_knob(&self->knobs, KSM_DIR "sleep_millisecs", "0"));
	ASSERT_EQ(0, set_knob(&self->knobs, KSM_DIR "run", "1"));
	for (waited = 0; waited < KSM_WAIT_MS; waited += 100) {
		sharing = read_number(KSM_DIR "pages_sharing") - base;
		if (sharing >= KSM_PAGES)
			break;
		usleep(100000);
		/* The guests keep running and reading while ksmd works. */
		ASSERT_EQ(0, guest_sums(a, TEST_GPA, KSM_PAGES, sum));
		ASSERT_EQ(0, guest_sums(b, TEST_GPA, KSM_PAGES, sum));
	}
	TH_LOG("pages_sharing rose by %ld in %d ms", sharing, waited);
	ASSERT_LE(KSM_PAGES, sharing);
	ASSERT_EQ(0, write_file(KSM_DIR "run", "0"));

	/* Merged pages read the same... */
	ASSERT_EQ(0, guest_sums(a, TEST_GPA, KSM_PAGES, sum));
	ASSERT_EQ(0, guest_sums(b, TEST_GPA, KSM_PAGES, sum));
	ASSERT_EQ(0, guest_reads(b, TEST_GPA + 7 * PAGE + 0x40,
				 old7 + 0x10));
	/* ...and a guest's write breaks the sharing for it alone. */
	ASSERT_EQ(0, guest_writes(a, TEST_GPA + 7 * PAGE, 0xc0ffee));
	EXPECT_EQ(0xc0ffee, *word(ra, 7, 0));
	EXPECT_EQ(old7, *word(rb, 7, 0));
	EXPECT_EQ(0, guest_reads(b, TEST_GPA + 7 * PAGE, old7));
	EXPECT_EQ(0, guest_reads(a, TEST_GPA + 7 * PAGE, 0xc0ffee));
	EXPECT_EQ(0, guest_reads(a, TEST_GPA + 7 * PAGE + 4, old7 + 1));
	EXPECT_EQ(0, guest_sums(b, TEST_GPA, KSM_PAGES, sum));
	EXPECT_EQ(0, guest_sums(a, TEST_GPA, KSM_PAGES,
				sum - old7 + 0xc0ffee));
	/* The host's write to a merged page, too. */
	*word(rb, 9, 0) = 0x5151;
	EXPECT_EQ(0, guest_reads(b, TEST_GPA + 9 * PAGE, 0x5151));
	EXPECT_EQ(0, guest_reads(a, TEST_GPA + 9 * PAGE,
				 0x6b000000 + (9 << 12)));
}

/* AnonHugePages of the mapping holding @addr, in kB; -1 if not found. */
static long anon_huge_kb(void *addr)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[256], perms[5];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* Each mapping starts "lo-hi perms ...", its fields "Name:". */
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3)
			in = lo <= a && a < hi;
		if (in && sscanf(line, "AnonHugePages: %ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/*
 * How big the guest's mappings are, as each hypervisor says: kvirt counts
 * nested page faults per vCPU, KVM counts its 2 MiB mappings per VM.
 */
static long kvirt_npf_exits(void)
{
	char path[300], line[64];
	struct dirent *de;
	long n = -1;
	DIR *d;
	FILE *f;
	int pid, serial;

	d = opendir("/sys/kernel/debug/kvirt");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "%d-%d", &pid, &serial) != 2 ||
		    pid != getpid())
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/kvirt/%s/vcpu0",
			 de->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			sscanf(line, "npf: %ld", &n);
		if (f)
			fclose(f);
	}
	closedir(d);
	return n;
}

static long kvm_pages_2m(int vm_fd)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/pages_2m",
		 getpid(), vm_fd);
	return read_number(path);
}

TEST_F(mem, thp_slot_and_split)
{
	struct guest *g = &self->g;
	struct later l = { .action = DO_DONTNEED };
	uint32_t i, sum = 0, sum_hi = 0, v700 = 0xb0000000 + 700;
	char mode[32];
	long npf = 0, kb;
	uint8_t *raw, *r;

	if (read_file(THP_ENABLED, mode, sizeof(mode)))
		SKIP(return, "no transparent huge pages (%s)", THP_ENABLED);
	if (!strcmp(mode, "never"))
		ASSERT_EQ(0, set_knob(&self->knobs, THP_ENABLED, "madvise"));
	raw = map_anon(THP_PAGES * PAGE + HUGE, MAP_PRIVATE);
	ASSERT_NE(NULL, raw);
	r = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	ASSERT_EQ(0, madvise(r, THP_PAGES * PAGE, MADV_HUGEPAGE));
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    THP_PAGES * PAGE, r));
	for (i = 0; i < THP_PAGES; i++) {
		sum += 0xb0000000 + i;
		if (i >= THP_PAGES / 2)
			sum_hi += 0xb0000000 + i;
	}

	/* The guest touches every page first: the host faults in THPs. */
	if (guest_dev_is_kvirt())
		npf = kvirt_npf_exits();
	ASSERT_EQ(0, enter(g, p_fill, 0xb0000000, THP_PAGES, 0, TEST_GPA));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	kb = anon_huge_kb(r);
	TH_LOG("AnonHugePages of the slot: %ld kB", kb);
	ASSERT_LE(2048, kb) TH_LOG("the host gave no huge page to test with");
	if (guest_dev_is_kvirt()) {
		npf = kvirt_npf_exits() - npf;
		TH_LOG("nested page faults for %d pages: %ld", THP_PAGES, npf);
		EXPECT_GT(THP_PAGES / 8, npf) TH_LOG("not mapped at 2 MiB");
	} else {
		TH_LOG("KVM's pages_2m: %ld", kvm_pages_2m(g->vm_fd));
		EXPECT_LE(1, kvm_pages_2m(g->vm_fd));
	}
	ASSERT_EQ(0, guest_sums(g, TEST_GPA, THP_PAGES, sum));
	EXPECT_EQ(0xb0000000 + 1000, *word(r, 1000, 0));

	/* One 4 KiB page of a 2 MiB one goes while the guest reads it. */
	l.addr = r + 700 * PAGE;
	l.size = PAGE;
	ASSERT_EQ(0, wait_for_host(g, TEST_GPA + 700 * PAGE, v700, 0, &l));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 699 * PAGE, v700 - 1));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 701 * PAGE, v700 + 1));
	ASSERT_EQ(0, guest_sums(g, TEST_GPA, THP_PAGES, sum - v700));
	ASSERT_EQ(0, guest_writes(g, TEST_GPA + 700 * PAGE + 8, 0x7007));
	EXPECT_EQ(0x7007, *word(r, 700, 8));

	/* A whole 2 MiB page goes: the guest reads zeros in all of it. */
	ASSERT_EQ(0, madvise(r, HUGE, MADV_DONTNEED));
	EXPECT_EQ(0, guest_sums(g, TEST_GPA, THP_PAGES / 2, 0));
	EXPECT_EQ(0, guest_sums(g, TEST_GPA + HUGE, THP_PAGES / 2,
				sum_hi - v700));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + HUGE - 4, 0));
}

/*
 * Untouched THP memory read first: the host maps its huge zero page, which
 * the guest may see at 2 MiB, read-only. The guest's writes then need the
 * host to split that and give it pages of its own, one by one.
 */
TEST_F(mem, thp_zero_page_then_writes)
{
	struct guest *g = &self->g;
	uint32_t i, sum = 0;
	uint8_t *raw, *r;
	char mode[32];

	if (read_file(THP_ENABLED, mode, sizeof(mode)))
		SKIP(return, "no transparent huge pages (%s)", THP_ENABLED);
	if (!strcmp(mode, "never"))
		ASSERT_EQ(0, set_knob(&self->knobs, THP_ENABLED, "madvise"));
	raw = map_anon(THP_PAGES * PAGE + HUGE, MAP_PRIVATE);
	ASSERT_NE(NULL, raw);
	r = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	ASSERT_EQ(0, madvise(r, THP_PAGES * PAGE, MADV_HUGEPAGE));
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    THP_PAGES * PAGE, r));
	ASSERT_EQ(0, guest_sums(g, TEST_GPA, THP_PAGES, 0));
	/* Every other page of the first 2 MiB, then all of the second. */
	ASSERT_EQ(0, enter(g, p_fill, 0xd0000000, 1, 0, TEST_GPA));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	for (i = 2; i < THP_PAGES / 2; i += 2)
		ASSERT_EQ(0, guest_writes(g, TEST_GPA + i * PAGE,
					  0xd0000000 + i));
	ASSERT_EQ(0, enter(g, p_fill, 0xd0000000 + THP_PAGES / 2,
			   THP_PAGES / 2, 0, TEST_GPA + HUGE));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	for (i = 0; i < THP_PAGES; i++) {
		if (i >= THP_PAGES / 2 || !(i % 2)) {
			sum += 0xd0000000 + i;
			EXPECT_EQ(0xd0000000 + i, *word(r, i, 0)) {
				TH_LOG("page %u", i);
				break;
			}
		} else {
			EXPECT_EQ(0, *word(r, i, 0)) {
				TH_LOG("page %u", i);
				break;
			}
		}
	}
	EXPECT_EQ(0, guest_sums(g, TEST_GPA, THP_PAGES, sum));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 3 * PAGE, 0));
}

/* One mapping behind two slots: a change shows through both. */
TEST_F(mem, aliased_slots)
{
	struct guest *g = &self->g;
	uint8_t *r = map_anon(4 * PAGE, MAP_PRIVATE);

	ASSERT_NE(NULL, r);
	fill(r, 4, 0x99990000);
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    4 * PAGE, r));
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT + 1, 0, MOVED_GPA,
				    4 * PAGE, r));
	ASSERT_EQ(0, guest_sums(g, TEST_GPA, 4, 4 * 0x99990000U + 6));
	ASSERT_EQ(0, guest_sums(g, MOVED_GPA, 4, 4 * 0x99990000U + 6));
	ASSERT_EQ(0, guest_writes(g, TEST_GPA + PAGE, 0xa11a5));
	EXPECT_EQ(0, guest_reads(g, MOVED_GPA + PAGE, 0xa11a5));
	ASSERT_EQ(0, madvise(r, 4 * PAGE, MADV_DONTNEED));
	EXPECT_EQ(0, guest_sums(g, TEST_GPA, 4, 0));
	EXPECT_EQ(0, guest_sums(g, MOVED_GPA, 4, 0));
	ASSERT_EQ(0, guest_writes(g, MOVED_GPA + 2 * PAGE, 0xb22b));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 2 * PAGE, 0xb22b));
	EXPECT_EQ(0xb22b, *word(r, 2, 0));
	/* Without the second slot, the first goes on alone. */
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT + 1, 0, MOVED_GPA, 0,
				    NULL));
	*word(r, 2, 0) = 0xc33c;
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 2 * PAGE, 0xc33c));
}

TEST_F(mem, readonly_slot)
{
	struct guest *g = &self->g;
	uint64_t gpa = TEST_GPA + 2 * PAGE + 0x10;
	uint8_t *r = map_anon(4 * PAGE, MAP_PRIVATE), copy[4 * PAGE];
	const uint32_t v4 = 0xdeadbeef;
	const uint16_t v2 = 0xcafe;
	const uint8_t v1 = 0xab;

	ASSERT_NE(NULL, r);
	ASSERT_LT(0, ioctl(g->vm_fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_READONLY_MEM));
	fill(r, 4, 0x70000000);
	*word(r, 2, 0x10) = 0x12345678;
	memcpy(copy, r, sizeof(copy));
	/* The VMM need not be able to write it either. */
	ASSERT_EQ(0, mprotect(r, 4 * PAGE, PROT_READ));
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, KVM_MEM_READONLY,
				    TEST_GPA, 4 * PAGE, r));
	ASSERT_EQ(0, guest_reads(g, gpa, 0x12345678));
	ASSERT_EQ(0, guest_sums(g, TEST_GPA, 4, 4U * 0x70000000 + 6));

	/* Every write is an MMIO exit, of the right size, and lands nowhere. */
	ASSERT_EQ(0, enter(g, p_write, v4, 0, 0, gpa));
	EXPECT_EQ(0, guest_expect_mmio_write(g, gpa, 4, &v4));
	EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	ASSERT_EQ(0, enter(g, p_writew, v2, 0, 0, TEST_GPA + PAGE + 2));
	EXPECT_EQ(0, guest_expect_mmio_write(g, TEST_GPA + PAGE + 2, 2, &v2));
	EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	ASSERT_EQ(0, enter(g, p_writeb, v1, 0, 0, TEST_GPA + 3 * PAGE + 1));
	EXPECT_EQ(0, guest_expect_mmio_write(g, TEST_GPA + 3 * PAGE + 1, 1,
					     &v1));
	EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	EXPECT_EQ(0, memcmp(copy, r, sizeof(copy)));
	EXPECT_EQ(0, guest_reads(g, gpa, 0x12345678));

	/* A read-only slot cannot become writable. */
	EXPECT_EQ(-EINVAL, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
					  4 * PAGE, r));
	/* The host's own changes show through. */
	ASSERT_EQ(0, mprotect(r, 4 * PAGE, PROT_READ | PROT_WRITE));
	*word(r, 2, 0x10) = 0x87654321;
	EXPECT_EQ(0, guest_reads(g, gpa, 0x87654321));
	ASSERT_EQ(0, enter(g, p_write, v4, 0, 0, gpa));
	EXPECT_EQ(0, guest_expect_mmio_write(g, gpa, 4, &v4));
	EXPECT_EQ(0x87654321, *word(r, 2, 0x10));
}

/* The guest reads @gpa, which must exit as MMIO; it gets @answer. */
static int guest_reads_mmio(struct guest *g, uint64_t gpa, uint32_t answer)
{
	if (enter(g, p_read, 0, 0, gpa, 0) ||
	    guest_answer_mmio_read(g, gpa, 4, &answer) ||
	    guest_expect_out(g, GUEST_PORT, 4, answer) ||
	    guest_expect_exit(g, KVM_EXIT_HLT)) {
		diag("the guest's read of %#llx", (unsigned long long)gpa);
		return -1;
	}
	return 0;
}

/* A slot that goes away or moves takes the guest's mappings with it. */
TEST_F(mem, deleted_and_moved_slot)
{
	struct guest *g = &self->g;
	uint8_t *r = map_anon(4 * PAGE, MAP_PRIVATE);
	uint8_t *r2 = map_anon(4 * PAGE, MAP_PRIVATE);
	const uint32_t v = 0x3e3e;

	ASSERT_NE(NULL, r);
	ASSERT_NE(NULL, r2);
	fill(r, 4, 0x12120000);
	fill(r2, 4, 0x34340000);
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    4 * PAGE, r));
	ASSERT_EQ(0, guest_reads(g, TEST_GPA + PAGE, 0x12120001));
	ASSERT_EQ(0, guest_writes(g, TEST_GPA + 2 * PAGE + 4, 0x55));

	/* Deleted: reads and writes of pages the guest had are MMIO. */
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA, 0, NULL));
	EXPECT_EQ(0, guest_reads_mmio(g, TEST_GPA + PAGE, 0xa5a5));
	ASSERT_EQ(0, enter(g, p_write, v, 0, 0, TEST_GPA + 2 * PAGE + 4));
	EXPECT_EQ(0, guest_expect_mmio_write(g, TEST_GPA + 2 * PAGE + 4, 4,
					     &v));
	EXPECT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	EXPECT_EQ(0x55, *word(r, 2, 4));

	/* Back elsewhere: there, and not at the old place. */
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, MOVED_GPA,
				    4 * PAGE, r));
	EXPECT_EQ(0, guest_reads(g, MOVED_GPA + PAGE, 0x12120001));
	EXPECT_EQ(0, guest_reads_mmio(g, TEST_GPA + PAGE, 0xa6a6));
	/* Moved back: the other way round. */
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    4 * PAGE, r));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + PAGE, 0x12120001));
	EXPECT_EQ(0, guest_reads_mmio(g, MOVED_GPA + PAGE, 0xa7a7));
	/* Deleted and made again on other memory: nothing of the old. */
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA, 0, NULL));
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    4 * PAGE, r2));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + PAGE, 0x34340001));
	EXPECT_EQ(0, guest_reads(g, TEST_GPA + 2 * PAGE + 4, 0));
	EXPECT_EQ(0, guest_writes(g, TEST_GPA + 2 * PAGE + 4, 0x66));
	EXPECT_EQ(0x66, *word(r2, 2, 4));
	EXPECT_EQ(0x55, *word(r, 2, 4));
}

#define MAGIC1		0x11aa11aa
#define MAGIC2		0x22bb22bb
#define ANSWER		0x3cc33cc3
#define CHURN_MIN_MS	2000
#define CHURN_MAX_MS	10000

struct churn {
	int vm_fd;
	uint8_t *mem[2];	/* the backings, with MAGIC1 and MAGIC2 */
	int last;		/* which one slot 1 has at the end */
	int cycles;
	int err;		/* first failed step's -errno */
	const char *step;
	int seen_mem, seen_mmio;	/* set by the vCPU thread */
	int done;
};

static int elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Delete, re-add (other backing), move away and back, again and again. */
static void *churn_main(void *arg)
{
	struct churn *c = arg;
	struct timespec t0;
	int ms, b;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ms = elapsed_ms(&t0);
		if (ms > CHURN_MAX_MS ||
		    (ms > CHURN_MIN_MS &&
		     __atomic_load_n(&c->seen_mem, __ATOMIC_RELAXED) &&
		     __atomic_load_n(&c->seen_mmio, __ATOMIC_RELAXED)))
			break;
		b = c->cycles & 1;
		c->step = "delete";
		c->err = guest_set_slot(c->vm_fd, TEST_SLOT, 0, TEST_GPA, 0,
					NULL);
		if (c->err)
			break;
		usleep(500);
		c->step = "re-add";
		c->err = guest_set_slot(c->vm_fd, TEST_SLOT, 0, TEST_GPA,
					4 * PAGE, c->mem[b]);
		if (c->err)
			break;
		c->last = b;
		usleep(500);
		c->step = "move away";
		c->err = guest_set_slot(c->vm_fd, TEST_SLOT, 0, MOVED_GPA,
					4 * PAGE, c->mem[b]);
		if (c->err)
			break;
		usleep(500);
		c->step = "move back";
		c->err = guest_set_slot(c->vm_fd, TEST_SLOT, 0, TEST_GPA,
					4 * PAGE, c->mem[b]);
		if (c->err)
			break;
		c->cycles++;
		usleep(500);
	}
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* One exit of the p_churn guest: 0 if it is one the churn allows. */
static int churn_exit(struct guest *g, struct churn *c, int *mmio_writes)
{
	struct kvm_run *run = g->run;
	uint32_t v = 0, answer = ANSWER;
	int r = guest_run(g);

	if (r) {
		diag("KVM_RUN: %s", strerror(-r));
		return -1;
	}
	if (run->exit_reason == KVM_EXIT_IO &&
	    run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.port == GUEST_PORT && run->io.size == 4) {
		memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
		if (v == MAGIC1 || v == MAGIC2) {
			__atomic_store_n(&c->seen_mem, 1, __ATOMIC_RELAXED);
			return 0;
		}
		if (v == ANSWER) {
			__atomic_store_n(&c->seen_mmio, 1, __ATOMIC_RELAXED);
			return 0;
		}
		diag("the guest read %#x", v);
		return -1;
	}
	if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.len == 4 &&
	    !run->mmio.is_write && run->mmio.phys_addr == TEST_GPA) {
		memcpy(run->mmio.data, &answer, 4);
		return 0;
	}
	if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.len == 4 &&
	    run->mmio.is_write && run->mmio.phys_addr == TEST_GPA + 4) {
		(*mmio_writes)++;
		return 0;
	}
	diag("unexpected exit %s", guest_exit_name(run->exit_reason));
	if (run->exit_reason == KVM_EXIT_MMIO)
		diag("  mmio %s %#llx len %u",
		     run->mmio.is_write ? "write" : "read",
		     (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	return -1;
}

TEST_F_TIMEOUT(mem, memslot_churn_while_running, 60)
{
	struct guest *g = &self->g;
	struct churn c = { .vm_fd = g->vm_fd };
	int i, exits = 0, mmio_writes = 0, bad = 0;
	uint32_t *count = (uint32_t *)(g->mem + GUEST_DATA_GPA), before;
	const uint32_t want[2] = { MAGIC1, MAGIC2 };
	pthread_t t;

	for (i = 0; i < 2; i++) {
		c.mem[i] = map_anon(4 * PAGE, MAP_SHARED);
		ASSERT_NE(NULL, c.mem[i]);
		*word(c.mem[i], 0, 0) = want[i];
	}
	ASSERT_EQ(0, guest_set_slot(g->vm_fd, TEST_SLOT, 0, TEST_GPA,
				    4 * PAGE, c.mem[0]));
	*count = 0;
	ASSERT_EQ(0, enter(g, p_churn, 0, 0, TEST_GPA, GUEST_DATA_GPA));
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_main, &c));
	/* The vCPU runs here until the churn is over. */
	while (!bad && !__atomic_load_n(&c.done, __ATOMIC_ACQUIRE)) {
		bad = churn_exit(g, &c, &mmio_writes);
		exits++;
	}
	pthread_join(t, NULL);
	TH_LOG("%d churn cycles, %d exits, %d MMIO writes, %u guest loops",
	       c.cycles, exits, mmio_writes, *count);
	ASSERT_EQ(0, bad);
	ASSERT_EQ(0, c.err) TH_LOG("%s: %s", c.step, strerror(-c.err));
	EXPECT_LE(10, c.cycles);
	EXPECT_TRUE(c.seen_mem);
	EXPECT_TRUE(c.seen_mmio) TH_LOG("never saw the slot gone");

	/*
	 * Settled: the guest reads the last backing, nothing stale. Its store
	 * follows the OUT, so from the second OUT on the store of the loop
	 * before must be in the last backing too (the first may still show a
	 * value read from MMIO while the slot was away).
	 */
	before = *count;
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, want[c.last]));
		if (i)
			EXPECT_EQ(want[c.last], *word(c.mem[c.last], 0, 4));
	}
	EXPECT_LT(before, *count);
}

TEST_HARNESS_MAIN
