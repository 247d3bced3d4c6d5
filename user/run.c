// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: "kvirt run" is the smallest useful VMM: it boots a flat 64-bit
 * binary straight into long mode (no firmware, no boot loader), gives it a
 * serial console, and stops when the guest halts. It speaks only the KVM
 * API, so it runs on /dev/kvirt and /dev/kvm alike.
 *
 * The guest's view: RAM from 0, the image at IMAGE_GPA and entered there
 * in 64-bit mode, RSP at the top of RAM, the first GiB identity-mapped
 * with 2 MiB pages, flat code (0x08) and data (0x10) segments, no
 * interrupts, COM1 at 0x3f8.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <linux/kvirt.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvirt.h"
#include "serial.h"

#define MIB		(1024UL * 1024)
#define IMAGE_GPA	(1 * MIB)
#define GDT_GPA		0x1000
#define PML4_GPA	0x2000
#define PDPT_GPA	0x3000
#define PD_GPA		0x4000
#define MAPPED		(1024 * MIB)	/* what the page tables cover */

#define PTE_PRESENT	0x1ULL
#define PTE_WRITE	0x2ULL
#define PTE_LARGE	0x80ULL		/* a 2 MiB page, in a PD entry */

#define CR0_PE		0x1ULL
#define CR0_ET		0x10ULL
#define CR0_PG		0x80000000ULL
#define CR4_PAE		0x20ULL
#define EFER_LME	0x100ULL
#define EFER_LMA	0x400ULL

#define SEL_CODE	0x08
#define SEL_DATA	0x10

struct machine {
	int dev, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;
	size_t ram_size;
};

static int sys_fail(const char *what)
{
	fprintf(stderr, "kvirt: %s: %s\n", what, strerror(errno));
	return -1;
}

/* After what the guest printed so far: @fmt on stderr; returns 1. */
static int guest_failed(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("kvirt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int load_image(struct machine *m, const char *path)
{
	struct stat st;
	ssize_t n = 0, r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "kvirt: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size == 0 || (size_t)st.st_size > m->ram_size - IMAGE_GPA) {
		fprintf(stderr, "kvirt: %s: %lld bytes; RAM above 1 MiB holds 1 to %zu\n",
			path, (long long)st.st_size, m->ram_size - IMAGE_GPA);
		close(fd);
		return -1;
	}
	while (n < st.st_size) {
		r = read(fd, m->ram + IMAGE_GPA + n, st.st_size - n);
		if (r <= 0) {
			fprintf(stderr, "kvirt: %s: short read\n", path);
			close(fd);
			return -1;
		}
		n += r;
	}
	close(fd);
	return 0;
}

/* The GDT and the identity map of the first GiB, in guest RAM. */
static void build_tables(struct machine *m)
{
	uint64_t *gdt = (uint64_t *)(m->ram + GDT_GPA);
	uint64_t *pml4 = (uint64_t *)(m->ram + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(m->ram + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(m->ram + PD_GPA);
	unsigned int i;

	gdt[0] = 0;
	gdt[SEL_CODE / 8] = 0x00af9b000000ffffULL;	/* 64-bit code, DPL 0 */
	gdt[SEL_DATA / 8] = 0x00cf93000000ffffULL;	/* flat data, DPL 0 */
	pml4[0] = PDPT_GPA | PTE_PRESENT | PTE_WRITE;
	pdpt[0] = PD_GPA | PTE_PRESENT | PTE_WRITE;
	for (i = 0; i < 512; i++)
		pd[i] = i * 2 * MIB | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
}

/* What a segment register holds after loading one of the GDT's entries. */
static void flat_segment(struct kvm_segment *s, uint16_t sel)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	if (sel == SEL_CODE) {
		s->type = 0xb;		/* execute/read, accessed */
		s->l = 1;
	} else {
		s->type = 0x3;		/* read/write, accessed */
		s->db = 1;
	}
}

static int set_long_mode(struct machine *m)
{
	struct kvm_regs regs = {
		.rip = IMAGE_GPA,
		.rsp = m->ram_size,
		.rflags = 0x2,
	};
	struct kvm_sregs sregs;

	if (ioctl(m->vcpu, KVM_GET_SREGS, &sregs) < 0)
		return sys_fail("KVM_GET_SREGS");
	flat_segment(&sregs.cs, SEL_CODE);
	flat_segment(&sregs.ds, SEL_DATA);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(m->vcpu, KVM_SET_SREGS, &sregs) < 0)
		return sys_fail("KVM_SET_SREGS");
	if (ioctl(m->vcpu, KVM_SET_REGS, &regs) < 0)
		return sys_fail("KVM_SET_REGS");
	return 0;
}

/* Give the guest the CPUID the hypervisor supports, if it says which. */
static int set_cpuid(struct machine *m)
{
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned int nent;
	int r = -1;

	if (ioctl(m->dev, KVM_CHECK_EXTENSION, KVM_CAP_EXT_CPUID) <= 0)
		return 0;
	/* Grow the table until it holds every entry (E2BIG until then). */
	for (nent = 64; nent <= 4096; nent *= 2) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return sys_fail("calloc");
		cpuid->nent = nent;
		r = ioctl(m->dev, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (r == 0 || errno != E2BIG)
			break;
	}
	if (r < 0)
		r = sys_fail("KVM_GET_SUPPORTED_CPUID");
	else if (ioctl(m->vcpu, KVM_SET_CPUID2, cpuid) < 0)
		r = sys_fail("KVM_SET_CPUID2");
	free(cpuid);
	return r;
}

static int create_machine(struct machine *m, const char *dev)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = m->ram_size,
		.userspace_addr = (uintptr_t)m->ram,
	};
	int size;

	m->dev = open(dev, O_RDWR | O_CLOEXEC);
	if (m->dev < 0) {
		fprintf(stderr, "kvirt: %s: %s\n", dev, strerror(errno));
		return -1;
	}
	if (ioctl(m->dev, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "kvirt: %s: not KVM API version %d\n", dev,
			KVM_API_VERSION);
		return -1;
	}
	m->vm = ioctl(m->dev, KVM_CREATE_VM, 0);
	if (m->vm < 0)
		return sys_fail("KVM_CREATE_VM");
	/* Intel hosts need the TSS address; who claims it gets it. */
	if (ioctl(m->vm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    ioctl(m->vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		return sys_fail("KVM_SET_TSS_ADDR");
	if (ioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return sys_fail("KVM_SET_USER_MEMORY_REGION");
	m->vcpu = ioctl(m->vm, KVM_CREATE_VCPU, 0);
	if (m->vcpu < 0)
		return sys_fail("KVM_CREATE_VCPU");
	size = ioctl(m->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(*m->run))
		return sys_fail("KVM_GET_VCPU_MMAP_SIZE");
	m->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      m->vcpu, 0);
	if (m->run == MAP_FAILED)
		return sys_fail("mmap kvm_run");
	m->run_size = size;
	if (set_cpuid(m))
		return -1;
	return set_long_mode(m);
}

static void destroy_machine(struct machine *m)
{
	if (m->run != MAP_FAILED)
		munmap(m->run, m->run_size);
	if (m->vcpu >= 0)
		close(m->vcpu);
	if (m->vm >= 0)
		close(m->vm);
	if (m->dev >= 0)
		close(m->dev);
	if (m->ram != MAP_FAILED)
		munmap(m->ram, m->ram_size);
}

/* Port I/O: COM1 is the only device; nothing answers anywhere else. */
static void handle_io(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.size == 1 && serial_io(run->io.port, out, data))
			continue;
		if (!out)
			memset(data, 0xff, run->io.size);
	}
}

/* Run until the guest halts (0) or cannot go on (1). */
static int run_guest(struct machine *m)
{
	struct kvm_run *run = m->run;

	for (;;) {
		if (ioctl(m->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return guest_failed("KVM_RUN: %s", strerror(errno));
		}
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			return 0;
		case KVM_EXIT_IO:
			handle_io(run);
			break;
		case KVM_EXIT_MMIO:
			/* No device: reads float high, writes vanish. */
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
			break;
		case KVM_EXIT_SHUTDOWN:
			return guest_failed("the guest shut down (triple fault)");
		case KVM_EXIT_FAIL_ENTRY:
			return guest_failed("the CPU refused to enter the guest (reason %#llx)",
					    run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			return guest_failed("internal error %u in the hypervisor",
					    run->internal.suberror);
		default:
			return guest_failed("unexpected exit reason %u",
					    run->exit_reason);
		}
	}
}

static int run_usage(void)
{
	fprintf(stderr, "usage: kvirt run [--dev PATH] [--mem MIB] IMAGE\n"
		"  boots IMAGE, a flat 64-bit binary, at 1 MiB in long mode;\n"
		"  --mem 2 to 1024, default 64\n");
	return 2;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ },
	};
	struct machine m = {
		.dev = -1, .vm = -1, .vcpu = -1,
		.run = MAP_FAILED, .ram = MAP_FAILED,
	};
	const char *dev = "/dev/" KVIRT_DEVICE_NAME;
	unsigned long mib = 64;
	char *end;
	int c, r = 1;

	while ((c = getopt_long(argc, argv, "d:m:", opts, NULL)) != -1) {
		if (c == 'd') {
			dev = optarg;
		} else if (c == 'm') {
			mib = strtoul(optarg, &end, 0);
			if (*end || mib < 2 || mib > MAPPED / MIB)
				return run_usage();
		} else {
			return run_usage();
		}
	}
	if (optind != argc - 1)
		return run_usage();

	m.ram_size = mib * MIB;
	m.ram = mmap(NULL, m.ram_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m.ram == MAP_FAILED) {
		sys_fail("mmap guest RAM");
	} else if (!load_image(&m, argv[optind])) {
		build_tables(&m);
		if (!create_machine(&m, dev))
			r = run_guest(&m);
	}
	fflush(stdout);
	destroy_machine(&m);
	return r;
}
