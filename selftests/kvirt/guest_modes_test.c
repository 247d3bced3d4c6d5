// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a guest must run correctly in every x86 CPU mode a VMM can set up
 * through KVM_SET_SREGS (real mode, 16- and 32-bit protected mode, 32-bit
 * and PAE paging, long mode), and must be able to switch modes by itself:
 * real to protected to long mode, and protected back to real mode.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"

#define OUT16	"outw %ax, $" GUEST_STR(GUEST_PORT) "\n"
#define OUT32	"outl %eax, $" GUEST_STR(GUEST_PORT) "\n"
#define WORDS	64

/* Where the guest's writes through a mapping must land (gpa). */
#define TARGET_GPA	(GUEST_FREE_GPA + 0x1000)
#define MAGIC_IN	0x7a11ab1eU

/*
 * 16-bit code, run in real mode and 16-bit protected mode: reports CR0,
 * x = 3x + w over the 16-bit words at GUEST_DATA_GPA, and what a push
 * did to SP; stores 0x5a5a at GUEST_DATA_GPA + 0x100.
 */
GUEST_CODE_SYMS(code16);
GUEST_CODE(code16,
	   ".code16\n"
	   "movl %cr0, %eax\n" OUT32
	   "xorw %ax, %ax\n"
	   "movw $" GUEST_STR(GUEST_DATA_GPA) ", %si\n"
	   "movw $" GUEST_STR(WORDS) ", %cx\n"
	   "1: movw %ax, %bx\n"
	   "addw %ax, %ax\n"
	   "addw %bx, %ax\n"
	   "addw (%si), %ax\n"
	   "addw $2, %si\n"
	   "loop 1b\n" OUT16
	   "pushw $0x77\n"
	   "movw %sp, %ax\n" OUT16
	   "popw %ax\n" OUT16
	   "movw $0x5a5a, " GUEST_STR(GUEST_DATA_GPA) " + 0x100\n"
	   "hlt\n");

/*
 * 32-bit code, run with and without paging: reports CR0, CR4,
 * x = 31x + w over the 32-bit words at GUEST_DATA_GPA and the word at
 * [EDX]; stores 0x600dc0de at [EBX].
 */
GUEST_CODE_SYMS(code32);
GUEST_CODE(code32,
	   ".code32\n"
	   "movl %cr0, %eax\n" OUT32
	   "movl %cr4, %eax\n" OUT32
	   "xorl %eax, %eax\n"
	   "movl $" GUEST_STR(GUEST_DATA_GPA) ", %esi\n"
	   "movl $" GUEST_STR(WORDS) ", %ecx\n"
	   "1: imull $31, %eax, %eax\n"
	   "addl (%esi), %eax\n"
	   "addl $4, %esi\n"
	   "loop 1b\n" OUT32
	   "movl (%edx), %eax\n" OUT32
	   "movl $0x600dc0de, (%ebx)\n"
	   "hlt\n");

/*
 * 64-bit code: reports CR0, CR4, EFER, x = 31x + w over the 64-bit words
 * at GUEST_DATA_GPA (low then high half) and the word at [RDI]; stores
 * 0x123456789abcdef0 at [RBX].
 */
GUEST_CODE_SYMS(code64);
GUEST_CODE(code64,
	   ".code64\n"
	   "movq %cr0, %rax\n" OUT32
	   "movq %cr4, %rax\n" OUT32
	   "movl $0xc0000080, %ecx\n"
	   "rdmsr\n" OUT32
	   "xorl %eax, %eax\n"
	   "movl $" GUEST_STR(GUEST_DATA_GPA) ", %esi\n"
	   "movl $" GUEST_STR(WORDS) ", %ecx\n"
	   "1: imulq $31, %rax, %rax\n"
	   "addq (%rsi), %rax\n"
	   "addq $8, %rsi\n"
	   "loop 1b\n" OUT32
	   "shrq $32, %rax\n" OUT32
	   "movl (%rdi), %eax\n" OUT32
	   "movabsq $0x123456789abcdef0, %rax\n"
	   "movq %rax, (%rbx)\n"
	   "hlt\n");

/*
 * Starts in real mode and climbs by itself: loads the GDT, sets CR0.PE,
 * far-jumps to 32-bit code, builds a 2 MiB identity map at 0x4000, sets
 * CR4.PAE, CR3, EFER.LME and CR0.PG and far-jumps to 64-bit code. Reports
 * CR0 in protected mode, then EFER and CR0 in long mode and a 64-bit
 * shift only long mode can do.
 */
GUEST_CODE_SYMS(climb);
GUEST_LABEL(climb_gdtr);
GUEST_CODE(climb,
	   ".code16\n"
	   "cli\n"
	   "lgdtl %cs:climb_gdtr - climb_start\n"
	   "movl %cr0, %eax\n"
	   "orl $1, %eax\n"
	   "movl %eax, %cr0\n"
	   "ljmpl $" GUEST_STR(GUEST_SEL_CODE32) ", $" GUEST_STR(GUEST_CODE_GPA)
	   " + climb_pm - climb_start\n"
	   ".code32\n"
	   "climb_pm:\n"
	   "movw $" GUEST_STR(GUEST_SEL_DATA32) ", %ax\n"
	   "movw %ax, %ds\n"
	   "movw %ax, %es\n"
	   "movw %ax, %ss\n"
	   "movl $" GUEST_STR(GUEST_STACK_TOP) ", %esp\n"
	   "movl %cr0, %eax\n" OUT32
	   "cld\n"
	   "xorl %eax, %eax\n"
	   "movl $0x4000, %edi\n"
	   "movl $3072, %ecx\n"
	   "rep stosl\n"
	   "movl $0x5003, 0x4000\n"
	   "movl $0x6003, 0x5000\n"
	   "movl $0x83, 0x6000\n"
	   "movl %cr4, %eax\n"
	   "orl $0x20, %eax\n"
	   "movl %eax, %cr4\n"
	   "movl $0x4000, %eax\n"
	   "movl %eax, %cr3\n"
	   "movl $0xc0000080, %ecx\n"
	   "rdmsr\n"
	   "orl $0x100, %eax\n"
	   "wrmsr\n"
	   "movl %cr0, %eax\n"
	   "orl $0x80000000, %eax\n"
	   "movl %eax, %cr0\n"
	   "ljmpl $" GUEST_STR(GUEST_SEL_CODE64) ", $" GUEST_STR(GUEST_CODE_GPA)
	   " + climb_lm - climb_start\n"
	   ".code64\n"
	   "climb_lm:\n"
	   "movl $0xc0000080, %ecx\n"
	   "rdmsr\n" OUT32
	   "movq %cr0, %rax\n" OUT32
	   "movabsq $0x1122334455667788, %rax\n"
	   "shrq $32, %rax\n" OUT32
	   "hlt\n"
	   "climb_gdtr:\n"
	   ".word " GUEST_STR(GUEST_GDT_LIMIT) "\n"
	   ".long " GUEST_STR(GUEST_GDT_GPA) "\n");

/*
 * Starts in 32-bit protected mode and goes back to real mode: far jump
 * to the 16-bit code segment, 16-bit data segments, clear CR0.PE, far
 * jump to a real-mode CS. Reports CR0 before and after, CS, and a word
 * read back through a real-mode segment (DS = 0xc01 is address 0xc010).
 */
GUEST_CODE_SYMS(descend);
GUEST_CODE(descend,
	   ".code32\n"
	   "movl %cr0, %eax\n" OUT32
	   "ljmpl $" GUEST_STR(GUEST_SEL_CODE16) ", $descend_pm16 - descend_start\n"
	   ".code16\n"
	   "descend_pm16:\n"
	   "movw $" GUEST_STR(GUEST_SEL_DATA16) ", %ax\n"
	   "movw %ax, %ds\n"
	   "movw %ax, %es\n"
	   "movw %ax, %ss\n"
	   "movl %cr0, %eax\n"
	   "andl $~1, %eax\n"
	   "movl %eax, %cr0\n"
	   "ljmp $" GUEST_STR(GUEST_CODE_GPA) " >> 4, $descend_rm - descend_start\n"
	   "descend_rm:\n"
	   "xorw %ax, %ax\n"
	   "movw %ax, %ds\n"
	   "movw %ax, %ss\n"
	   "movl %cr0, %eax\n" OUT32
	   "movw %cs, %ax\n" OUT16
	   "movw $0xc00, %ax\n"
	   "movw %ax, %es\n"
	   "movw $0xbeef, %es:0x10\n"
	   "movw $0xc01, %ax\n"
	   "movw %ax, %ds\n"
	   "movw 0, %ax\n" OUT16
	   "hlt\n");

FIXTURE(guest) {
	struct guest g;
};

FIXTURE_SETUP(guest)
{
	ASSERT_EQ(0, guest_init(&self->g));
}

FIXTURE_TEARDOWN(guest)
{
	guest_destroy(&self->g);
	/* No ASSERT here: the 6.1 harness would loop on a failed teardown. */
	if (guest_count_vms() >= 0)
		EXPECT_EQ(0, guest_count_vms());
}

/* Fill the data page with words and return x = m * x + w over them. */
static uint64_t fill_data(struct guest *g, int size, uint64_t m)
{
	uint64_t x = 0, w, mask = size == 8 ? ~0ULL : (1ULL << size * 8) - 1;
	int i;

	for (i = 0; i < WORDS; i++) {
		w = 0x9e3779b97f4a7c15ULL * (i + 1);
		memcpy(g->mem + GUEST_DATA_GPA + i * size, &w, size);
		x = (x * m + (w & mask)) & mask;
	}
	return x;
}

static void check_code16(struct __test_metadata *_metadata, struct guest *g,
			 enum guest_mode mode, uint32_t cr0)
{
	uint64_t x;
	uint16_t w;

	ASSERT_EQ(0, guest_load_code(g, code16_start, code16_end));
	x = fill_data(g, 2, 3);
	ASSERT_EQ(0, guest_set_mode(g, mode, GUEST_CODE_GPA));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, cr0));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 2, x));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 2, GUEST_STACK_TOP - 2));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 2, 0x77));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	memcpy(&w, g->mem + GUEST_DATA_GPA + 0x100, 2);
	EXPECT_EQ(0x5a5a, w);
}

TEST_F(guest, real_mode)
{
	struct kvm_sregs sregs;

	check_code16(_metadata, &self->g, GUEST_REAL, 0x30);
	ASSERT_EQ(0, ioctl(self->g.vcpu_fd, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(GUEST_CODE_GPA >> 4, sregs.cs.selector);
	EXPECT_EQ(GUEST_CODE_GPA, sregs.cs.base);
}

TEST_F(guest, protected_mode_16)
{
	struct kvm_sregs sregs;

	check_code16(_metadata, &self->g, GUEST_PM16, 0x31);
	ASSERT_EQ(0, ioctl(self->g.vcpu_fd, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(GUEST_SEL_CODE16, sregs.cs.selector);
	EXPECT_EQ(0, sregs.cs.db);
}

/*
 * Runs code32 in @mode; with paging the guest reads and writes through
 * gva 0x800000, mapped to TARGET_GPA, which does not exist without it.
 */
static void check_code32(struct __test_metadata *_metadata, struct guest *g,
			 enum guest_mode mode, uint32_t cr0, uint32_t cr4)
{
	uint64_t va = mode == GUEST_PM32 ? TARGET_GPA : 0x800000;
	uint32_t magic = MAGIC_IN, got;
	struct kvm_regs regs;
	uint64_t x;

	ASSERT_EQ(0, guest_load_code(g, code32_start, code32_end));
	x = fill_data(g, 4, 31);
	memcpy(g->mem + TARGET_GPA + 0x20, &magic, 4);
	ASSERT_EQ(0, guest_set_mode(g, mode, GUEST_CODE_GPA));
	if (mode != GUEST_PM32)
		ASSERT_EQ(0, guest_map(g, va, TARGET_GPA));
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	regs.rbx = va + 0x10;
	regs.rdx = va + 0x20;
	ASSERT_EQ(0, guest_set_regs(g, &regs));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, cr0));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, cr4));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, x));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, MAGIC_IN));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	memcpy(&got, g->mem + TARGET_GPA + 0x10, 4);
	EXPECT_EQ(0x600dc0de, got);
}

TEST_F(guest, protected_mode_32)
{
	check_code32(_metadata, &self->g, GUEST_PM32, 0x31, 0);
}

TEST_F(guest, paging_32)
{
	check_code32(_metadata, &self->g, GUEST_PAGING32, 0x80000031, 0);
}

TEST_F(guest, paging_pae)
{
	check_code32(_metadata, &self->g, GUEST_PAE, 0x80000031, 0x20);
}

TEST_F(guest, long_mode)
{
	uint64_t va = 0x7f0000000000ULL, x, got;
	uint32_t magic = MAGIC_IN;
	struct guest *g = &self->g;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	ASSERT_EQ(0, guest_load_code(g, code64_start, code64_end));
	x = fill_data(g, 8, 31);
	memcpy(g->mem + TARGET_GPA + 0x20, &magic, 4);
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_CODE_GPA));
	ASSERT_EQ(0, guest_map(g, va, TARGET_GPA));
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	regs.rbx = va + 0x10;
	regs.rdi = va + 0x20;
	ASSERT_EQ(0, guest_set_regs(g, &regs));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x80000031));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x20));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x500));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, (uint32_t)x));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, x >> 32));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, MAGIC_IN));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	memcpy(&got, g->mem + TARGET_GPA + 0x10, 8);
	EXPECT_EQ(0x123456789abcdef0ULL, got);
	ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(1, sregs.cs.l);
	EXPECT_EQ(0x500, sregs.efer & 0x500);
}

TEST_F(guest, real_to_protected_to_long)
{
	struct guest *g = &self->g;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	ASSERT_EQ(0, guest_load_code(g, climb_start, climb_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_REAL, GUEST_CODE_GPA));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x31));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x500));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x80000031));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x11223344));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(GUEST_SEL_CODE64, sregs.cs.selector);
	EXPECT_EQ(1, sregs.cs.l);
	EXPECT_EQ(0x4000, sregs.cr3);
	EXPECT_EQ(0x20, sregs.cr4 & 0x20);
	EXPECT_EQ(0x500, sregs.efer & 0x500);
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	EXPECT_EQ(GUEST_ADDR(climb, climb_gdtr), regs.rip);
}

TEST_F(guest, protected_back_to_real)
{
	struct guest *g = &self->g;
	struct kvm_sregs sregs;
	uint16_t w;

	ASSERT_EQ(0, guest_load_code(g, descend_start, descend_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_PM32, GUEST_CODE_GPA));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x31));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x30));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 2, GUEST_CODE_GPA >> 4));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 2, 0xbeef));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	memcpy(&w, g->mem + 0xc010, 2);
	EXPECT_EQ(0xbeef, w);
	ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(0, sregs.cr0 & 1);
	EXPECT_EQ(GUEST_CODE_GPA >> 4, sregs.cs.selector);
	EXPECT_EQ(GUEST_CODE_GPA, sregs.cs.base);
	EXPECT_EQ(0xc01, sregs.ds.selector);
	EXPECT_EQ(0xc010, sregs.ds.base);
}

TEST_HARNESS_MAIN
