// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: guest exceptions must be delivered by the guest's own IDT (or IVT
 * in real mode) with the right vector, error code, saved RIP and CR2, in
 * 32-bit and 64-bit modes; and a fault the guest cannot handle (triple
 * fault) must reach user space as KVM_EXIT_SHUTDOWN.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"

#define OUT16		"outw %ax, $" GUEST_STR(GUEST_PORT) "\n"
#define UNMAPPED	0x400000	/* past the identity map */

/* 64-bit faulting instructions; each is followed by HLT, never reached. */
GUEST_CODE_SYMS(exc64);
GUEST_LABEL(ud64);
GUEST_LABEL(de64);
GUEST_LABEL(de64_div);
GUEST_LABEL(bp64);
GUEST_LABEL(bp64_after);
GUEST_LABEL(pfr64);
GUEST_LABEL(pfr64_mov);
GUEST_LABEL(pfw64);
GUEST_LABEL(pfw64_mov);
GUEST_LABEL(gp64);
GUEST_LABEL(gp64_mov);
GUEST_LABEL(tf64);
GUEST_CODE(exc64,
	   ".code64\n"
	   "ud64: ud2\n"
	   "hlt\n"
	   "de64: xorl %edx, %edx\n"
	   "xorl %ecx, %ecx\n"
	   "movl $1, %eax\n"
	   "de64_div: divl %ecx\n"
	   "hlt\n"
	   "bp64: int3\n"
	   "bp64_after: hlt\n"
	   "pfr64: movl $" GUEST_STR(UNMAPPED) " + 0x123, %eax\n"
	   "pfr64_mov: movq (%rax), %rax\n"
	   "hlt\n"
	   "pfw64: movl $" GUEST_STR(UNMAPPED) " + 0x1ff8, %eax\n"
	   "pfw64_mov: movl %ecx, (%rax)\n"
	   "hlt\n"
	   "gp64: movabsq $0x8000000000000000, %rax\n"
	   "gp64_mov: movq (%rax), %rax\n"
	   "hlt\n"
	   "tf64: lidt tf64_idtr(%rip)\n"
	   "ud2\n"
	   "hlt\n"
	   "tf64_idtr: .word 0\n"
	   ".quad 0\n");

/* The same in 32-bit code, for 32-bit gates. */
GUEST_CODE_SYMS(exc32);
GUEST_LABEL(ud32);
GUEST_LABEL(de32);
GUEST_LABEL(de32_div);
GUEST_LABEL(pfw32);
GUEST_LABEL(pfw32_mov);
GUEST_LABEL(pfr32);
GUEST_LABEL(pfr32_mov);
GUEST_CODE(exc32,
	   ".code32\n"
	   "ud32: ud2\n"
	   "hlt\n"
	   "de32: xorl %edx, %edx\n"
	   "xorl %ecx, %ecx\n"
	   "movl $1, %eax\n"
	   "de32_div: divl %ecx\n"
	   "hlt\n"
	   "pfw32: movl $" GUEST_STR(UNMAPPED) " + 0x10, %eax\n"
	   "pfw32_mov: movl %ecx, (%eax)\n"
	   "hlt\n"
	   "pfr32: movl $" GUEST_STR(UNMAPPED) " + 0x20, %eax\n"
	   "pfr32_mov: movl (%eax), %eax\n"
	   "hlt\n");

/*
 * Real mode: the guest points IVT entry 0 at its handler and divides by
 * zero; the handler reports 0xde, the saved IP and CS.
 */
GUEST_CODE_SYMS(exc16);
GUEST_LABEL(exc16_div);
GUEST_CODE(exc16,
	   ".code16\n"
	   "movw $exc16_handler - exc16_start, 0\n"
	   "movw %cs, 2\n"
	   "xorw %dx, %dx\n"
	   "xorw %cx, %cx\n"
	   "movw $1, %ax\n"
	   "exc16_div: divw %cx\n"
	   "hlt\n"
	   "exc16_handler:\n"
	   "movw $0xde, %ax\n" OUT16
	   "popw %ax\n" OUT16
	   "popw %ax\n" OUT16
	   "hlt\n");

struct exc_case {
	const char *what;
	const uint8_t *entry;
	uint32_t vector;
	uint32_t error;
	const uint8_t *rip;	/* saved RIP: the fault or after the trap */
	uint32_t cr2;
};

FIXTURE(exc) {
	struct guest g;
};

FIXTURE_SETUP(exc)
{
	ASSERT_EQ(0, guest_init(&self->g));
}

FIXTURE_TEARDOWN(exc)
{
	guest_destroy(&self->g);
	if (guest_count_vms() >= 0)
		EXPECT_EQ(0, guest_count_vms());
}

/* Run each case from a fresh mode setup in the same VM. */
static void run_cases(struct __test_metadata *_metadata, struct guest *g,
		      enum guest_mode mode, const uint8_t *start,
		      const struct exc_case *c, int n)
{
	struct kvm_sregs sregs;
	int i;

	for (i = 0; i < n; i++) {
		uint32_t rip = GUEST_CODE_GPA + (c[i].rip - start);

		ASSERT_EQ(0, guest_set_mode(g, mode, GUEST_CODE_GPA +
					    (c[i].entry - start)));
		ASSERT_EQ(0, guest_install_idt(g));
		EXPECT_EQ(0, guest_expect_exception(g, c[i].vector, c[i].error,
						    rip, c[i].cr2))
			TH_LOG("%s", c[i].what);
		ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs));
		if (c[i].vector == 14)
			EXPECT_EQ(c[i].cr2, sregs.cr2) TH_LOG("%s", c[i].what);
	}
}

TEST_F(exc, long_mode)
{
	const struct exc_case c[] = {
		{ "#UD", ud64, 6, 0, ud64, 0 },
		{ "#DE", de64, 0, 0, de64_div, 0 },
		{ "#BP", bp64, 3, 0, bp64_after, 0 },
		{ "#PF read", pfr64, 14, 0, pfr64_mov, UNMAPPED + 0x123 },
		{ "#PF write", pfw64, 14, 2, pfw64_mov, UNMAPPED + 0x1ff8 },
		{ "#GP non-canonical", gp64, 13, 0, gp64_mov, UNMAPPED + 0x1ff8 },
	};

	ASSERT_EQ(0, guest_load_code(&self->g, exc64_start, exc64_end));
	run_cases(_metadata, &self->g, GUEST_LONG, exc64_start, c,
		  ARRAY_SIZE(c));
}

TEST_F(exc, protected_mode_32)
{
	const struct exc_case c[] = {
		{ "#UD", ud32, 6, 0, ud32, 0 },
		{ "#DE", de32, 0, 0, de32_div, 0 },
	};

	ASSERT_EQ(0, guest_load_code(&self->g, exc32_start, exc32_end));
	run_cases(_metadata, &self->g, GUEST_PM32, exc32_start, c,
		  ARRAY_SIZE(c));
}

TEST_F(exc, page_faults_32bit_paging)
{
	const struct exc_case c[] = {
		{ "#PF write", pfw32, 14, 2, pfw32_mov, UNMAPPED + 0x10 },
		{ "#PF read", pfr32, 14, 0, pfr32_mov, UNMAPPED + 0x20 },
	};

	ASSERT_EQ(0, guest_load_code(&self->g, exc32_start, exc32_end));
	run_cases(_metadata, &self->g, GUEST_PAGING32, exc32_start, c,
		  ARRAY_SIZE(c));
	run_cases(_metadata, &self->g, GUEST_PAE, exc32_start, c,
		  ARRAY_SIZE(c));
}

TEST_F(exc, real_mode_ivt)
{
	struct guest *g = &self->g;

	ASSERT_EQ(0, guest_load_code(g, exc16_start, exc16_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_REAL, GUEST_CODE_GPA));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 2, 0xde));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 2,
				      exc16_div - exc16_start));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 2, GUEST_CODE_GPA >> 4));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
}

/* No IDT at all: #UD cannot be delivered, nor #GP, nor #DF. */
TEST_F(exc, triple_fault_without_idt)
{
	struct guest *g = &self->g;

	ASSERT_EQ(0, guest_load_code(g, exc64_start, exc64_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_ADDR(exc64, ud64)));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_SHUTDOWN));
}

/* The guest itself loads an empty IDT over a working one, then faults. */
TEST_F(exc, triple_fault_after_lidt)
{
	struct guest *g = &self->g;

	ASSERT_EQ(0, guest_load_code(g, exc64_start, exc64_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_ADDR(exc64, ud64)));
	ASSERT_EQ(0, guest_install_idt(g));
	/* The IDT works: #UD is reported... */
	ASSERT_EQ(0, guest_expect_exception(g, 6, 0, GUEST_ADDR(exc64, ud64),
					    0));
	/* ...until the guest replaces it. */
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_ADDR(exc64, tf64)));
	ASSERT_EQ(0, guest_install_idt(g));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_SHUTDOWN));
}

TEST_HARNESS_MAIN
