/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the vCPU selftests need a guest: a VM with memory, one vCPU set up
 * in a given CPU mode, code loaded into it, and a way to run it and check
 * each exit. Everything goes through the KVM API only, so the same test
 * runs on /dev/kvirt and, as the reference, on the stock /dev/kvm.
 *
 * Guest physical memory (slot 0, [0, GUEST_MEM_SIZE), identity mapped in
 * every paging mode):
 *
 *   0x01000  GDT (selectors GUEST_SEL_*)    0x02000  IDT
 *   0x03000  TSS, then exception stubs      0x04000  page-table pool
 *   0x0c000  free data page                 0x0fff0  initial stack top
 *   0x10000  code (GUEST_CODE_GPA)          0x20000  free to the end
 *
 * Guest code is written in assembly inside the test, with GUEST_CODE().
 * Addresses in it are relative to its start, which is loaded at
 * GUEST_CODE_GPA: write absolute addresses as GUEST_CODE_GPA + (label -
 * name_start), far jumps included. Guests report values with OUT to
 * GUEST_PORT; helpers below check each exit and answer INs and MMIO reads.
 *
 * Helpers that check something return 0 when it matched and -1 otherwise,
 * after printing what they saw on stderr as a "# " TAP diagnostic, so a
 * test writes ASSERT_EQ(0, guest_expect_out(...)).
 */
#ifndef KVIRT_GUEST_UTIL_H
#define KVIRT_GUEST_UTIL_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_SIZE		0x200000
#define GUEST_GDT_GPA		0x1000
#define GUEST_IDT_GPA		0x2000
#define GUEST_TSS_GPA		0x3000
#define GUEST_STUBS_GPA		0x3100
#define GUEST_PT_GPA		0x4000
#define GUEST_PT_END		0xc000
#define GUEST_DATA_GPA		0xc000
#define GUEST_STACK_TOP		0xfff0
#define GUEST_CODE_GPA		0x10000
#define GUEST_CODE_MAX		0x10000
#define GUEST_FREE_GPA		0x20000

/* GDT built by guest_set_mode(); CODE16 has base GUEST_CODE_GPA. */
#define GUEST_SEL_CODE32	0x08
#define GUEST_SEL_DATA32	0x10
#define GUEST_SEL_CODE16	0x18
#define GUEST_SEL_DATA16	0x20
#define GUEST_SEL_CODE64	0x28
#define GUEST_SEL_TSS		0x30
#define GUEST_GDT_LIMIT		0x3f

/* Ports: nothing in the kernel answers them, so each OUT/IN exits. */
#define GUEST_PORT		0xf0	/* values reported by the test's guest */
#define GUEST_PORT_EXC		0xf1	/* reports of guest_install_idt()'s stubs */

/* For numbers used inside asm strings: GUEST_STR(GUEST_PORT) is "0xf0". */
#define GUEST_STR_(x)		#x
#define GUEST_STR(x)		GUEST_STR_(x)

/* Guest-physical address of @label inside the code block @name. */
#define GUEST_ADDR(name, label) \
	(GUEST_CODE_GPA + (uint64_t)((label) - name##_start))

/*
 * Defines the guest code block name_start..name_end in .rodata. @text is
 * assembly starting with .code16, .code32 or .code64; the assembler is
 * switched back to .code64 after it. Declare the symbols with
 * GUEST_CODE_SYMS(name), and labels inside it with GUEST_LABEL().
 */
#define GUEST_CODE(name, text)						\
	asm(".pushsection .rodata\n"					\
	    ".balign 16\n"						\
	    #name "_start:\n" text "\n" #name "_end:\n"			\
	    ".code64\n"							\
	    ".popsection\n")
#define GUEST_CODE_SYMS(name) \
	extern const uint8_t name##_start[], name##_end[]
/* Declares a label inside guest code, for GUEST_ADDR(). */
#define GUEST_LABEL(label)	extern const uint8_t label[]

enum guest_mode {
	GUEST_REAL,		/* real mode, CS = GUEST_CODE_GPA >> 4 */
	GUEST_PM16,		/* 16-bit protected mode, no paging */
	GUEST_PM32,		/* 32-bit protected mode, no paging */
	GUEST_PAGING32,		/* 32-bit protected mode, 2-level paging */
	GUEST_PAE,		/* 32-bit protected mode, PAE paging */
	GUEST_LONG,		/* 64-bit long mode, 4-level paging */
};

struct guest {
	int dev_fd;		/* the device, see guest_open_dev() */
	int vm_fd;
	int vcpu_fd;		/* vCPU 0 */
	struct kvm_run *run;	/* vCPU 0's shared area */
	int run_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	uint8_t *mem;		/* host view of guest physical [0, GUEST_MEM_SIZE) */
	enum guest_mode mode;	/* as last set by guest_set_mode() */
	uint64_t pt_next;	/* next free page of the page-table pool */
};

/* The device under test: $KVIRT_TEST_DEV, default /dev/kvirt. */
const char *guest_dev_path(void);

/* True when that device is kvirt's (its status is in debugfs). */
bool guest_dev_is_kvirt(void);

/*
 * Open the device under test (O_RDWR | O_CLOEXEC); for /dev/kvirt load
 * $KVIRT_KO first. Returns the fd or -errno.
 */
int guest_open_dev(void);

/*
 * Number of VMs alive on the device under test: kvirt's debugfs status,
 * or for /dev/kvm the pid-fd folders under /sys/kernel/debug/kvm.
 * Returns -errno when it cannot be known.
 */
int guest_count_vms(void);

/*
 * mmap @size bytes of anonymous shared memory and make it slot @slot at
 * @gpa of @vm_fd. Returns the mapping, or NULL with errno set.
 */
void *guest_add_slot(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size);

/*
 * Create vCPU @id of @vm_fd and map its kvm_run (*@run, *@run_size).
 * Returns the vCPU fd or -errno.
 */
int guest_create_vcpu(int dev_fd, int vm_fd, int id, struct kvm_run **run,
		      int *run_size);

/*
 * Give @vcpu_fd every CPUID leaf KVM_GET_SUPPORTED_CPUID reports, as a
 * VMM would (long mode needs CPUID.80000001H:EDX.LM). 0 or -errno.
 */
int guest_set_supported_cpuid(int dev_fd, int vcpu_fd);

/*
 * Open the device, create a VM with slot 0 = [0, GUEST_MEM_SIZE) and
 * vCPU 0 with the supported CPUID, still in its reset state. 0 or -errno;
 * on failure nothing is left open.
 */
int guest_init(struct guest *g);

/* Unmap and close everything guest_init() made; safe to call twice. */
void guest_destroy(struct guest *g);

/* Copy [start, end) to GUEST_CODE_GPA. 0, or -E2BIG if it does not fit. */
int guest_load_code(struct guest *g, const uint8_t *start,
		    const uint8_t *end);

/*
 * Put vCPU 0 in @mode at @entry (a guest-physical address; for GUEST_REAL
 * and GUEST_PM16 it must lie in [GUEST_CODE_GPA, + 64 KiB)): writes the
 * GDT and TSS, and for paging modes fresh page tables identity mapping
 * [0, GUEST_MEM_SIZE) with 4 KiB pages, then sets segments, control
 * registers and EFER with KVM_SET_SREGS, and RIP, RSP = GUEST_STACK_TOP,
 * RFLAGS = 2 (other registers 0) with KVM_SET_REGS. The IDT limit is 0
 * (real mode: the IVT at 0), so an exception without guest_install_idt()
 * ends in a triple fault. 0 or -errno.
 */
int guest_set_mode(struct guest *g, enum guest_mode mode, uint64_t entry);

/*
 * Map the 4 KiB page at @gva to @gpa (read/write, supervisor) in the
 * page tables of the current paging mode, taking new tables from the pool.
 * @gpa == -1 unmaps. 0, -EINVAL outside a paging mode, -ENOMEM.
 */
int guest_map(struct guest *g, uint64_t gva, uint64_t gpa);

/*
 * Fill the IDT (vectors 0-31) with gates to stubs at GUEST_STUBS_GPA and
 * load it with KVM_SET_SREGS, in GUEST_PM32/PAGING32/PAE/LONG mode. On an
 * exception a stub does OUT to GUEST_PORT_EXC, 4 bytes each: the vector,
 * the error code (0 if none), the faulting RIP and CR2 (low 32 bits),
 * then HLT. Check with guest_expect_exception(). 0 or -errno.
 */
int guest_install_idt(struct guest *g);

/* KVM_RUN on vCPU 0. 0 or -errno; the exit is in g->run. */
int guest_run(struct guest *g);

/* Name of a KVM_EXIT_* value, for messages. */
const char *guest_exit_name(uint32_t reason);

/* Run; the exit must be @reason (KVM_EXIT_HLT, KVM_EXIT_SHUTDOWN, ...). */
int guest_expect_exit(struct guest *g, uint32_t reason);

/* Run; the exit must be a single OUT of @size bytes of @value to @port. */
int guest_expect_out(struct guest *g, uint16_t port, int size,
		     uint32_t value);

/*
 * Run; the exit must be a single IN of @size bytes from @port, which is
 * answered with @value (the guest sees it on its next run).
 */
int guest_answer_in(struct guest *g, uint16_t port, int size, uint32_t value);

/* Run; the exit must be an MMIO write of @len bytes of @data at @gpa. */
int guest_expect_mmio_write(struct guest *g, uint64_t gpa, int len,
			    const void *data);

/* Run; the exit must be an MMIO read of @len bytes at @gpa, answered @data. */
int guest_answer_mmio_read(struct guest *g, uint64_t gpa, int len,
			   const void *data);

/* Run; expect the reports of guest_install_idt()'s stubs, then HLT. */
int guest_expect_exception(struct guest *g, uint32_t vector, uint32_t error,
			   uint32_t rip, uint32_t cr2);

/*
 * From now on, in the calling thread only, guest_run() (and with it every
 * guest_expect_* and guest_answer_* helper) gives up on a KVM_RUN that has
 * not returned after @ms milliseconds: a POSIX timer sends SIGUSR2 to the
 * thread (its handler does nothing and is installed without SA_RESTART),
 * and guest_run() returns -ETIMEDOUT. 0, the default, waits forever. For
 * tests where a broken hypervisor would leave the guest spinning.
 */
void guest_set_run_timeout(int ms);

/*
 * KVM_SET_USER_MEMORY_REGION of @size bytes at @mem as slot @slot at @gpa
 * with @flags (size 0 deletes). 0 or -errno.
 */
int guest_set_slot(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		   uint64_t size, void *mem);

/*
 * Create vCPU @id in @g's VM with the supported CPUID, and make @v a copy
 * of @g that drives it (same VM and memory, its own vcpu_fd and run), for
 * guest_set_mode(), guest_run() and the other helpers. Release it with
 * guest_put_vcpu(), never guest_destroy(). 0 or -errno.
 */
int guest_add_vcpu(struct guest *g, int id, struct guest *v);

/* Unmap and close the vCPU of guest_add_vcpu(); safe to call twice. */
void guest_put_vcpu(struct guest *v);

/*
 * Wait up to @ms milliseconds for the device under test to hold nothing:
 * on kvirt its debugfs status shows vms, vcpus, memslots and table_pages
 * all 0; on /dev/kvm no VM is left in /sys/kernel/debug/kvm. 0 when so,
 * else -1 after saying what is left (or -1 if kvirt's status cannot be
 * read; 0 if /dev/kvm's VMs cannot be counted).
 */
int guest_wait_released(int ms);

/* KVM_GET_REGS / KVM_SET_REGS on vCPU 0, 0 or -errno. */
int guest_get_regs(struct guest *g, struct kvm_regs *regs);
int guest_set_regs(struct guest *g, const struct kvm_regs *regs);

/* Read one MSR of vCPU 0 with KVM_GET_MSRS: 0 or -errno (-EINVAL if refused). */
int guest_get_msr(struct guest *g, uint32_t index, uint64_t *value);

#endif /* KVIRT_GUEST_UTIL_H */
