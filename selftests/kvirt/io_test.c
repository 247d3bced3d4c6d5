// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: port I/O is how most guests talk to a VMM: every IN and OUT form
 * (1, 2 and 4 bytes, imm8 and DX ports) and every string form (INS/OUTS,
 * with and without REP, both directions) must reach user space through
 * KVM_EXIT_IO with the right bytes, and leave the guest's registers as the
 * CPU would. MMIO exits through the same helpers are checked at the end.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"

#define DX_PORT		0x1234
#define SRC_GPA		0x30ff0		/* buffers straddle page boundaries */
#define DST_GPA		0x40ff0
#define BUF_MAX		0x3000
#define MMIO_GPA	0x40000000ULL

/* Every OUT form, then every IN form with RAX preset to 0x1111...11. */
GUEST_CODE_SYMS(simple);
GUEST_CODE(simple,
	   ".code64\n"
	   "movb $0x5a, %al\n"
	   "outb %al, $0xe0\n"
	   "movw $0xbeef, %ax\n"
	   "outw %ax, $0xe2\n"
	   "movl $0xdeadbeef, %eax\n"
	   "outl %eax, $0xe4\n"
	   "movw $" GUEST_STR(DX_PORT) ", %dx\n"
	   "movb $0xa5, %al\n"
	   "outb %al, %dx\n"
	   "movw $0xcafe, %ax\n"
	   "outw %ax, %dx\n"
	   "movl $0x8badf00d, %eax\n"
	   "outl %eax, %dx\n"
	   "movl $" GUEST_STR(GUEST_DATA_GPA) ", %edi\n"
	   "movabsq $0x1111111111111111, %rbx\n"
	   "movq %rbx, %rax\n"
	   "inb $0xe0, %al\n"
	   "movq %rax, 0(%rdi)\n"
	   "movq %rbx, %rax\n"
	   "inw $0xe2, %ax\n"
	   "movq %rax, 8(%rdi)\n"
	   "movq %rbx, %rax\n"
	   "inl $0xe4, %eax\n"
	   "movq %rax, 16(%rdi)\n"
	   "movq %rbx, %rax\n"
	   "inb %dx, %al\n"
	   "movq %rax, 24(%rdi)\n"
	   "movq %rbx, %rax\n"
	   "inw %dx, %ax\n"
	   "movq %rax, 32(%rdi)\n"
	   "movq %rbx, %rax\n"
	   "inl %dx, %eax\n"
	   "movq %rax, 40(%rdi)\n"
	   "hlt\n");

/* String I/O: the host sets RCX, RSI, RDI, RDX, RFLAGS.DF and RIP. */
GUEST_CODE_SYMS(str);
GUEST_LABEL(rep_outsb);
GUEST_LABEL(rep_outsw);
GUEST_LABEL(rep_outsl);
GUEST_LABEL(rep_insb);
GUEST_LABEL(rep_insw);
GUEST_LABEL(rep_insl);
GUEST_LABEL(one_outsb);
GUEST_LABEL(one_insw);
GUEST_CODE(str,
	   ".code64\n"
	   "rep_outsb: rep outsb\n"
	   "hlt\n"
	   "rep_outsw: rep outsw\n"
	   "hlt\n"
	   "rep_outsl: rep outsl\n"
	   "hlt\n"
	   "rep_insb: rep insb\n"
	   "hlt\n"
	   "rep_insw: rep insw\n"
	   "hlt\n"
	   "rep_insl: rep insl\n"
	   "hlt\n"
	   "one_outsb: outsb\n"
	   "hlt\n"
	   "one_insw: insw\n"
	   "hlt\n");

/* An MMIO write of 4 bytes, then a read of 8 stored at GUEST_DATA_GPA. */
GUEST_CODE_SYMS(mmio);
GUEST_CODE(mmio,
	   ".code64\n"
	   "movl $0x5eed1e55, %eax\n"
	   "movl %eax, (%rbx)\n"
	   "movq 8(%rbx), %rax\n"
	   "movq %rax, " GUEST_STR(GUEST_DATA_GPA) "\n"
	   "hlt\n");

FIXTURE(io) {
	struct guest g;
};

FIXTURE_SETUP(io)
{
	ASSERT_EQ(0, guest_init(&self->g));
}

FIXTURE_TEARDOWN(io)
{
	guest_destroy(&self->g);
	if (guest_count_vms() >= 0)
		EXPECT_EQ(0, guest_count_vms());
}

TEST_F(io, in_and_out_every_size)
{
	static const uint64_t want[] = {
		0x111111111111113cULL, 0x1111111111117e57ULL,
		0x0000000012345678ULL,	/* a 32-bit IN zero-extends */
		0x11111111111111c3ULL, 0x1111111111114242ULL,
		0x0000000087654321ULL,
	};
	struct guest *g = &self->g;
	uint64_t got;
	int i;

	ASSERT_EQ(0, guest_load_code(g, simple_start, simple_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_CODE_GPA));
	ASSERT_EQ(0, guest_expect_out(g, 0xe0, 1, 0x5a));
	ASSERT_EQ(0, guest_expect_out(g, 0xe2, 2, 0xbeef));
	ASSERT_EQ(0, guest_expect_out(g, 0xe4, 4, 0xdeadbeef));
	ASSERT_EQ(0, guest_expect_out(g, DX_PORT, 1, 0xa5));
	ASSERT_EQ(0, guest_expect_out(g, DX_PORT, 2, 0xcafe));
	ASSERT_EQ(0, guest_expect_out(g, DX_PORT, 4, 0x8badf00d));
	ASSERT_EQ(0, guest_answer_in(g, 0xe0, 1, 0x3c));
	ASSERT_EQ(0, guest_answer_in(g, 0xe2, 2, 0x7e57));
	ASSERT_EQ(0, guest_answer_in(g, 0xe4, 4, 0x12345678));
	ASSERT_EQ(0, guest_answer_in(g, DX_PORT, 1, 0xc3));
	ASSERT_EQ(0, guest_answer_in(g, DX_PORT, 2, 0x4242));
	ASSERT_EQ(0, guest_answer_in(g, DX_PORT, 4, 0x87654321));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	for (i = 0; i < 6; i++) {
		memcpy(&got, g->mem + GUEST_DATA_GPA + 8 * i, 8);
		EXPECT_EQ(want[i], got) TH_LOG("IN number %d", i);
	}
}

struct str_case {
	const char *what;
	const uint8_t *insn;	/* label of the instruction */
	const uint8_t *next;	/* label after its HLT */
	bool in;
	bool down;		/* DF = 1 */
	int size;
	uint64_t count;		/* RCX */
	bool rep;
};

static uint8_t pattern(uint64_t i)
{
	return i * 7 + 3 + (i >> 8);
}

/*
 * Run one string instruction whose first element is at SRC_GPA (OUTS) or
 * DST_GPA (INS); collect or supply the bytes over however many exits the
 * VMM takes; then check the byte stream, memory and RCX, RSI, RDI, RIP.
 */
static void run_str(struct __test_metadata *_metadata, struct guest *g,
		    const struct str_case *c)
{
	static uint8_t stream[BUF_MAX], want[BUF_MAX], image[BUF_MAX];
	uint64_t elems = c->rep ? c->count : 1, bytes = elems * c->size;
	uint64_t first = c->in ? DST_GPA : SRC_GPA, low, at, e, i, n;
	int step = c->down ? -c->size : c->size;
	struct kvm_run *run = g->run;
	uint64_t done = 0;
	struct kvm_regs regs;
	uint8_t *data;

	ASSERT_GE(BUF_MAX, bytes);
	/* With DF = 1 the first element is the highest one. */
	low = c->down ? first - (elems - 1) * c->size : first;
	for (i = 0; i < 2 * BUF_MAX; i++)
		g->mem[SRC_GPA - BUF_MAX + i] = pattern(i + 11);
	memset(g->mem + DST_GPA - BUF_MAX, 0xee, 2 * BUF_MAX);
	/* The byte stream in the order of the string, and memory after INS. */
	for (e = 0; e < elems; e++) {
		at = first + e * step;
		for (i = 0; i < c->size; i++)
			want[e * c->size + i] = c->in ? pattern(e * c->size + i) :
							g->mem[at + i];
		memcpy(image + (at - low), want + e * c->size, c->size);
	}

	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_CODE_GPA));
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	regs.rip = GUEST_ADDR(str, c->insn);
	regs.rcx = c->count;
	regs.rsi = SRC_GPA;
	regs.rdi = DST_GPA;
	regs.rdx = DX_PORT;
	regs.rflags = c->down ? 0x402 : 0x2;
	ASSERT_EQ(0, guest_set_regs(g, &regs));

	for (;;) {
		ASSERT_EQ(0, guest_run(g));
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		ASSERT_EQ(KVM_EXIT_IO, run->exit_reason) TH_LOG("%s", c->what);
		ASSERT_EQ(c->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT,
			  run->io.direction);
		ASSERT_EQ(DX_PORT, run->io.port);
		ASSERT_EQ(c->size, run->io.size);
		ASSERT_LE(1, run->io.count);
		n = (uint64_t)run->io.count * c->size;
		ASSERT_GE(bytes - done, n) TH_LOG("%s: too many", c->what);
		ASSERT_GE((uint64_t)g->run_size, run->io.data_offset + n);
		data = (uint8_t *)run + run->io.data_offset;
		if (c->in)
			memcpy(data, want + done, n);
		else
			memcpy(stream + done, data, n);
		done += n;
	}
	ASSERT_EQ(bytes, done) TH_LOG("%s", c->what);
	if (c->in) {
		EXPECT_EQ(0, memcmp(g->mem + low, image, bytes))
			TH_LOG("%s: memory", c->what);
		EXPECT_EQ(0xee, g->mem[low - 1]);
		EXPECT_EQ(0xee, g->mem[low + bytes]);
	} else {
		EXPECT_EQ(0, memcmp(stream, want, bytes))
			TH_LOG("%s: stream", c->what);
	}
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	EXPECT_EQ(c->rep ? 0 : c->count, regs.rcx) TH_LOG("%s", c->what);
	EXPECT_EQ(c->in ? SRC_GPA : SRC_GPA + elems * step, regs.rsi)
		TH_LOG("%s", c->what);
	EXPECT_EQ(c->in ? DST_GPA + elems * step : DST_GPA, regs.rdi)
		TH_LOG("%s", c->what);
	EXPECT_EQ(GUEST_ADDR(str, c->next), regs.rip) TH_LOG("%s", c->what);
	EXPECT_EQ(c->down ? 0x400 : 0, regs.rflags & 0x400);
}

static void run_cases(struct __test_metadata *_metadata, struct guest *g,
		      const struct str_case *c, int n)
{
	int i;

	ASSERT_EQ(0, guest_load_code(g, str_start, str_end));
	for (i = 0; i < n; i++)
		run_str(_metadata, g, &c[i]);
}

TEST_F(io, outs)
{
	const struct str_case c[] = {
		{ "rep outsb", rep_outsb, rep_outsw, false, false, 1, 100, true },
		{ "rep outsw", rep_outsw, rep_outsl, false, false, 2, 300, true },
		{ "rep outsl", rep_outsl, rep_insb, false, false, 4, 1030, true },
		{ "outsb", one_outsb, one_insw, false, false, 1, 5, false },
		{ "rep outsb, rcx 0", rep_outsb, rep_outsw, false, false, 1, 0,
		  true },
	};

	run_cases(_metadata, &self->g, c, ARRAY_SIZE(c));
}

TEST_F(io, ins)
{
	const struct str_case c[] = {
		{ "rep insb", rep_insb, rep_insw, true, false, 1, 100, true },
		{ "rep insw", rep_insw, rep_insl, true, false, 2, 300, true },
		{ "rep insl", rep_insl, one_outsb, true, false, 4, 1030, true },
		{ "insw", one_insw, str_end, true, false, 2, 5, false },
	};

	run_cases(_metadata, &self->g, c, ARRAY_SIZE(c));
}

TEST_F(io, string_io_backwards)
{
	const struct str_case c[] = {
		{ "std; rep outsl", rep_outsl, rep_insb, false, true, 4, 10, true },
		{ "std; rep outsb", rep_outsb, rep_outsw, false, true, 1, 40,
		  true },
		{ "std; rep insb", rep_insb, rep_insw, true, true, 1, 20, true },
		{ "std; rep insw", rep_insw, rep_insl, true, true, 2, 700, true },
		{ "std; insw", one_insw, str_end, true, true, 2, 3, false },
	};

	run_cases(_metadata, &self->g, c, ARRAY_SIZE(c));
}

/* The MMIO helpers of guest_util, on a page with no memory slot. */
TEST_F(io, mmio_exits)
{
	const uint64_t answer = 0x0123456789abcdefULL;
	const uint32_t written = 0x5eed1e55;
	struct guest *g = &self->g;
	struct kvm_regs regs;
	uint64_t got;

	ASSERT_EQ(0, guest_load_code(g, mmio_start, mmio_end));
	ASSERT_EQ(0, guest_set_mode(g, GUEST_LONG, GUEST_CODE_GPA));
	ASSERT_EQ(0, guest_map(g, MMIO_GPA, MMIO_GPA));
	ASSERT_EQ(0, guest_get_regs(g, &regs));
	regs.rbx = MMIO_GPA;
	ASSERT_EQ(0, guest_set_regs(g, &regs));
	ASSERT_EQ(0, guest_expect_mmio_write(g, MMIO_GPA, 4, &written));
	ASSERT_EQ(0, guest_answer_mmio_read(g, MMIO_GPA + 8, 8, &answer));
	ASSERT_EQ(0, guest_expect_exit(g, KVM_EXIT_HLT));
	memcpy(&got, g->mem + GUEST_DATA_GPA, 8);
	EXPECT_EQ(answer, got);
}

TEST_HARNESS_MAIN
