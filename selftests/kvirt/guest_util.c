// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the guest library of the vCPU selftests (see guest_util.h),
 * written from Documentation/virt/kvm/api.rst and the x86 manuals alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest_util.h"
#include "lab_util.h"

#define PAGE_SIZE	4096
#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define CR0_PE		0x1ULL
#define CR0_ET		0x10ULL
#define CR0_NE		0x20ULL
#define CR0_PG		0x80000000ULL
#define CR4_PAE		0x20ULL
#define EFER_LME	0x100ULL
#define EFER_LMA	0x400ULL
#define MAX_CPUID	256
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

#define diag(fmt, ...) fprintf(stderr, "# guest: " fmt "\n", ##__VA_ARGS__)

/*
 * Exception stubs, copied to GUEST_STUBS_GPA: one 16-byte stub per vector
 * pushes a 0 where the CPU pushes no error code, then the vector; the
 * common part reports vector, error code, RIP and CR2, then halts.
 */
#define STUB_VECTORS \
	"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23," \
	"24,25,26,27,28,29,30,31"
#define HAS_ERROR_CODE \
	"(\\v == 8) || ((\\v >= 10) && (\\v <= 14)) || (\\v == 17) || " \
	"(\\v == 21) || (\\v == 29) || (\\v == 30)"
#define REPORT_EXC	"out %eax, $" GUEST_STR(GUEST_PORT_EXC) "\n"

GUEST_CODE_SYMS(stubs64);
GUEST_CODE(stubs64,
	   ".code64\n"
	   ".irp v, " STUB_VECTORS "\n"
	   ".balign 16\n"
	   ".if !(" HAS_ERROR_CODE ")\n"
	   "pushq $0\n"
	   ".endif\n"
	   "pushq $\\v\n"
	   "jmp stubs64_common\n"
	   ".endr\n"
	   "stubs64_common:\n"
	   "popq %rax\n" REPORT_EXC
	   "popq %rax\n" REPORT_EXC
	   "popq %rax\n" REPORT_EXC
	   "movq %cr2, %rax\n" REPORT_EXC
	   "1: hlt\n"
	   "jmp 1b\n");

GUEST_CODE_SYMS(stubs32);
GUEST_CODE(stubs32,
	   ".code32\n"
	   ".irp v, " STUB_VECTORS "\n"
	   ".balign 16\n"
	   ".if !(" HAS_ERROR_CODE ")\n"
	   "pushl $0\n"
	   ".endif\n"
	   "pushl $\\v\n"
	   "jmp stubs32_common\n"
	   ".endr\n"
	   "stubs32_common:\n"
	   "popl %eax\n" REPORT_EXC
	   "popl %eax\n" REPORT_EXC
	   "popl %eax\n" REPORT_EXC
	   "movl %cr2, %eax\n" REPORT_EXC
	   "1: hlt\n"
	   "jmp 1b\n");

/* The GDT, with the descriptor bits KVM_SET_SREGS takes apart. */
struct gdt_seg {
	uint16_t sel;
	uint32_t base;
	uint32_t limit;		/* 20 bits, in pages when G */
	uint8_t access;		/* P, DPL, S, type */
	uint8_t flags;		/* G, D/B, L, AVL */
};

static const struct gdt_seg gdt[] = {
	{ GUEST_SEL_CODE32, 0, 0xfffff, 0x9b, 0xc },
	{ GUEST_SEL_DATA32, 0, 0xfffff, 0x93, 0xc },
	{ GUEST_SEL_CODE16, GUEST_CODE_GPA, 0xffff, 0x9b, 0x0 },
	{ GUEST_SEL_DATA16, 0, 0xffff, 0x93, 0x0 },
	{ GUEST_SEL_CODE64, 0, 0xfffff, 0x9b, 0xa },
	{ GUEST_SEL_TSS, GUEST_TSS_GPA, 0x67, 0x8b, 0x0 },	/* busy TSS */
};

const char *guest_dev_path(void)
{
	const char *dev = getenv("KVIRT_TEST_DEV");

	return dev && *dev ? dev : KVIRT_DEV;
}

bool guest_dev_is_kvirt(void)
{
	return !strcmp(guest_dev_path(), KVIRT_DEV);
}

int guest_open_dev(void)
{
	int fd, r;

	if (guest_dev_is_kvirt()) {
		r = kvirt_load();
		if (r)
			return r;
	}
	fd = open(guest_dev_path(), O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int guest_count_vms(void)
{
	struct kvirt_status st;
	struct dirent *de;
	int n = 0, pid, fd, r;
	DIR *d;

	if (guest_dev_is_kvirt()) {
		r = kvirt_read_status(&st);
		return r ? r : st.vms;
	}
	/* KVM names each VM's debugfs folder "pid-fd". */
	d = opendir("/sys/kernel/debug/kvm");
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		n += sscanf(de->d_name, "%d-%d", &pid, &fd) == 2;
	closedir(d);
	return n;
}

void *guest_add_slot(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
	};
	void *mem;
	int err;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	r.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r)) {
		err = errno;
		munmap(mem, size);
		errno = err;
		return NULL;
	}
	return mem;
}

int guest_create_vcpu(int dev_fd, int vm_fd, int id, struct kvm_run **run,
		      int *run_size)
{
	int fd, size, r;
	void *p;

	size = ioctl(dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return -errno;
	fd = ioctl(vm_fd, KVM_CREATE_VCPU, id);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		close(fd);
		return r;
	}
	*run = p;
	*run_size = size;
	return fd;
}

int guest_set_supported_cpuid(int dev_fd, int vcpu_fd)
{
	struct kvm_cpuid2 *c;
	int r = 0;

	c = calloc(1, sizeof(*c) + MAX_CPUID * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = MAX_CPUID;
	if (ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, c) ||
	    ioctl(vcpu_fd, KVM_SET_CPUID2, c))
		r = -errno;
	free(c);
	return r;
}

int guest_init(struct guest *g)
{
	int r;

	memset(g, 0, sizeof(*g));
	g->vm_fd = -1;
	g->vcpu_fd = -1;
	g->dev_fd = guest_open_dev();
	if (g->dev_fd < 0)
		return g->dev_fd;
	g->vm_fd = ioctl(g->dev_fd, KVM_CREATE_VM, 0);
	if (g->vm_fd < 0)
		goto fail;
	g->mem = guest_add_slot(g->vm_fd, 0, 0, GUEST_MEM_SIZE);
	if (!g->mem)
		goto fail;
	g->vcpu_fd = guest_create_vcpu(g->dev_fd, g->vm_fd, 0, &g->run,
				       &g->run_size);
	if (g->vcpu_fd < 0) {
		errno = -g->vcpu_fd;
		g->vcpu_fd = -1;
		goto fail;
	}
	r = guest_set_supported_cpuid(g->dev_fd, g->vcpu_fd);
	if (r) {
		errno = -r;
		goto fail;
	}
	return 0;
fail:
	r = -errno;
	guest_destroy(g);
	return r;
}

void guest_destroy(struct guest *g)
{
	if (g->run)
		munmap(g->run, g->run_size);
	if (g->vcpu_fd >= 0)
		close(g->vcpu_fd);
	if (g->vm_fd >= 0)
		close(g->vm_fd);
	if (g->mem)
		munmap(g->mem, GUEST_MEM_SIZE);
	if (g->dev_fd >= 0)
		close(g->dev_fd);
	g->run = NULL;
	g->mem = NULL;
	g->vcpu_fd = -1;
	g->vm_fd = -1;
	g->dev_fd = -1;
}

int guest_load_code(struct guest *g, const uint8_t *start, const uint8_t *end)
{
	if (end < start || end - start > GUEST_CODE_MAX)
		return -E2BIG;
	memcpy(g->mem + GUEST_CODE_GPA, start, end - start);
	return 0;
}

static uint64_t gdt_entry(const struct gdt_seg *s)
{
	return (s->limit & 0xffff) |
	       (uint64_t)(s->base & 0xffffff) << 16 |
	       (uint64_t)s->access << 40 |
	       (uint64_t)(s->limit >> 16 & 0xf) << 48 |
	       (uint64_t)(s->flags & 0xf) << 52 |
	       (uint64_t)(s->base >> 24) << 56;
}

static void write_gdt(struct guest *g)
{
	uint64_t *e = (uint64_t *)(g->mem + GUEST_GDT_GPA);
	unsigned int i;

	memset(e, 0, GUEST_GDT_LIMIT + 1);
	for (i = 0; i < ARRAY_SIZE(gdt); i++)
		e[gdt[i].sel / 8] = gdt_entry(&gdt[i]);
	/* The TSS descriptor is 16 bytes in long mode: base 63:32 is 0. */
	memset(g->mem + GUEST_TSS_GPA, 0, 0x68);
}

/* The segment register a load of @sel would give in protected mode. */
static void pm_segment(struct kvm_segment *seg, uint16_t sel)
{
	const struct gdt_seg *s = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gdt); i++)
		if (gdt[i].sel == sel)
			s = &gdt[i];
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->base = s->base;
	seg->limit = s->flags & 8 ? s->limit << 12 | 0xfff : s->limit;
	seg->type = s->access & 0xf;
	seg->s = s->access >> 4 & 1;
	seg->dpl = s->access >> 5 & 3;
	seg->present = s->access >> 7;
	seg->avl = s->flags & 1;
	seg->l = s->flags >> 1 & 1;
	seg->db = s->flags >> 2 & 1;
	seg->g = s->flags >> 3 & 1;
}

static void real_segment(struct kvm_segment *seg, uint16_t sel, bool code)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->base = (uint64_t)sel << 4;
	seg->limit = 0xffff;
	seg->type = code ? 0xb : 0x3;
	seg->s = 1;
	seg->present = 1;
}

static bool paging(enum guest_mode mode)
{
	return mode == GUEST_PAGING32 || mode == GUEST_PAE ||
	       mode == GUEST_LONG;
}

static uint64_t pt_alloc(struct guest *g)
{
	uint64_t gpa = g->pt_next;

	if (gpa >= GUEST_PT_END)
		return 0;
	g->pt_next += PAGE_SIZE;
	memset(g->mem + gpa, 0, PAGE_SIZE);
	return gpa;
}

static uint64_t pt_read(struct guest *g, uint64_t gpa, int esize)
{
	uint32_t e32;
	uint64_t e64;

	if (esize == 4) {
		memcpy(&e32, g->mem + gpa, 4);
		return e32;
	}
	memcpy(&e64, g->mem + gpa, 8);
	return e64;
}

static void pt_write(struct guest *g, uint64_t gpa, int esize, uint64_t e)
{
	uint32_t e32 = e;

	if (esize == 4)
		memcpy(g->mem + gpa, &e32, 4);
	else
		memcpy(g->mem + gpa, &e, 8);
}

int guest_map(struct guest *g, uint64_t gva, uint64_t gpa)
{
	static const int shifts32[] = { 22, 12 };
	static const int shifts_pae[] = { 30, 21, 12 };
	static const int shifts64[] = { 39, 30, 21, 12 };
	uint64_t table = GUEST_PT_GPA, e, next;
	const int *shifts;
	int levels, esize, i, idx;

	switch (g->mode) {
	case GUEST_PAGING32:
		shifts = shifts32, levels = 2, esize = 4;
		break;
	case GUEST_PAE:
		shifts = shifts_pae, levels = 3, esize = 8;
		break;
	case GUEST_LONG:
		shifts = shifts64, levels = 4, esize = 8;
		break;
	default:
		return -EINVAL;
	}
	if (esize == 4 && (gva >> 32 || (gpa != -1ULL && gpa >> 32)))
		return -EINVAL;
	for (i = 0; i < levels; i++) {
		idx = gva >> shifts[i] & (esize == 4 ? 0x3ff : 0x1ff);
		if (i == 0 && g->mode == GUEST_PAE)
			idx &= 3;
		if (i == levels - 1)
			break;
		e = pt_read(g, table + idx * esize, esize);
		if (!(e & PTE_P)) {
			if (gpa == -1ULL)
				return 0;
			next = pt_alloc(g);
			if (!next)
				return -ENOMEM;
			/* PAE's PDPTEs have no R/W bit: it is reserved. */
			e = next | PTE_P;
			if (!(i == 0 && g->mode == GUEST_PAE))
				e |= PTE_RW;
			pt_write(g, table + idx * esize, esize, e);
		}
		table = e & PTE_ADDR;
	}
	pt_write(g, table + idx * esize, esize,
		 gpa == -1ULL ? 0 : (gpa & PTE_ADDR) | PTE_P | PTE_RW);
	return 0;
}

int guest_set_mode(struct guest *g, enum guest_mode mode, uint64_t entry)
{
	struct kvm_regs regs = {
		.rip = entry, .rsp = GUEST_STACK_TOP, .rflags = 2,
	};
	struct kvm_sregs sregs;
	uint16_t code_sel, data_sel;
	uint64_t gpa;
	int r;

	if ((mode == GUEST_REAL || mode == GUEST_PM16) &&
	    (entry < GUEST_CODE_GPA || entry >= GUEST_CODE_GPA + 0x10000))
		return -EINVAL;
	if (ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs))
		return -errno;
	write_gdt(g);
	g->mode = mode;
	g->pt_next = GUEST_PT_GPA;
	if (paging(mode)) {
		memset(g->mem + GUEST_PT_GPA, 0, GUEST_PT_END - GUEST_PT_GPA);
		pt_alloc(g);	/* the root */
		for (gpa = 0; gpa < GUEST_MEM_SIZE; gpa += PAGE_SIZE) {
			r = guest_map(g, gpa, gpa);
			if (r)
				return r;
		}
	}

	sregs.gdt.base = GUEST_GDT_GPA;
	sregs.gdt.limit = GUEST_GDT_LIMIT;
	sregs.idt.base = mode == GUEST_REAL ? 0 : GUEST_IDT_GPA;
	sregs.idt.limit = mode == GUEST_REAL ? 0x3ff : 0;
	sregs.cr0 = CR0_ET | CR0_NE | (mode == GUEST_REAL ? 0 : CR0_PE);
	sregs.cr3 = paging(mode) ? GUEST_PT_GPA : 0;
	sregs.cr4 = mode == GUEST_PAE || mode == GUEST_LONG ? CR4_PAE : 0;
	sregs.efer = mode == GUEST_LONG ? EFER_LME | EFER_LMA : 0;
	if (paging(mode))
		sregs.cr0 |= CR0_PG;

	if (mode == GUEST_REAL) {
		real_segment(&sregs.cs, GUEST_CODE_GPA >> 4, true);
		real_segment(&sregs.ds, 0, false);
		sregs.es = sregs.ds;
		sregs.fs = sregs.ds;
		sregs.gs = sregs.ds;
		sregs.ss = sregs.ds;
		regs.rip = entry - GUEST_CODE_GPA;
	} else {
		if (mode == GUEST_PM16) {
			code_sel = GUEST_SEL_CODE16;
			data_sel = GUEST_SEL_DATA16;
			regs.rip = entry - GUEST_CODE_GPA;
		} else {
			code_sel = mode == GUEST_LONG ? GUEST_SEL_CODE64 :
							GUEST_SEL_CODE32;
			data_sel = GUEST_SEL_DATA32;
		}
		pm_segment(&sregs.cs, code_sel);
		pm_segment(&sregs.ds, data_sel);
		sregs.es = sregs.ds;
		sregs.fs = sregs.ds;
		sregs.gs = sregs.ds;
		sregs.ss = sregs.ds;
		pm_segment(&sregs.tr, GUEST_SEL_TSS);
	}
	if (ioctl(g->vcpu_fd, KVM_SET_SREGS, &sregs) ||
	    ioctl(g->vcpu_fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

int guest_install_idt(struct guest *g)
{
	const uint8_t *start = g->mode == GUEST_LONG ? stubs64_start :
						       stubs32_start;
	const uint8_t *end = g->mode == GUEST_LONG ? stubs64_end : stubs32_end;
	uint8_t *idt = g->mem + GUEST_IDT_GPA;
	int gate = g->mode == GUEST_LONG ? 16 : 8;
	uint16_t sel = g->mode == GUEST_LONG ? GUEST_SEL_CODE64 :
					       GUEST_SEL_CODE32;
	struct kvm_sregs sregs;
	uint64_t off;
	int v;

	if (g->mode == GUEST_REAL || g->mode == GUEST_PM16)
		return -EINVAL;
	if (end - start > GUEST_PT_GPA - GUEST_STUBS_GPA)
		return -E2BIG;
	memcpy(g->mem + GUEST_STUBS_GPA, start, end - start);
	memset(idt, 0, 32 * gate);
	for (v = 0; v < 32; v++) {
		uint8_t *e = idt + v * gate;

		off = GUEST_STUBS_GPA + 16 * v;
		e[0] = off;
		e[1] = off >> 8;
		e[2] = sel;
		e[3] = sel >> 8;
		e[5] = 0x8e;	/* present, DPL 0, interrupt gate */
		e[6] = off >> 16;
		e[7] = off >> 24;
	}
	if (ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.idt.base = GUEST_IDT_GPA;
	sregs.idt.limit = 32 * gate - 1;
	return ioctl(g->vcpu_fd, KVM_SET_SREGS, &sregs) ? -errno : 0;
}

static __thread int run_timeout_ms;
static __thread sig_atomic_t run_timed_out;

static void on_run_timeout(int sig)
{
	__atomic_store_n(&run_timed_out, 1, __ATOMIC_RELAXED);
}

void guest_set_run_timeout(int ms)
{
	struct sigaction sa = { .sa_handler = on_run_timeout };

	/* No SA_RESTART: the signal must end KVM_RUN with EINTR. */
	if (ms)
		sigaction(SIGUSR2, &sa, NULL);
	run_timeout_ms = ms;
}

/* KVM_RUN, interrupted by a signal to this thread after run_timeout_ms. */
static int run_bounded(int vcpu_fd)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR2,
	};
	/* Fire again and again, lest the first shot land before KVM_RUN. */
	struct itimerspec its = {
		.it_value.tv_sec = run_timeout_ms / 1000,
		.it_value.tv_nsec = run_timeout_ms % 1000 * 1000000L,
		.it_interval.tv_nsec = 100000000L,
	};
	timer_t timer;
	int r;

	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer))
		return -errno;
	__atomic_store_n(&run_timed_out, 0, __ATOMIC_RELAXED);
	if (timer_settime(timer, 0, &its, NULL)) {
		r = -errno;
		timer_delete(timer);
		return r;
	}
	r = ioctl(vcpu_fd, KVM_RUN, 0) ? -errno : 0;
	/* A signal that fires from here on is handled before this returns. */
	timer_delete(timer);
	if (r == -EINTR && __atomic_load_n(&run_timed_out, __ATOMIC_RELAXED)) {
		diag("KVM_RUN did not return within %d ms", run_timeout_ms);
		r = -ETIMEDOUT;
	}
	return r;
}

int guest_run(struct guest *g)
{
	if (run_timeout_ms)
		return run_bounded(g->vcpu_fd);
	return ioctl(g->vcpu_fd, KVM_RUN, 0) ? -errno : 0;
}

int guest_set_slot(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		   uint64_t size, void *mem)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

int guest_add_vcpu(struct guest *g, int id, struct guest *v)
{
	int r;

	*v = *g;
	v->vcpu_fd = guest_create_vcpu(g->dev_fd, g->vm_fd, id, &v->run,
				       &v->run_size);
	if (v->vcpu_fd < 0) {
		r = v->vcpu_fd;
		v->vcpu_fd = -1;
		v->run = NULL;
		return r;
	}
	r = guest_set_supported_cpuid(g->dev_fd, v->vcpu_fd);
	if (r)
		guest_put_vcpu(v);
	return r;
}

void guest_put_vcpu(struct guest *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->vcpu_fd >= 0)
		close(v->vcpu_fd);
	v->run = NULL;
	v->vcpu_fd = -1;
	/* The rest belongs to the guest it was copied from. */
	v->mem = NULL;
	v->vm_fd = -1;
	v->dev_fd = -1;
}

/* Read "name: value" from kvirt's debugfs status. 0 or -errno. */
static int kvirt_status_value(const char *name, long *value)
{
	FILE *f = fopen("/sys/kernel/debug/kvirt/status", "re");
	size_t len = strlen(name);
	char line[128];
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (r && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%ld", value) == 1)
			r = 0;
	fclose(f);
	return r;
}

/* 1 if nothing is held, 0 if something is (said in @left), -1 unknown. */
static int released(char *left, size_t size)
{
	static const char * const names[] = {
		"vms", "vcpus", "memslots", "table_pages",
	};
	long v[ARRAY_SIZE(names)];
	unsigned int i;
	int n;

	if (!guest_dev_is_kvirt()) {
		n = guest_count_vms();
		snprintf(left, size, "vms %d", n);
		return n < 0 ? -1 : n == 0;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (kvirt_status_value(names[i], &v[i]))
			return -1;
	snprintf(left, size, "vms %ld vcpus %ld memslots %ld table_pages %ld",
		 v[0], v[1], v[2], v[3]);
	return !v[0] && !v[1] && !v[2] && !v[3];
}

int guest_wait_released(int ms)
{
	char left[128] = "";
	int r, waited = 0;

	for (;;) {
		r = released(left, sizeof(left));
		if (r < 0) {
			diag("cannot tell what %s still holds", guest_dev_path());
			return guest_dev_is_kvirt() ? -1 : 0;
		}
		if (r)
			return 0;
		if (waited >= ms)
			break;
		usleep(10000);
		waited += 10;
	}
	diag("%s still holds %s after %d ms", guest_dev_path(), left, ms);
	return -1;
}

const char *guest_exit_name(uint32_t reason)
{
	static const char * const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "?";
}

static uint32_t io_value(struct kvm_run *run, int index)
{
	uint32_t v = 0;

	memcpy(&v, (uint8_t *)run + run->io.data_offset +
		   index * run->io.size, run->io.size);
	return v;
}

/* Say on stderr which exit the vCPU took and where. */
static void describe_exit(struct guest *g, const char *want)
{
	struct kvm_run *run = g->run;
	struct kvm_regs regs;
	uint64_t rip = -1ULL;

	if (!ioctl(g->vcpu_fd, KVM_GET_REGS, &regs))
		rip = regs.rip;
	diag("wanted %s, got exit %u (%s) at rip %#llx", want,
	     run->exit_reason, guest_exit_name(run->exit_reason),
	     (unsigned long long)rip);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		diag("  io %s port %#x size %u count %u first value %#x",
		     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
		     run->io.port, run->io.size, run->io.count,
		     run->io.direction == KVM_EXIT_IO_OUT ?
		     io_value(run, 0) : 0);
		break;
	case KVM_EXIT_MMIO:
		diag("  mmio %s %#llx len %u",
		     run->mmio.is_write ? "write" : "read",
		     (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		diag("  hardware entry failure %#llx",
		     (unsigned long long)
		     run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		diag("  internal error suberror %u", run->internal.suberror);
		break;
	}
}

static int run_checked(struct guest *g, const char *want)
{
	int r = guest_run(g);

	if (r) {
		diag("wanted %s, KVM_RUN failed: %s", want, strerror(-r));
		return -1;
	}
	return 0;
}

int guest_expect_exit(struct guest *g, uint32_t reason)
{
	if (run_checked(g, guest_exit_name(reason)))
		return -1;
	if (g->run->exit_reason != reason) {
		describe_exit(g, guest_exit_name(reason));
		return -1;
	}
	return 0;
}

static int check_io(struct guest *g, uint8_t dir, uint16_t port, int size,
		    const char *want)
{
	struct kvm_run *run = g->run;

	if (run_checked(g, want))
		return -1;
	if (run->exit_reason != KVM_EXIT_IO || run->io.direction != dir ||
	    run->io.port != port || run->io.size != size ||
	    run->io.count != 1) {
		describe_exit(g, want);
		return -1;
	}
	return 0;
}

int guest_expect_out(struct guest *g, uint16_t port, int size, uint32_t value)
{
	char want[64];
	uint32_t got;

	snprintf(want, sizeof(want), "out%d %#x to port %#x", size * 8, value,
		 port);
	if (check_io(g, KVM_EXIT_IO_OUT, port, size, want))
		return -1;
	got = io_value(g->run, 0);
	if (got != value) {
		diag("wanted %s, the guest wrote %#x", want, got);
		return -1;
	}
	return 0;
}

int guest_answer_in(struct guest *g, uint16_t port, int size, uint32_t value)
{
	char want[64];

	snprintf(want, sizeof(want), "in%d from port %#x", size * 8, port);
	if (check_io(g, KVM_EXIT_IO_IN, port, size, want))
		return -1;
	memcpy((uint8_t *)g->run + g->run->io.data_offset, &value, size);
	return 0;
}

static int check_mmio(struct guest *g, uint64_t gpa, int len, bool write,
		      const char *want)
{
	struct kvm_run *run = g->run;

	if (run_checked(g, want))
		return -1;
	if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.is_write != write ||
	    run->mmio.phys_addr != gpa || run->mmio.len != len) {
		describe_exit(g, want);
		return -1;
	}
	return 0;
}

int guest_expect_mmio_write(struct guest *g, uint64_t gpa, int len,
			    const void *data)
{
	char want[64];

	snprintf(want, sizeof(want), "mmio write of %d at %#llx", len,
		 (unsigned long long)gpa);
	if (check_mmio(g, gpa, len, true, want))
		return -1;
	if (memcmp(g->run->mmio.data, data, len)) {
		diag("wanted %s, the data differs", want);
		return -1;
	}
	return 0;
}

int guest_answer_mmio_read(struct guest *g, uint64_t gpa, int len,
			   const void *data)
{
	char want[64];

	snprintf(want, sizeof(want), "mmio read of %d at %#llx", len,
		 (unsigned long long)gpa);
	if (check_mmio(g, gpa, len, false, want))
		return -1;
	memcpy(g->run->mmio.data, data, len);
	return 0;
}

int guest_expect_exception(struct guest *g, uint32_t vector, uint32_t error,
			   uint32_t rip, uint32_t cr2)
{
	static const char * const what[] = {
		"vector", "error code", "rip", "cr2",
	};
	const uint32_t want[] = { vector, error, rip, cr2 };
	int i;

	for (i = 0; i < 4; i++) {
		if (guest_expect_out(g, GUEST_PORT_EXC, 4, want[i])) {
			diag("  that was the %s of exception %u", what[i],
			     vector);
			return -1;
		}
	}
	return guest_expect_exit(g, KVM_EXIT_HLT);
}

int guest_get_regs(struct guest *g, struct kvm_regs *regs)
{
	return ioctl(g->vcpu_fd, KVM_GET_REGS, regs) ? -errno : 0;
}

int guest_set_regs(struct guest *g, const struct kvm_regs *regs)
{
	return ioctl(g->vcpu_fd, KVM_SET_REGS, regs) ? -errno : 0;
}

int guest_get_msr(struct guest *g, uint32_t index, uint64_t *value)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index };
	int r;

	r = ioctl(g->vcpu_fd, KVM_GET_MSRS, &m);
	if (r < 0)
		return -errno;
	if (r != 1)
		return -EINVAL;
	*value = m.e.data;
	return 0;
}
