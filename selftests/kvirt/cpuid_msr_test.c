// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: what the guest sees from CPUID must be exactly what the VMM set
 * with KVM_SET_CPUID2, and architectural MSRs written by the guest must be
 * what KVM_GET_MSRS reads back (and the other way round), while an MSR
 * nobody implements raises #GP in the guest, as on KVM.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"

#define OUT32		"outl %eax, $" GUEST_STR(GUEST_PORT) "\n"
#define MAX_CPUID	256
#define CUSTOM_LEAF	0x40000100
#define BAD_MSR		0xdeadbeef
#define CPUID_1_ECX_OSXSAVE	(1U << 27)
#define CPUID_1_EDX_APIC	(1U << 9)
#define MSR_EFER	0xc0000080
#define MSR_SYSENTER_CS	0x174
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_KGS_BASE	0xc0000102

/* CPUID of leaf @leaf, subleaf @sub; reports EAX, EBX, ECX, EDX. */
#define CPUID_REPORT(leaf, sub)				\
	"movl $" leaf ", %eax\n"			\
	"movl $" sub ", %ecx\n"				\
	"cpuid\n" OUT32					\
	"movl %ebx, %eax\n" OUT32			\
	"movl %ecx, %eax\n" OUT32			\
	"movl %edx, %eax\n" OUT32

GUEST_CODE_SYMS(cpuid);
GUEST_CODE(cpuid,
	   ".code64\n"
	   CPUID_REPORT("0", "0")
	   CPUID_REPORT("1", "0")
	   CPUID_REPORT(GUEST_STR(CUSTOM_LEAF), "0")
	   CPUID_REPORT(GUEST_STR(CUSTOM_LEAF), "1")
	   "hlt\n");

/* WRMSR of @msr, then RDMSR; reports the low and high halves read. */
#define MSR_WRITE_READ(msr, hi, lo)			\
	"movl $" msr ", %ecx\n"				\
	"movl $" hi ", %edx\n"				\
	"movl $" lo ", %eax\n"				\
	"wrmsr\n"					\
	"xorl %eax, %eax\n"				\
	"xorl %edx, %edx\n"				\
	"rdmsr\n" OUT32					\
	"movl %edx, %eax\n" OUT32

#define MSR_READ(msr)					\
	"movl $" msr ", %ecx\n"				\
	"rdmsr\n" OUT32					\
	"movl %edx, %eax\n" OUT32

GUEST_CODE_SYMS(msr);
GUEST_LABEL(msr_read);
GUEST_LABEL(msr_bad_rd);
GUEST_LABEL(msr_bad_rd_insn);
GUEST_LABEL(msr_bad_wr);
GUEST_LABEL(msr_bad_wr_insn);
GUEST_CODE(msr,
	   ".code64\n"
	   MSR_WRITE_READ(GUEST_STR(MSR_SYSENTER_CS), "0", "0x10")
	   MSR_WRITE_READ(GUEST_STR(MSR_STAR), "0x00230010", "0")
	   MSR_WRITE_READ(GUEST_STR(MSR_LSTAR), "0xffffffff", "0x81000000")
	   MSR_WRITE_READ(GUEST_STR(MSR_KGS_BASE), "0x7f12", "0x34560000")
	   "movl $" GUEST_STR(MSR_EFER) ", %ecx\n"
	   "rdmsr\n"
	   "orl $1, %eax\n"
	   "wrmsr\n"
	   "hlt\n"
	   "msr_read:\n"
	   MSR_READ(GUEST_STR(MSR_SYSENTER_CS))
	   MSR_READ(GUEST_STR(MSR_STAR))
	   MSR_READ(GUEST_STR(MSR_LSTAR))
	   MSR_READ(GUEST_STR(MSR_KGS_BASE))
	   MSR_READ(GUEST_STR(MSR_EFER))
	   "hlt\n"
	   "msr_bad_rd: movl $" GUEST_STR(BAD_MSR) ", %ecx\n"
	   "msr_bad_rd_insn: rdmsr\n"
	   "hlt\n"
	   "msr_bad_wr: movl $" GUEST_STR(BAD_MSR) ", %ecx\n"
	   "xorl %eax, %eax\n"
	   "xorl %edx, %edx\n"
	   "msr_bad_wr_insn: wrmsr\n"
	   "hlt\n");

struct cpuid_buf {
	struct kvm_cpuid2 c;
	struct kvm_cpuid_entry2 e[MAX_CPUID];
};

FIXTURE(cm) {
	struct guest g;
};

FIXTURE_SETUP(cm)
{
	ASSERT_EQ(0, guest_init(&self->g));
}

FIXTURE_TEARDOWN(cm)
{
	guest_destroy(&self->g);
	if (guest_count_vms() >= 0)
		EXPECT_EQ(0, guest_count_vms());
}

static struct kvm_cpuid_entry2 *find_leaf(struct cpuid_buf *b, uint32_t fn,
					  uint32_t index)
{
	uint32_t i;

	for (i = 0; i < b->c.nent; i++)
		if (b->e[i].function == fn && b->e[i].index == index)
			return &b->e[i];
	return NULL;
}

static int expect_cpuid(struct guest *g, const struct kvm_cpuid_entry2 *e)
{
	return guest_expect_out(g, GUEST_PORT, 4, e->eax) ||
	       guest_expect_out(g, GUEST_PORT, 4, e->ebx) ||
	       guest_expect_out(g, GUEST_PORT, 4, e->ecx) ||
	       guest_expect_out(g, GUEST_PORT, 4, e->edx);
}

/* Run; the exit must be an OUT of 4 bytes equal to @want under @mask. */
static int out_masked(struct __test_metadata *_metadata, struct guest *g,
		      uint32_t want, uint32_t mask)
{
	struct kvm_run *run = g->run;
	uint32_t got;

	if (guest_run(g) || run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4)
		return -1;
	memcpy(&got, (uint8_t *)run + run->io.data_offset, 4);
	EXPECT_EQ(want & mask, got & mask);
	return 0;
}

TEST_F(cm, cpuid_is_what_was_set)
{
	static struct cpuid_buf b;
	struct kvm_cpuid_entry2 *leaf0, *leaf1, *sub0, *sub1;
	struct guest *g = &self->g;

	b.c.nent = MAX_CPUID;
	ASSERT_EQ(0, ioctl(g->dev_fd, KVM_GET_SUPPORTED_CPUID, &b));
	ASSERT_GT(MAX_CPUID - 2, b.c.nent);
	leaf0 = find_leaf(&b, 0, 0);
	leaf1 = find_leaf(&b, 1, 0);
	ASSERT_NE(NULL, leaf0);
	ASSERT_NE(NULL, leaf1);
	/* "KvirtTestCPU" in EBX, EDX, ECX order. */
	memcpy(&leaf0->ebx, "Kvir", 4);
	memcpy(&leaf0->edx, "tTes", 4);
	memcpy(&leaf0->ecx, "tCPU", 4);
	leaf1->eax = 0x00a20f12;
	/* A leaf of our own, with two subleaves told apart by ECX. */
	sub0 = &b.e[b.c.nent++];
	sub1 = &b.e[b.c.nent++];
	*sub0 = (struct kvm_cpuid_entry2) {
		.function = CUSTOM_LEAF, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x11111111, .ebx = 0x22222222,
		.ecx = 0x33333333, .edx = 0x44444444,
	};
	*sub1 = *sub0;
	sub1->index = 1;
	sub1->eax = 0x55555555;
	sub1->edx = 0x88888888;
	ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_SET_CPUID2, &b));

	ASSERT_EQ(0, guest_load_code(g, cpuid_start, cpuid_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_CODE_GPA));
	ASSERT_EQ(0, expect_cpuid(g, leaf0));
	/* Leaf 1 as set, but for the bits that follow CR4 and APIC_BASE. */
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, 0x00a20f12));
	ASSERT_EQ(0, guest_expect_out(g, GUEST_PORT, 4, leaf1->ebx));
	ASSERT_EQ(0, out_masked(_metadata, g, leaf1->ecx, ~CPUID_1_ECX_OSXSAVE));
	ASSERT_EQ(0, out_masked(_metadata, g, leaf1->edx, ~CPUID_1_EDX_APIC));
	ASSERT_EQ(0, expect_cpuid(g, sub0));
	ASSERT_EQ(0, expect_cpuid(g, sub1));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
}

static uint64_t get_msr(struct __test_metadata *_metadata, struct guest *g,
			uint32_t index)
{
	uint64_t v = 0;

	EXPECT_EQ(0, guest_get_msr(g, index, &v)) TH_LOG("msr %#x", index);
	return v;
}

static int expect_msr_out(struct guest *g, uint64_t v)
{
	return guest_expect_out(g, GUEST_PORT, 4, (uint32_t)v) ||
	       guest_expect_out(g, GUEST_PORT, 4, v >> 32);
}

TEST_F(cm, guest_msr_writes_reach_kvm_get_msrs)
{
	static const uint32_t idx[] = {
		MSR_SYSENTER_CS, MSR_STAR, MSR_LSTAR, MSR_KGS_BASE,
	};
	static const uint64_t val[] = {
		0x10, 0x0023001000000000ULL, 0xffffffff81000000ULL,
		0x00007f1234560000ULL,
	};
	struct guest *g = &self->g;
	struct kvm_sregs sregs;
	int i;

	ASSERT_EQ(0, guest_load_code(g, msr_start, msr_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_CODE_GPA));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, expect_msr_out(g, val[i])) TH_LOG("%#x", idx[i]);
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(val[i], get_msr(_metadata, g, idx[i]))
			TH_LOG("%#x", idx[i]);
	/* EFER.SCE set by the guest, LME and LMA kept. */
	EXPECT_EQ(0x501, get_msr(_metadata, g, MSR_EFER));
	ASSERT_EQ(0, ioctl(g->vcpu_fd, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(0x501, sregs.efer);
}

TEST_F(cm, kvm_set_msrs_reach_the_guest)
{
	static const uint32_t idx[] = {
		MSR_SYSENTER_CS, MSR_STAR, MSR_LSTAR, MSR_KGS_BASE,
	};
	static const uint64_t val[] = {
		0x20, 0x001b000800000000ULL, 0xffffffff82345000ULL,
		0x00007ffff7dd0000ULL,
	};
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[4];
	} m = { .hdr.nmsrs = 4 };
	struct guest *g = &self->g;
	int i;

	ASSERT_EQ(0, guest_load_code(g, msr_start, msr_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_ADDR(msr, msr_read)));
	for (i = 0; i < 4; i++) {
		m.e[i].index = idx[i];
		m.e[i].data = val[i];
	}
	ASSERT_EQ(4, ioctl(g->vcpu_fd, KVM_SET_MSRS, &m));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, expect_msr_out(g, val[i])) TH_LOG("%#x", idx[i]);
	ASSERT_EQ(0, expect_msr_out(g, 0x500));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
}

TEST_F(cm, bad_msr_access_is_gp)
{
	struct guest *g = &self->g;
	uint64_t v;

	ASSERT_EQ(0, guest_load_code(g, msr_start, msr_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_ADDR(msr, msr_bad_rd)));
	ASSERT_EQ(0, guest_install_idt(g));
	ASSERT_EQ(0, guest_expect_exception(g, 13, 0,
					    GUEST_ADDR(msr, msr_bad_rd_insn), 0));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_ADDR(msr, msr_bad_wr)));
	ASSERT_EQ(0, guest_install_idt(g));
	ASSERT_EQ(0, guest_expect_exception(g, 13, 0,
					    GUEST_ADDR(msr, msr_bad_wr_insn), 0));
	/* The host cannot read it either, after the guest's WRMSR. */
	EXPECT_EQ(-EINVAL, guest_get_msr(g, BAD_MSR, &v));
}

TEST_HARNESS_MAIN
