// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: on AMD hosts without decode assists kvirt decodes and emulates
 * every instruction that touches MMIO itself (kmod/kvirt/decode.c and
 * emulate.c). Stock KVM's full emulator is the reference: the same guest
 * instruction, run against MMIO on /dev/kvm and on /dev/kvirt, must give
 * the same exits (MMIO address, length, direction and data, in order),
 * consume the same answers and leave the same registers, RFLAGS flags and
 * RAM behind. Each case below is one instruction form, in 64-bit long
 * mode, 32-bit protected mode or real mode, with its prefixes, registers,
 * addressing form and MMIO answers; the test runs every case on the stock
 * module, then on kvirt, and reports per case the first line where the
 * two transcripts part.
 *
 * Forms kvirt does not emulate are listed apart, in DECLINE_CASES: kvirt
 * must end them with a clean KVM_EXIT_INTERNAL_ERROR (suberror
 * KVM_INTERNAL_ERROR_EMULATION) before any other exit, and what the stock
 * module does with them is printed next to it, so the gap stays visible.
 *
 * Guest physical memory is guest_util.h's, with a hole: [MMIO_GPA,
 * ROM_GPA) has no memslot, so every access there is MMIO, and [ROM_GPA,
 * MMIO_END) is a read-only slot, where writes are MMIO. In 32-bit and real
 * mode the data segments have non-zero bases inside the hole (DS 0x80000,
 * FS 0x90000, ES 0xa0000, GS 0xb0000; SS 0x78000 keeps the stack in RAM
 * but reaches the hole from offset 0x8000), so a wrong segment shows as a
 * wrong address. In long mode DS, ES and SS get a base in RAM, which the
 * CPU ignores there; FS and GS have the bases above.
 *
 * Transcript of one case, a line each:
 *   mmio write|read ADDR len N data|answer BYTES @ rip X rcx X rsi X rdi X
 *   io out|in port P size S count C data|answer BYTES @ rip X ...
 *   hlt
 *   regs rax .. r15 rip flags                      (flags: RFLAGS & 0xfd5)
 *   ram unchanged | ram ADDR: BYTES                (around RAM_BUF)
 *   rom unchanged | rom ADDR: BYTES                (around ROM_BUF)
 * where BYTES are in memory order and "@ ..." are registers when the exit
 * arrived, before it was answered; or, in place of "hlt" and after it,
 * "internal error suberror N" or the name of another exit. Every snippet
 * is followed by "out %al, $0xf0; hlt"; exceptions are reported with OUT
 * to 0xf1 (guest_install_idt()'s stubs; in real mode one OUT of the
 * vector). Everything must be equal, the "@ ..." registers at each exit
 * too (a VMM may read them there); a case where only those differ is
 * named as such, to tell a register-timing bug from a decoding one.
 *
 * MMIO_DECODE_VERBOSE=1 prints the transcripts of the cases that agree too.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "guest_util.h"
#include "lab_util.h"

#define MMIO_GPA	0x80000ULL	/* no memslot in [MMIO_GPA, ROM_GPA) */
#define ROM_GPA		0xf0000ULL	/* a read-only slot up to MMIO_END */
#define MMIO_END	0x100000ULL
#define M(off)		(MMIO_GPA + (off))

/* Segment bases outside long mode, and the base ignored in long mode. */
#define DS_BASE		0x80000
#define FS_BASE		0x90000
#define ES_BASE		0xa0000
#define GS_BASE		0xb0000
#define SS_BASE		0x78000
#define RAM_BASE	0x60000		/* DS or ES in RAM, for string moves */
#define LM_BASE		0x100000	/* DS, ES, SS in long mode: ignored */
#define STACK_LOW	0x7ff0		/* SP outside long mode: SS:SP in RAM */

/* The RAM side of string moves, and the windows the transcript shows. */
#define RAM_BUF		(RAM_BASE + 0x100)
#define ROM_BUF		(ROM_GPA + 0x100)
#define DUMP_BEFORE	0x20
#define DUMP_LEN	0x60

/* With HIGH_MAP, in the paging modes: an MMIO page and a RAM page up here. */
#define HIGH_GVA	0x40000000ULL

/* Real-mode exception stubs: "mov $vector, %al; out %al, $0xf1; hlt". */
#define RM_STUBS	0x3800

#define FLAGS_SHOWN	0xfd5ULL	/* CF PF AF ZF SF TF IF DF OF */
#define CF		0x001ULL
#define ZF		0x040ULL
#define DF		0x400ULL
#define OF		0x800ULL

#define MAX_ANSWERS	4
#define MAX_CASES	512
#define MAX_EXITS	32
#define TRANSCRIPT_MAX	2048

/* mcase.setup */
#define ES_RAM		0x1		/* ES base RAM_BASE (not long mode) */
#define DS_RAM		0x2		/* DS base RAM_BASE (not long mode) */
#define SSE		0x4		/* CR4.OSFXSR: SSE instructions run */
#define DS_ROM		0x8		/* DS base ROM_GPA (not long mode) */
#define HIGH_MAP	0x10		/* HIGH_GVA -> MMIO_GPA, + 4 KiB -> RAM_BASE */

/* mcase.zero: registers meant to be 0 (kvm_regs order). */
#define Z_RAX		0x1
#define Z_RCX		0x4

struct mcase {
	const char *name;
	const char *text;		/* the assembly, as written below */
	enum guest_mode mode;
	const uint8_t *start, *end;
	struct kvm_regs regs;		/* GPRs left 0 get junk; rflags | 2 */
	unsigned int zero;		/* ... unless named here */
	unsigned int setup;
	uint64_t ans[MAX_ANSWERS];	/* MMIO read answers, in order */
	unsigned int nans;		/* then default_answer() */
	bool decline;			/* in the table of kvirt declines */
	int line;			/* where it is defined: the order */
};

/* Case fields, for the tables below. */
#define RAX(v)		.regs.rax = (v)
#define RBX(v)		.regs.rbx = (v)
#define RCX(v)		.regs.rcx = (v)
#define RDX(v)		.regs.rdx = (v)
#define RSI(v)		.regs.rsi = (v)
#define RDI(v)		.regs.rdi = (v)
#define RBP(v)		.regs.rbp = (v)
#define R8(v)		.regs.r8 = (v)
#define R9(v)		.regs.r9 = (v)
#define R10(v)		.regs.r10 = (v)
#define R11(v)		.regs.r11 = (v)
#define R12(v)		.regs.r12 = (v)
#define R13(v)		.regs.r13 = (v)
#define R14(v)		.regs.r14 = (v)
#define R15(v)		.regs.r15 = (v)
#define FL(v)		.regs.rflags = (v)
#define ZERO(v)		.zero = (v)
#define SETUP(v)	.setup = (v)
#define ANS(...)	.ans = { __VA_ARGS__ }, \
			.nans = sizeof((uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t)

/*
 * The disp32 of a RIP-relative operand at guest-physical @target, in
 * snippet @id, whose instruction ends at the label "1:" (written as bytes:
 * the assembler would make the displacement relative to where the snippet
 * lies in this program, not to where the guest runs it).
 */
#define RIPDISP(id, target) \
	".long " target " - " GUEST_STR(GUEST_CODE_GPA) " - (1f - " #id "_start)\n"

/* Appended to every snippet: report AL, then halt. */
static const uint8_t epilogue[] = { 0xe6, GUEST_PORT, 0xf4 };

struct transcript {
	char text[TRANSCRIPT_MAX];
	size_t len;
};

/* The cases as registered, then sorted into the two tables. */
static const struct mcase *registered[MAX_CASES];
static size_t nr_registered;
static const struct mcase *same_cases[MAX_CASES], *decline_cases[MAX_CASES];
static size_t nr_same, nr_decline;

static struct transcript kvm_same[MAX_CASES], kvirt_same[MAX_CASES];
static struct transcript kvm_decl[MAX_CASES], kvirt_decl[MAX_CASES];

#define MODE_DIR_LONG		".code64\n"
#define MODE_DIR_PM32		".code32\n"
#define MODE_DIR_PAGING32	".code32\n"
#define MODE_DIR_PAE		".code32\n"
#define MODE_DIR_REAL		".code16\n"

static void register_case(const struct mcase *c)
{
	if (nr_registered < MAX_CASES)
		registered[nr_registered] = c;
	nr_registered++;
}

/*
 * One case: MMIO_CASE(id, mode, assembly, fields...) assembles the snippet for
 * @mode (LONG, PM32, PAGING32, PAE or REAL) and registers the case, in
 * the order of the lines below. Registers not given hold junk that differs
 * per register (32 bits outside long mode).
 */
#define MMIO_CASE(id, md, code, ...)					\
	asm(".pushsection .rodata\n.balign 16\n" #id "_start:\n"	\
	    MODE_DIR_##md code "\n" #id "_end:\n.code64\n.popsection\n");	\
	GUEST_CODE_SYMS(id);						\
	static const struct mcase id##_case = {				\
		.name = #id, .text = #code, .mode = GUEST_##md,		\
		.line = __LINE__, .start = id##_start, .end = id##_end,	\
		__VA_ARGS__						\
	};								\
	static void __attribute__((constructor)) id##_register(void)	\
	{								\
		register_case(&id##_case);				\
	}

/* A case of the differential table, and one of the table of declines. */
#define COMPARE(id, md, code, ...) MMIO_CASE(id, md, code, __VA_ARGS__)
#define DECLINE(id, md, code, ...) \
	MMIO_CASE(id, md, code, .decline = true, __VA_ARGS__)

/* MOV 88/89/8A/8B, every size, high-byte and REX registers. */
COMPARE(l_mov_st8, LONG, "mov %al, (%rbx)", RBX(M(0x100)));
COMPARE(l_mov_st16, LONG, "mov %ax, (%rbx)", RBX(M(0x102)));
COMPARE(l_mov_st32, LONG, "mov %eax, (%rbx)", RBX(M(0x104)));
COMPARE(l_mov_st64, LONG, "mov %rax, (%rbx)", RBX(M(0x108)));
COMPARE(l_mov_ld8, LONG, "mov (%rbx), %cl", RBX(M(0x100)), ANS(0x9a));
COMPARE(l_mov_ld16, LONG, "mov (%rbx), %cx", RBX(M(0x100)), ANS(0x9abc));
COMPARE(l_mov_ld32, LONG, "mov (%rbx), %ecx", RBX(M(0x100)),
	ANS(0x89abcdef));
COMPARE(l_mov_ld64, LONG, "mov (%rbx), %rcx", RBX(M(0x100)),
	ANS(0x0123456789abcdef));
COMPARE(l_mov_st_ah, LONG, "mov %ah, (%rbx)", RBX(M(0x100)));
COMPARE(l_mov_ld_dh, LONG, "mov (%rsi), %dh", RSI(M(0x100)), ANS(0xd7));
COMPARE(l_mov_ld_bh_base, LONG, "mov 1(%rbx), %bh", RBX(M(0x100)),
	ANS(0x42));
COMPARE(l_mov_st_sil, LONG, "mov %sil, (%rbx)", RBX(M(0x100)));
COMPARE(l_mov_ld_dil, LONG, "mov (%rbx), %dil", RBX(M(0x100)), ANS(0xee));
COMPARE(l_mov_ld_r9b, LONG, "mov (%r10), %r9b", R10(M(0x100)), ANS(0x5c));
COMPARE(l_mov_st_r15, LONG, "mov %r15, (%r12)", R12(M(0x108)));
COMPARE(l_mov_ld_r11d, LONG, "mov (%r13), %r11d", R13(M(0x100)),
	ANS(0xfeedface));
COMPARE(l_mov_st_r8w, LONG, "mov %r8w, 0x7f(%r14)", R14(M(0x100)));
/* SIB: scale, index, REX.X, disp8/disp32, no base, no index. */
COMPARE(l_mov_sib_d8, LONG, "mov %ecx, 0x10(%rbx,%rsi,4)",
	RBX(M(0x100)), RSI(3));
COMPARE(l_mov_sib_r9, LONG, "mov 0x1234(%rbx,%r9,8), %rdx",
	RBX(M(0)), R9(2), ANS(0x1122334455667788));
COMPARE(l_mov_sib_neg, LONG, "mov %eax, -0x80(%rbx,%rcx,2)",
	RBX(M(0x400)), RCX(0x10));
COMPARE(l_mov_sib_nobase, LONG, "mov 0x80000(,%rcx,8), %eax", RCX(0x20),
	ANS(0x31415926));
COMPARE(l_mov_sib_abs, LONG, "mov %eax, 0x80100");
COMPARE(l_mov_sib_rsp, LONG, "mov %rsp, 0x70110(%rsp)");
COMPARE(l_mov_r13_r12x, LONG, "mov %edi, 8(%r13,%r12,1)",
	R13(M(0x100)), R12(0x10));
/* RIP-relative, also with an immediate after it, and EIP-relative. */
COMPARE(l_riprel_st, LONG, "/* mov %eax, rel(%rip) */ .byte 0x89, 0x05\n"
	RIPDISP(l_riprel_st, "0x80100") "1:");
COMPARE(l_riprel_ld, LONG, "/* mov rel(%rip), %r8 */ .byte 0x4c, 0x8b, 0x05\n"
	RIPDISP(l_riprel_ld, "0x80108") "1:", ANS(0xa5a5a5a5deadbeef));
COMPARE(l_riprel_imm, LONG, "/* movl $imm32, rel(%rip) */ .byte 0xc7, 0x05\n"
	RIPDISP(l_riprel_imm, "0x80110") ".long 0x12345678\n1:");
COMPARE(l_riprel_imm8, LONG, "/* addb $imm8, rel(%rip) */ .byte 0x80, 0x05\n"
	RIPDISP(l_riprel_imm8, "0x80118") ".byte 0x70\n1:", ANS(0x90));
COMPARE(l_eiprel_ld, LONG, "/* mov rel(%eip), %ecx */ .byte 0x67, 0x8b, 0x0d\n"
	RIPDISP(l_eiprel_ld, "0x80120") "1:", ANS(0x600df00d));
/* moffs A0-A3: 64-bit, with 66, 67 and an FS override. */
COMPARE(l_moffs_st8, LONG, "movabs %al, 0x80100");
COMPARE(l_moffs_ld64, LONG, "movabs 0x80108, %rax", ANS(0xfedcba9876543210));
COMPARE(l_moffs_st32, LONG, "movabs %eax, 0x80104");
COMPARE(l_moffs_ld16, LONG, "movabs 0x80102, %ax", ANS(0x8001));
COMPARE(l_moffs_ld8, LONG, "movabs 0x80101, %al", ANS(0x7e));
COMPARE(l_moffs_addr32, LONG, ".byte 0x67, 0xa1\n.long 0x80110",
	ANS(0x13579bdf));
COMPARE(l_moffs_fs, LONG, "movabs %eax, %fs:0x100");
/* MOV imm to memory, C6/C7, REX.W sign-extends imm32. */
COMPARE(l_movi8, LONG, "movb $0xa5, (%rbx)", RBX(M(0x100)));
COMPARE(l_movi16, LONG, "movw $0xbeef, 2(%rbx)", RBX(M(0x100)));
COMPARE(l_movi32, LONG, "movl $0xdeadbeef, 4(%rbx)", RBX(M(0x100)));
COMPARE(l_movi64_neg, LONG, "movq $-0x12345678, 8(%rbx)", RBX(M(0x100)));
COMPARE(l_movi64_pos, LONG, "movq $0x7fffffff, 8(%rbx)", RBX(M(0x100)));
COMPARE(l_movi_sib_rex, LONG, "movl $1, 0x40(%r8,%r14,2)", R8(M(0x100)),
	R14(0x20));
/* MOVZX, MOVSX, MOVSXD. */
COMPARE(l_movzbl, LONG, "movzbl (%rbx), %eax", RBX(M(0x100)), ANS(0x80));
COMPARE(l_movzwl, LONG, "movzwl (%rbx), %eax", RBX(M(0x100)), ANS(0xfedc));
COMPARE(l_movzbw, LONG, "movzbw (%rbx), %ax", RBX(M(0x100)), ANS(0x81));
COMPARE(l_movzbq, LONG, "movzbq (%rbx), %r10", RBX(M(0x100)), ANS(0xff));
COMPARE(l_movzwq, LONG, "movzwq (%rbx), %rdx", RBX(M(0x100)), ANS(0x8000));
COMPARE(l_movsbl, LONG, "movsbl (%rbx), %eax", RBX(M(0x100)), ANS(0x80));
COMPARE(l_movsbw, LONG, "movsbw (%rbx), %dx", RBX(M(0x100)), ANS(0xf0));
COMPARE(l_movsbq, LONG, "movsbq (%rbx), %rcx", RBX(M(0x100)), ANS(0x7f));
COMPARE(l_movswl, LONG, "movswl (%rbx), %esi", RBX(M(0x100)), ANS(0x8001));
COMPARE(l_movswq, LONG, "movswq (%rbx), %r12", RBX(M(0x100)), ANS(0x8000));
COMPARE(l_movsbl_r11, LONG, "movsbl (%rbx), %r11d", RBX(M(0x100)),
	ANS(0x90));
COMPARE(l_movslq, LONG, "movslq (%rbx), %rdi", RBX(M(0x100)),
	ANS(0x80000000));
COMPARE(l_movslq_pos, LONG, "movslq (%rbx), %r9", RBX(M(0x100)),
	ANS(0x7fffffff));
COMPARE(l_movsxd32, LONG, ".byte 0x63, 0x03", RBX(M(0x100)),
	ANS(0x80000001));
/* Segment and REX prefixes in 64-bit mode; 67 truncates. */
COMPARE(l_fs_st, LONG, "mov %eax, %fs:(%rbx)", RBX(0x100));
COMPARE(l_gs_ld, LONG, "mov %gs:0x10(%rbx), %rcx", RBX(0x200),
	ANS(0x0f1e2d3c4b5a6978));
COMPARE(l_ds_ignored, LONG, ".byte 0x3e\nmov %eax, (%rbx)", RBX(M(0x100)));
COMPARE(l_es_ignored, LONG, ".byte 0x26\nmov (%rbx), %eax", RBX(M(0x100)),
	ANS(0x26262626));
COMPARE(l_ss_ignored, LONG, ".byte 0x36\nmov %eax, (%rbx)", RBX(M(0x100)));
COMPARE(l_cs_ignored, LONG, ".byte 0x2e\nmov (%rbx), %al", RBX(M(0x100)),
	ANS(0x2e));
COMPARE(l_rex_then_66, LONG, ".byte 0x48, 0x66, 0x89, 0x03",
	RBX(M(0x100)));
COMPARE(l_66_then_rexw, LONG, ".byte 0x66, 0x48, 0x89, 0x03",
	RBX(M(0x100)));
COMPARE(l_fs_then_rexw, LONG, ".byte 0x64, 0x48, 0x89, 0x03", RBX(0x100));
COMPARE(l_rexw_then_fs, LONG, ".byte 0x48, 0x64, 0x89, 0x03", RBX(0x100));
COMPARE(l_addr32_trunc, LONG, "mov %eax, (%ebx)",
	RBX(0xffffffff00000000 | M(0x100)));
COMPARE(l_addr32_wrap, LONG, "mov 0x80200(%ebx), %edx", RBX(0xffffff00),
	ANS(0x0a0b0c0d));
COMPARE(l_addr32_sib, LONG, "mov %ax, 4(%ebx,%esi,2)",
	RBX(0x1200000000000000 | M(0x100)), RSI(0x4400000000000008));
/* STOS and MOVS: REP, DF, RAM on one side, 67, FS source. */
COMPARE(l_stosb, LONG, "stosb", RDI(M(0x100)));
COMPARE(l_stosw, LONG, "stosw", RDI(M(0x100)));
COMPARE(l_stosl_df, LONG, "stosl", RDI(M(0x104)), FL(DF));
COMPARE(l_stosq, LONG, "stosq", RDI(M(0x108)));
COMPARE(l_rep_stosb, LONG, "rep stosb", RDI(M(0x100)), RCX(3));
COMPARE(l_rep_stosl_df, LONG, "rep stosl", RDI(M(0x108)), RCX(3), FL(DF));
COMPARE(l_rep_stosq_ram_mmio, LONG, "rep stosq", RDI(MMIO_GPA - 0x10),
	RCX(4));
COMPARE(l_movsb_to_mmio, LONG, "movsb", RSI(RAM_BUF), RDI(M(0x100)));
COMPARE(l_movsq_from_mmio, LONG, "movsq", RSI(M(0x100)), RDI(RAM_BUF),
	ANS(0x0102030405060708));
COMPARE(l_rep_movsl_from_mmio, LONG, "rep movsl", RCX(3), RSI(M(0x200)),
	RDI(RAM_BUF), ANS(0x11111111, 0x22222222, 0x33333333));
COMPARE(l_rep_movsw_to_mmio_df, LONG, "rep movsw", RCX(3),
	RSI(RAM_BUF + 0x10), RDI(M(0x300)), FL(DF));
COMPARE(l_rep_movsb_from_mmio_df, LONG, "rep movsb", RCX(2),
	RSI(M(0x201)), RDI(RAM_BUF + 1), FL(DF), ANS(0xaa, 0xbb));
COMPARE(l_rep_movsq_to_mmio, LONG, "rep movsq", RCX(2), RSI(RAM_BUF),
	RDI(M(0x100)));
COMPARE(l_addr32_rep_stosb, LONG, "addr32 rep stosb",
	RCX(0xffffffff00000002), RDI(0xabcdef0000000000 | M(0x100)));
COMPARE(l_addr32_movsl, LONG, "addr32 movsl",
	RSI(0x7700000000000000 | RAM_BUF), RDI(0x5500000000000000 | M(0x100)));
COMPARE(l_fs_movsb, LONG, "fs movsb", RSI(0x100), RDI(RAM_BUF), ANS(0x64));
COMPARE(l_movsl_mmio_mmio, LONG, "movsl", RSI(M(0x100)), RDI(M(0x200)),
	ANS(0x0badcafe));
COMPARE(l_rep_movsw_mmio_mmio, LONG, "rep movsw", RCX(2), RSI(M(0x100)),
	RDI(M(0x200)), ANS(0x1111, 0x2222));
COMPARE(l_repne_stosb, LONG, "/* repne stosb */ .byte 0xf2, 0xaa",
	RDI(M(0x100)), RCX(2));
/* Odd prefixes: two segment overrides (the last counts), REX.B unused. */
COMPARE(l_two_seg_prefixes, LONG, ".byte 0x64, 0x65, 0x89, 0x03", RBX(0x100));
COMPARE(l_rexb_sib_abs, LONG,
	"/* mov 0x80100, %eax (SIB, REX.B) */ .byte 0x41, 0x8b, 0x04, 0x25\n"
	".long 0x80100", ANS(0x41414141));
COMPARE(l_rexb_riprel, LONG,
	"/* mov rel(%rip), %eax (REX.B) */ .byte 0x41, 0x8b, 0x05\n"
	RIPDISP(l_rexb_riprel, "0x80140") "1:", ANS(0x51515151));
COMPARE(l_addr32_fs, LONG, "addr32 mov %eax, %fs:(%ebx)",
	RBX(0xffffffff00000100));
/* A read-only memslot: reads come from its memory, writes exit. */
COMPARE(l_rom_mov, LONG, "mov %eax, (%rbx)", RBX(ROM_BUF));
COMPARE(l_rom_add, LONG, "addl $1, 4(%rbx)", RBX(ROM_BUF));
COMPARE(l_rom_xchg, LONG, "xchg %rcx, 8(%rbx)", RBX(ROM_BUF));
COMPARE(l_rom_btc, LONG, "btcl %edx, (%rbx)", RBX(ROM_BUF), RDX(37));
COMPARE(l_rom_rep_stosq, LONG, "rep stosq", RDI(ROM_BUF), RCX(2));
COMPARE(l_rom_movsb_to_mmio, LONG, "movsb", RSI(ROM_BUF), RDI(M(0x100)));
COMPARE(l_rom_movsw_from_ram, LONG, "movsw", RSI(RAM_BUF), RDI(ROM_BUF));
/* The write after an MMIO read faults: #PF (not present), #GP. */
COMPARE(l_movsb_pf_after_read, LONG, "movsb", RSI(M(0x100)),
	RDI(HIGH_GVA + 0x2010), SETUP(HIGH_MAP), ANS(0x9f));
COMPARE(l_rep_movsl_pf_midway, LONG, "rep movsl", RCX(3),
	RSI(M(0x100)), RDI(HIGH_GVA + 0x1ffc), SETUP(HIGH_MAP));
COMPARE(l_movsb_gp_noncanonical, LONG, "movsb", RSI(M(0x100)),
	RDI(0x8000000000000000), ANS(0x47));
/* An instruction across a page boundary: fetched in two pieces. */
COMPARE(l_insn_across_pages, LONG,
	".fill 4094, 1, 0x90\nmovl $0x55667788, 0x80100");
/* Guest-virtual is not guest-physical: the emulator walks the tables. */
COMPARE(l_alias_mov, LONG, "mov %eax, 0x104(%rbx)", RBX(HIGH_GVA),
	SETUP(HIGH_MAP));
COMPARE(l_alias_rep_movsl, LONG, "rep movsl", RCX(2),
	RSI(HIGH_GVA + 0x1100), RDI(HIGH_GVA + 0x200), SETUP(HIGH_MAP));
COMPARE(l_alias_movsq, LONG, "movsq", RSI(HIGH_GVA + 0x300),
	RDI(HIGH_GVA + 0x1100), SETUP(HIGH_MAP), ANS(0x0706050403020100));
/* The ALU operations; high-byte and REX registers. */
/*
 * The eight ALU operations come in six forms in long mode: byte register
 * to memory (00), memory to a 32-bit register with upper bits set (03),
 * REX.W 83 with a sign-extended imm8, 66 81 imm16, 80 imm8 and 81 imm32;
 * in three forms each in 32-bit and in real mode. The values carry and
 * overflow, and CF is preset clear in some forms, set in others.
 */
COMPARE(l_add_mb, LONG, "addb %cl, (%rbx)", RBX(M(0x100)), RCX(0x80), ANS(0x81));
COMPARE(l_or_mb, LONG, "orb %cl, (%rbx)", RBX(M(0x100)), RCX(0x80), ANS(0x81));
COMPARE(l_adc_mb, LONG, "adcb %cl, (%rbx)", RBX(M(0x100)), RCX(0x80), ANS(0x81));
COMPARE(l_sbb_mb, LONG, "sbbb %cl, (%rbx)", RBX(M(0x100)), RCX(0x80), ANS(0x81));
COMPARE(l_and_mb, LONG, "andb %cl, (%rbx)", RBX(M(0x100)), RCX(0x80), ANS(0x81));
COMPARE(l_sub_mb, LONG, "subb %cl, (%rbx)", RBX(M(0x100)), RCX(0x80), ANS(0x81));
COMPARE(l_xor_mb, LONG, "xorb %cl, (%rbx)", RBX(M(0x100)), RCX(0x80), ANS(0x81));
COMPARE(l_cmp_mb, LONG, "cmpb %cl, (%rbx)", RBX(M(0x100)), RCX(0x80), ANS(0x81));
COMPARE(l_add_rl, LONG, "addl 4(%rbx), %edx",
	RBX(M(0x100)), RDX(0x1234567800000001), ANS(0x7fffffff), FL(CF));
COMPARE(l_or_rl, LONG, "orl 4(%rbx), %edx",
	RBX(M(0x100)), RDX(0x1234567800000001), ANS(0x7fffffff), FL(CF));
COMPARE(l_adc_rl, LONG, "adcl 4(%rbx), %edx",
	RBX(M(0x100)), RDX(0x1234567800000001), ANS(0x7fffffff), FL(CF));
COMPARE(l_sbb_rl, LONG, "sbbl 4(%rbx), %edx",
	RBX(M(0x100)), RDX(0x1234567800000001), ANS(0x7fffffff), FL(CF));
COMPARE(l_and_rl, LONG, "andl 4(%rbx), %edx",
	RBX(M(0x100)), RDX(0x1234567800000001), ANS(0x7fffffff), FL(CF));
COMPARE(l_sub_rl, LONG, "subl 4(%rbx), %edx",
	RBX(M(0x100)), RDX(0x1234567800000001), ANS(0x7fffffff), FL(CF));
COMPARE(l_xor_rl, LONG, "xorl 4(%rbx), %edx",
	RBX(M(0x100)), RDX(0x1234567800000001), ANS(0x7fffffff), FL(CF));
COMPARE(l_cmp_rl, LONG, "cmpl 4(%rbx), %edx",
	RBX(M(0x100)), RDX(0x1234567800000001), ANS(0x7fffffff), FL(CF));
COMPARE(l_add_iq, LONG, "addq $-1, 8(%rbx)",
	RBX(M(0x100)), ANS(0x8000000000000000));
COMPARE(l_or_iq, LONG, "orq $-1, 8(%rbx)",
	RBX(M(0x100)), ANS(0x8000000000000000));
COMPARE(l_adc_iq, LONG, "adcq $-1, 8(%rbx)",
	RBX(M(0x100)), ANS(0x8000000000000000));
COMPARE(l_sbb_iq, LONG, "sbbq $-1, 8(%rbx)",
	RBX(M(0x100)), ANS(0x8000000000000000));
COMPARE(l_and_iq, LONG, "andq $-1, 8(%rbx)",
	RBX(M(0x100)), ANS(0x8000000000000000));
COMPARE(l_sub_iq, LONG, "subq $-1, 8(%rbx)",
	RBX(M(0x100)), ANS(0x8000000000000000));
COMPARE(l_xor_iq, LONG, "xorq $-1, 8(%rbx)",
	RBX(M(0x100)), ANS(0x8000000000000000));
COMPARE(l_cmp_iq, LONG, "cmpq $-1, 8(%rbx)",
	RBX(M(0x100)), ANS(0x8000000000000000));
COMPARE(l_add_iw, LONG, "addw $0x8000, 2(%rbx)",
	RBX(M(0x100)), ANS(0x8000), FL(CF));
COMPARE(l_or_iw, LONG, "orw $0x8000, 2(%rbx)",
	RBX(M(0x100)), ANS(0x8000), FL(CF));
COMPARE(l_adc_iw, LONG, "adcw $0x8000, 2(%rbx)",
	RBX(M(0x100)), ANS(0x8000), FL(CF));
COMPARE(l_sbb_iw, LONG, "sbbw $0x8000, 2(%rbx)",
	RBX(M(0x100)), ANS(0x8000), FL(CF));
COMPARE(l_and_iw, LONG, "andw $0x8000, 2(%rbx)",
	RBX(M(0x100)), ANS(0x8000), FL(CF));
COMPARE(l_sub_iw, LONG, "subw $0x8000, 2(%rbx)",
	RBX(M(0x100)), ANS(0x8000), FL(CF));
COMPARE(l_xor_iw, LONG, "xorw $0x8000, 2(%rbx)",
	RBX(M(0x100)), ANS(0x8000), FL(CF));
COMPARE(l_cmp_iw, LONG, "cmpw $0x8000, 2(%rbx)",
	RBX(M(0x100)), ANS(0x8000), FL(CF));
COMPARE(l_add_ib, LONG, "addb $0x7f, (%rbx)", RBX(M(0x101)), ANS(0x01), FL(CF));
COMPARE(l_or_ib, LONG, "orb $0x7f, (%rbx)", RBX(M(0x101)), ANS(0x01), FL(CF));
COMPARE(l_adc_ib, LONG, "adcb $0x7f, (%rbx)", RBX(M(0x101)), ANS(0x01), FL(CF));
COMPARE(l_sbb_ib, LONG, "sbbb $0x7f, (%rbx)", RBX(M(0x101)), ANS(0x01), FL(CF));
COMPARE(l_and_ib, LONG, "andb $0x7f, (%rbx)", RBX(M(0x101)), ANS(0x01), FL(CF));
COMPARE(l_sub_ib, LONG, "subb $0x7f, (%rbx)", RBX(M(0x101)), ANS(0x01), FL(CF));
COMPARE(l_xor_ib, LONG, "xorb $0x7f, (%rbx)", RBX(M(0x101)), ANS(0x01), FL(CF));
COMPARE(l_cmp_ib, LONG, "cmpb $0x7f, (%rbx)", RBX(M(0x101)), ANS(0x01), FL(CF));
COMPARE(l_add_il, LONG, "addl $0x80000001, 4(%rbx)",
	RBX(M(0x100)), ANS(0x80000000));
COMPARE(l_or_il, LONG, "orl $0x80000001, 4(%rbx)",
	RBX(M(0x100)), ANS(0x80000000));
COMPARE(l_adc_il, LONG, "adcl $0x80000001, 4(%rbx)",
	RBX(M(0x100)), ANS(0x80000000));
COMPARE(l_sbb_il, LONG, "sbbl $0x80000001, 4(%rbx)",
	RBX(M(0x100)), ANS(0x80000000));
COMPARE(l_and_il, LONG, "andl $0x80000001, 4(%rbx)",
	RBX(M(0x100)), ANS(0x80000000));
COMPARE(l_sub_il, LONG, "subl $0x80000001, 4(%rbx)",
	RBX(M(0x100)), ANS(0x80000000));
COMPARE(l_xor_il, LONG, "xorl $0x80000001, 4(%rbx)",
	RBX(M(0x100)), ANS(0x80000000));
COMPARE(l_cmp_il, LONG, "cmpl $0x80000001, 4(%rbx)",
	RBX(M(0x100)), ANS(0x80000000));
COMPARE(l_add_ah_m, LONG, "addb %ah, (%rbx)", RBX(M(0x100)), RAX(0x8000),
	ANS(0x80));
COMPARE(l_sub_m_bh_base, LONG, "subb (%rbx), %bh", RBX(M(0x100)), ANS(0x02));
COMPARE(l_xor_m_r14, LONG, "xorq (%rbx), %r14", RBX(M(0x100)),
	ANS(0xffffffff00000000));
COMPARE(l_or_r9w_m, LONG, "orw %r9w, (%r11)", R11(M(0x100)), R9(0x8001),
	ANS(0x0000));
COMPARE(l_and_sil_m, LONG, "andb %sil, (%rbx)", RBX(M(0x100)), RSI(0x3c),
	ANS(0xc3));
COMPARE(l_cmp_dh_m, LONG, "cmpb %dh, (%rbx)", RBX(M(0x100)), RDX(0x8000),
	ANS(0x7f));
COMPARE(l_adc_r8d_sib, LONG, "adcl %r8d, 0x10(%rbx,%r12,4)",
	RBX(M(0x100)), R12(4), R8(0xffffffff), ANS(0), FL(CF));
COMPARE(l_sbb_m_r10, LONG, "sbbq (%rbx), %r10", RBX(M(0x100)), R10(5),
	ANS(5), FL(CF));
COMPARE(l_sub_fs_imm8, LONG, "subl $1, %fs:0x20(%rbx)", RBX(0x100),
	ANS(0));
COMPARE(l_lock_add, LONG, "lock addl %ecx, (%rbx)", RBX(M(0x100)),
	RCX(0x7fffffff), ANS(1));
/* TEST 84/85/F6/F7; CF and OF preset, which TEST clears. */
COMPARE(l_test_b, LONG, "testb %dl, (%rbx)", RBX(M(0x100)), RDX(0x80),
	ANS(0x81), FL(CF | OF));
COMPARE(l_test_q, LONG, "testq %rsi, (%rbx)", RBX(M(0x100)),
	RSI(0x00ff00ff00ff00ff), ANS(0xff00ff00ff00ff00), FL(CF));
COMPARE(l_test_ib, LONG, "testb $0x80, (%rbx)", RBX(M(0x100)), ANS(0x80));
COMPARE(l_test_il, LONG, "testl $0x80000000, (%rbx)", RBX(M(0x100)),
	ANS(0xc0000000), FL(OF));
COMPARE(l_test_iw, LONG, "testw $1, (%rbx)", RBX(M(0x100)), ANS(0xfffe));
COMPARE(l_test_iq, LONG, "testq $-1, (%rbx)", RBX(M(0x100)),
	ANS(0x8000000000000000));
/* INC, DEC (CF kept), NOT (no flags), NEG. */
COMPARE(l_inc_b, LONG, "incb (%rbx)", RBX(M(0x100)), ANS(0x7f), FL(CF));
COMPARE(l_inc_l, LONG, "incl (%rbx)", RBX(M(0x100)), ANS(0xffffffff));
COMPARE(l_dec_w, LONG, "decw (%rbx)", RBX(M(0x100)), ANS(0x8000));
COMPARE(l_dec_q, LONG, "decq (%rbx)", RBX(M(0x100)), ANS(1), FL(CF));
COMPARE(l_not_b, LONG, "notb (%rbx)", RBX(M(0x100)), ANS(0x5a),
	FL(CF | ZF | OF));
COMPARE(l_not_q, LONG, "notq (%r9)", R9(M(0x100)), ANS(0x0123456789abcdef));
COMPARE(l_neg_b, LONG, "negb (%rbx)", RBX(M(0x100)), ANS(0x80));
COMPARE(l_neg_l, LONG, "negl (%rbx)", RBX(M(0x100)), ANS(0), FL(CF));
COMPARE(l_neg_q, LONG, "negq 8(%rbx)", RBX(M(0x100)), ANS(5));
COMPARE(l_neg_w_gs, LONG, "negw %gs:(%rbx)", RBX(0x100), ANS(0x8000));
/* XCHG 86/87. */
COMPARE(l_xchg_al, LONG, "xchg %al, (%rbx)", RBX(M(0x100)), ANS(0x11));
COMPARE(l_xchg_ah, LONG, "xchg %ah, (%rbx)", RBX(M(0x100)), ANS(0x22));
COMPARE(l_xchg_ecx, LONG, "xchg %ecx, (%rbx)", RBX(M(0x100)),
	ANS(0x33333333));
COMPARE(l_xchg_r8, LONG, "xchg %r8, (%rbx)", RBX(M(0x100)),
	ANS(0x4444444444444444));
COMPARE(l_xchg_r10w, LONG, "xchg %r10w, (%rbx)", RBX(M(0x100)),
	ANS(0x5555));
COMPARE(l_xchg_dil, LONG, "xchg %dil, (%rbx)", RBX(M(0x100)), ANS(0x66));
/* BT, BTS, BTR, BTC: register offsets beyond the operand. */
COMPARE(l_bt_l_far, LONG, "btl %ecx, (%rbx)", RBX(M(0x100)), RCX(35),
	ANS(0x08));
COMPARE(l_bt_q_neg, LONG, "btq %rcx, (%rbx)", RBX(M(0x108)), RCX(-1ULL),
	ANS(0x8000000000000000));
COMPARE(l_bt_w_far, LONG, "btw %cx, (%rbx)", RBX(M(0x100)), RCX(33),
	ANS(0x0002));
COMPARE(l_bt_w_neg, LONG, "btw %cx, (%rbx)", RBX(M(0x102)), RCX(0xffff),
	ANS(0x7fff), FL(CF));
COMPARE(l_bt_imm, LONG, "btl $33, (%rbx)", RBX(M(0x100)), ANS(0x2));
COMPARE(l_bts_reg, LONG, "btsl %eax, (%rbx)", RBX(M(0x100)), RAX(5),
	ANS(0));
COMPARE(l_btr_imm, LONG, "btrq $63, (%rbx)", RBX(M(0x100)),
	ANS(0x8000000000000001));
COMPARE(l_btc_imm, LONG, "btcw $15, (%rbx)", RBX(M(0x100)), ANS(0x1234));
COMPARE(l_btc_reg_far, LONG, "btcq %rdx, (%rbx)", RBX(M(0x100)), RDX(66),
	ANS(0xff));
COMPARE(l_btr_reg_neg, LONG, "btrl %r9d, (%r8)", R8(M(0x104)),
	R9(0xffffffe0), ANS(0xffffffff));

/* MOV, every size, high bytes, SIB, ESP/EBP (SS), moffs. */
COMPARE(p_mov_st8, PM32, "mov %al, (%ebx)", RBX(0x100));
COMPARE(p_mov_st16, PM32, "mov %ax, 2(%ebx)", RBX(0x100));
COMPARE(p_mov_st32, PM32, "mov %eax, 4(%ebx)", RBX(0x100));
COMPARE(p_mov_ld8, PM32, "mov (%ebx), %cl", RBX(0x100), ANS(0x9a));
COMPARE(p_mov_ld16, PM32, "mov (%ebx), %cx", RBX(0x100), ANS(0x9abc));
COMPARE(p_mov_ld32, PM32, "mov 4(%ebx), %ecx", RBX(0x100), ANS(0x89abcdef));
COMPARE(p_mov_ld_ah, PM32, "mov (%esi), %ah", RSI(0x100), ANS(0xa4));
COMPARE(p_mov_st_dh, PM32, "mov %dh, (%edi)", RDI(0x100));
COMPARE(p_mov_sib, PM32, "mov %edx, 0x20(%ebx,%ecx,8)", RBX(0x100),
	RCX(3));
COMPARE(p_mov_sib_nobase, PM32, "mov 0x100(,%esi,4), %eax", RSI(0x10),
	ANS(0x1e1e1e1e));
COMPARE(p_mov_esp, PM32, "mov %eax, 0x8200(%esp)");
COMPARE(p_mov_ebp, PM32, "mov 0x8100(%ebp), %ecx", RBP(0x10),
	ANS(0xebebebeb));
COMPARE(p_mov_ebp_ds, PM32, "mov %ds:0x8100(%ebp), %ecx", RBP(0x10),
	ANS(0xdededede));
COMPARE(p_mov_esp_sib, PM32, "mov (%esp,%ecx,1), %dl", RCX(0x8800),
	ANS(0x55));
COMPARE(p_mov_abs, PM32, "mov %ecx, 0x100");
COMPARE(p_moffs_ld8, PM32, "mov 0x101, %al", ANS(0xa0));
COMPARE(p_moffs_ld16, PM32, "mov 0x102, %ax", ANS(0xa1a1));
COMPARE(p_moffs_st8, PM32, "mov %al, 0x103");
COMPARE(p_moffs_st32, PM32, "mov %eax, 0x104");
COMPARE(p_moffs_es, PM32, "mov %es:0x108, %eax", ANS(0x26a1a1a1));
COMPARE(p_moffs_addr16, PM32, ".byte 0x67, 0xa1, 0x06, 0x01",
	ANS(0x67a16701));
/* Segment overrides, 67 (16-bit addressing), 66. */
COMPARE(p_es_st, PM32, "mov %eax, %es:(%ebx)", RBX(0x100));
COMPARE(p_fs_ld, PM32, "mov %fs:(%ebx), %eax", RBX(0x100), ANS(0xf5f5f5f5));
COMPARE(p_gs_movi8, PM32, "movb $0x11, %gs:0x10(%ebx)", RBX(0x100));
COMPARE(p_ss_st, PM32, "mov %eax, %ss:0x8000(%ebx)", RBX(0x100));
COMPARE(p_cs_ld, PM32, "mov %cs:(%ebx), %eax", RBX(M(0x100)),
	ANS(0xc5c5c5c5));
COMPARE(p_addr16_bxsi, PM32, "mov %eax, 0x10(%bx,%si)", RBX(0x12340100),
	RSI(0x20));
COMPARE(p_addr16_bpdi, PM32, "mov (%bp,%di), %eax", RBP(0x8000),
	RDI(0x100), ANS(0xb0d1b0d1));
COMPARE(p_addr16_wrap, PM32, "mov %ax, (%bx,%si)", RBX(0xff00),
	RSI(0x200));
COMPARE(p_addr16_disp16, PM32, ".byte 0x67, 0x8b, 0x0e, 0x20, 0x01",
	ANS(0x0d160d16));
COMPARE(p_addr16_si_fs, PM32, "mov %fs:2(%si), %dl", RSI(0xffff0100),
	ANS(0x77));
COMPARE(p_movi16, PM32, "movw $0x1234, (%ebx)", RBX(0x100));
COMPARE(p_movi32, PM32, "movl $0xcafebabe, 8(%ebx)", RBX(0x100));
COMPARE(p_alias_82, PM32, ".byte 0x82, 0x03, 0x7f", RBX(0x100), ANS(1));
COMPARE(p_movzbl, PM32, "movzbl (%ebx), %eax", RBX(0x100), ANS(0x80));
COMPARE(p_movswl, PM32, "movswl (%ebx), %ecx", RBX(0x100), ANS(0x8080));
COMPARE(p_movsbw, PM32, "movsbw (%ebx), %dx", RBX(0x100), ANS(0xfe));
COMPARE(p_movzwl_es, PM32, "movzwl %es:(%ebx), %esi", RBX(0x100),
	ANS(0xffff));
/* String moves: ES:EDI destination, DS or an override source. */
COMPARE(p_stosb, PM32, "stosb", RDI(0x100));
COMPARE(p_rep_stosw_df, PM32, "rep stosw", RDI(0x104), RCX(3), FL(DF));
COMPARE(p_movsb_from_mmio, PM32, "movsb", RSI(0x100), RDI(0x100),
	SETUP(ES_RAM), ANS(0x5b));
COMPARE(p_rep_movsl_to_mmio, PM32, "rep movsl", RSI(0x100), RDI(0x100),
	RCX(2), SETUP(DS_RAM));
COMPARE(p_addr16_rep_stosb, PM32, "addr16 rep stosb", RCX(0xabcd0002),
	RDI(0x55550100));
COMPARE(p_es_linear_wrap, PM32, "mov %eax, %es:(%ebx)", RBX(0xfffe0100));
COMPARE(p_addr16_rep_stosb_wrap, PM32, "addr16 rep stosb", RCX(3),
	RDI(0x12340001), FL(DF));
COMPARE(p_rep_movsb_mmio_mmio, PM32, "rep movsb", RCX(2), RSI(0x101),
	RDI(0x201), FL(DF), ANS(0x31, 0x32));
COMPARE(p_gs_movsw, PM32, "gs movsw", RSI(0x100), RDI(0x100),
	SETUP(ES_RAM), ANS(0x6565));
/* ALU, TEST, INC/DEC/NOT/NEG, XCHG, BT. */
/* The eight ALU operations in three forms. */
COMPARE(p_add_ml, PM32, "addl %ecx, (%ebx)",
	RBX(0x100), RCX(0x80000000), ANS(0x80000000), FL(CF));
COMPARE(p_or_ml, PM32, "orl %ecx, (%ebx)",
	RBX(0x100), RCX(0x80000000), ANS(0x80000000), FL(CF));
COMPARE(p_adc_ml, PM32, "adcl %ecx, (%ebx)",
	RBX(0x100), RCX(0x80000000), ANS(0x80000000), FL(CF));
COMPARE(p_sbb_ml, PM32, "sbbl %ecx, (%ebx)",
	RBX(0x100), RCX(0x80000000), ANS(0x80000000), FL(CF));
COMPARE(p_and_ml, PM32, "andl %ecx, (%ebx)",
	RBX(0x100), RCX(0x80000000), ANS(0x80000000), FL(CF));
COMPARE(p_sub_ml, PM32, "subl %ecx, (%ebx)",
	RBX(0x100), RCX(0x80000000), ANS(0x80000000), FL(CF));
COMPARE(p_xor_ml, PM32, "xorl %ecx, (%ebx)",
	RBX(0x100), RCX(0x80000000), ANS(0x80000000), FL(CF));
COMPARE(p_cmp_ml, PM32, "cmpl %ecx, (%ebx)",
	RBX(0x100), RCX(0x80000000), ANS(0x80000000), FL(CF));
COMPARE(p_add_rh, PM32, "addb 1(%ebx), %ah", RBX(0x100), RAX(0x1ff), ANS(0x7f));
COMPARE(p_or_rh, PM32, "orb 1(%ebx), %ah", RBX(0x100), RAX(0x1ff), ANS(0x7f));
COMPARE(p_adc_rh, PM32, "adcb 1(%ebx), %ah", RBX(0x100), RAX(0x1ff), ANS(0x7f));
COMPARE(p_sbb_rh, PM32, "sbbb 1(%ebx), %ah", RBX(0x100), RAX(0x1ff), ANS(0x7f));
COMPARE(p_and_rh, PM32, "andb 1(%ebx), %ah", RBX(0x100), RAX(0x1ff), ANS(0x7f));
COMPARE(p_sub_rh, PM32, "subb 1(%ebx), %ah", RBX(0x100), RAX(0x1ff), ANS(0x7f));
COMPARE(p_xor_rh, PM32, "xorb 1(%ebx), %ah", RBX(0x100), RAX(0x1ff), ANS(0x7f));
COMPARE(p_cmp_rh, PM32, "cmpb 1(%ebx), %ah", RBX(0x100), RAX(0x1ff), ANS(0x7f));
COMPARE(p_add_iw, PM32, "addw $-2, 2(%ebx)", RBX(0x100), ANS(0x0001), FL(CF));
COMPARE(p_or_iw, PM32, "orw $-2, 2(%ebx)", RBX(0x100), ANS(0x0001), FL(CF));
COMPARE(p_adc_iw, PM32, "adcw $-2, 2(%ebx)", RBX(0x100), ANS(0x0001), FL(CF));
COMPARE(p_sbb_iw, PM32, "sbbw $-2, 2(%ebx)", RBX(0x100), ANS(0x0001), FL(CF));
COMPARE(p_and_iw, PM32, "andw $-2, 2(%ebx)", RBX(0x100), ANS(0x0001), FL(CF));
COMPARE(p_sub_iw, PM32, "subw $-2, 2(%ebx)", RBX(0x100), ANS(0x0001), FL(CF));
COMPARE(p_xor_iw, PM32, "xorw $-2, 2(%ebx)", RBX(0x100), ANS(0x0001), FL(CF));
COMPARE(p_cmp_iw, PM32, "cmpw $-2, 2(%ebx)", RBX(0x100), ANS(0x0001), FL(CF));
COMPARE(p_test_b, PM32, "testb %bh, (%esi)", RSI(0x100), RBX(0x8000),
	ANS(0x80), FL(CF | OF));
COMPARE(p_test_iw, PM32, "testw $0x8000, (%esi)", RSI(0x100), ANS(0x7fff));
COMPARE(p_inc_w, PM32, "incw (%ebx)", RBX(0x100), ANS(0x7fff), FL(CF));
COMPARE(p_dec_b, PM32, "decb %es:(%ebx)", RBX(0x100), ANS(0x80));
COMPARE(p_not_l, PM32, "notl (%ebx)", RBX(0x100), ANS(0xf0f0f0f0));
COMPARE(p_neg_b, PM32, "negb 1(%ebx)", RBX(0x100), ANS(0x01));
COMPARE(p_xchg_bh, PM32, "xchg %bh, (%esi)", RSI(0x100), ANS(0x99));
COMPARE(p_xchg_w, PM32, "xchg %dx, (%esi)", RSI(0x100), ANS(0x8888));
COMPARE(p_bt_reg_neg, PM32, "btl %ecx, (%ebx)", RBX(0x104), RCX(-5),
	ANS(0x08000000));
COMPARE(p_bts_imm_w, PM32, "btsw $3, (%ebx)", RBX(0x100), ANS(0x8));
COMPARE(p_btr_es, PM32, "btrl %eax, %es:(%ebx)", RBX(0x100), RAX(40),
	ANS(0x00000100));
/* The same in the paging modes: the emulator walks the tables. */
COMPARE(g_mov_st32, PAGING32, "mov %eax, 4(%ebx)", RBX(0x100));
COMPARE(g_add_ld, PAGING32, "add (%ebx), %ecx", RBX(0x100), ANS(0x1));
COMPARE(a_mov_st32, PAE, "mov %eax, 4(%ebx)", RBX(0x100));
COMPARE(a_xchg, PAE, "xchg %ecx, %fs:(%ebx)", RBX(0x100), ANS(0x12));
COMPARE(g_alias_xchg, PAGING32, "xchg %ecx, (%ebx)",
	RBX(HIGH_GVA + 0x100 - DS_BASE), SETUP(HIGH_MAP), ANS(0x77));
COMPARE(a_alias_add, PAE, "add %ecx, %fs:(%ebx)",
	RBX(HIGH_GVA + 0x100 - FS_BASE), SETUP(HIGH_MAP), ANS(0x88));
COMPARE(a_alias_movsl, PAE, "movsl", RSI(HIGH_GVA + 0x1100 - DS_BASE),
	RDI(HIGH_GVA + 0x200 - ES_BASE), SETUP(HIGH_MAP));
COMPARE(g_rom_inc, PAGING32, "incl (%ebx)", RBX(0x100), SETUP(DS_ROM));

/* MOV: 16-bit addressing forms, 66, 67, moffs, overrides. */
COMPARE(r_mov_st8, REAL, "mov %al, (%bx)", RBX(0x100));
COMPARE(r_mov_st16, REAL, "mov %ax, 2(%bx)", RBX(0x100));
COMPARE(r_mov_st32, REAL, "mov %eax, 4(%bx)", RBX(0x100));
COMPARE(r_mov_ld16, REAL, "mov (%si), %cx", RSI(0x100), ANS(0xc1c1));
COMPARE(r_mov_ld32, REAL, "mov 8(%di), %edx", RDI(0x100), ANS(0xd1d1d1d1));
COMPARE(r_mov_ld8_bh, REAL, "mov (%bx,%si), %bh", RBX(0x100), RSI(4),
	ANS(0xb7));
COMPARE(r_mov_st_ch, REAL, "mov %ch, 1(%di)", RDI(0x100));
COMPARE(r_mov_bp, REAL, "mov %ax, (%bp)", RBP(0x8100));
COMPARE(r_mov_bpsi, REAL, "mov 0x10(%bp,%si), %eax", RBP(0x8100), RSI(2),
	ANS(0xb5b5b5b5));
COMPARE(r_mov_bpdi_ds, REAL, "mov %ds:(%bp,%di), %cl", RBP(0x80),
	RDI(0x80), ANS(0xd5));
COMPARE(r_mov_disp16, REAL, "mov %cx, 0x140");
COMPARE(r_mov_wrap, REAL, "mov %ax, (%bx,%di)", RBX(0xff00), RDI(0x200));
COMPARE(r_mov_disp_wrap, REAL, "mov -2(%si), %al", RSI(0x1), ANS(0xfe));
COMPARE(r_moffs_ld8, REAL, "mov 0x101, %al", ANS(0xa0));
COMPARE(r_moffs_st16, REAL, "mov %ax, 0x102");
COMPARE(r_moffs_ld32, REAL, "mov 0x104, %eax", ANS(0xa1a1a1a1));
COMPARE(r_moffs_fs, REAL, "mov %al, %fs:0x108");
COMPARE(r_moffs_addr32, REAL, ".byte 0x67, 0xa0\n.long 0x110", ANS(0x67));
COMPARE(r_es_st, REAL, "mov %ax, %es:(%bx)", RBX(0x100));
COMPARE(r_gs_ld, REAL, "mov %gs:2(%si), %eax", RSI(0x100),
	ANS(0x65656565));
COMPARE(r_ss_moffs, REAL, "mov %ss:0x8100, %ax", ANS(0x3636));
COMPARE(r_addr32, REAL, "addr32 mov %eax, (%ebx)", RBX(0x100));
COMPARE(r_addr32_sib, REAL, "addr32 mov 0x10(%ebx,%esi,4), %cx",
	RBX(0x100), RSI(2), ANS(0x5151));
COMPARE(r_addr32_ebp, REAL, "addr32 mov (%ebp), %eax", RBP(0x8100),
	ANS(0xeb0eb0eb));
COMPARE(r_movi8, REAL, "movb $0x5a, (%bx)", RBX(0x100));
COMPARE(r_movi32, REAL, "movl $0x11223344, 4(%bx)", RBX(0x100));
COMPARE(r_movzbw, REAL, "movzbw (%bx), %ax", RBX(0x100), ANS(0x80));
COMPARE(r_movsbl, REAL, "movsbl (%bx), %eax", RBX(0x100), ANS(0x80));
COMPARE(r_movzwl, REAL, "movzwl (%bx), %edx", RBX(0x100), ANS(0x8765));
/* String moves. */
COMPARE(r_stosb, REAL, "stosb", RDI(0x100));
COMPARE(r_rep_stosw_df, REAL, "rep stosw", RDI(0x104), RCX(3), FL(DF));
COMPARE(r_rep_movsb_from_mmio, REAL, "rep movsb", RSI(0x100), RDI(0x100),
	RCX(2), SETUP(ES_RAM), ANS(0x1a, 0x2b));
COMPARE(r_movsw_to_mmio, REAL, "movsw", RSI(0x100), RDI(0x100),
	SETUP(DS_RAM));
COMPARE(r_addr32_rep_stosl, REAL, "addr32 rep stosl", RCX(2),
	RDI(0x100));
COMPARE(r_cs_movsb, REAL, "cs movsb", RSI(0x0), RDI(0x100));
COMPARE(r_insn_across_pages, REAL, ".fill 4093, 1, 0x90\nmovl $0x1234, 4(%bx)",
	RBX(0x100));
COMPARE(r_rom_mov, REAL, "mov %ax, 2(%bx)", RBX(0x100), SETUP(DS_ROM));
COMPARE(r_rom_sub, REAL, "subb %cl, 1(%bx)", RBX(0x100), SETUP(DS_ROM));
/* ALU, TEST, INC/DEC/NOT/NEG, XCHG, BT. */
/* The eight ALU operations in three forms. */
COMPARE(r_add_mw, REAL, "addw %cx, (%bx)", RBX(0x100), RCX(0x7fff), ANS(0x0001));
COMPARE(r_or_mw, REAL, "orw %cx, (%bx)", RBX(0x100), RCX(0x7fff), ANS(0x0001));
COMPARE(r_adc_mw, REAL, "adcw %cx, (%bx)", RBX(0x100), RCX(0x7fff), ANS(0x0001));
COMPARE(r_sbb_mw, REAL, "sbbw %cx, (%bx)", RBX(0x100), RCX(0x7fff), ANS(0x0001));
COMPARE(r_and_mw, REAL, "andw %cx, (%bx)", RBX(0x100), RCX(0x7fff), ANS(0x0001));
COMPARE(r_sub_mw, REAL, "subw %cx, (%bx)", RBX(0x100), RCX(0x7fff), ANS(0x0001));
COMPARE(r_xor_mw, REAL, "xorw %cx, (%bx)", RBX(0x100), RCX(0x7fff), ANS(0x0001));
COMPARE(r_cmp_mw, REAL, "cmpw %cx, (%bx)", RBX(0x100), RCX(0x7fff), ANS(0x0001));
COMPARE(r_add_rb, REAL, "addb (%si), %dl",
	RSI(0x101), RDX(0x1234ff00), ANS(0x01), FL(CF));
COMPARE(r_or_rb, REAL, "orb (%si), %dl",
	RSI(0x101), RDX(0x1234ff00), ANS(0x01), FL(CF));
COMPARE(r_adc_rb, REAL, "adcb (%si), %dl",
	RSI(0x101), RDX(0x1234ff00), ANS(0x01), FL(CF));
COMPARE(r_sbb_rb, REAL, "sbbb (%si), %dl",
	RSI(0x101), RDX(0x1234ff00), ANS(0x01), FL(CF));
COMPARE(r_and_rb, REAL, "andb (%si), %dl",
	RSI(0x101), RDX(0x1234ff00), ANS(0x01), FL(CF));
COMPARE(r_sub_rb, REAL, "subb (%si), %dl",
	RSI(0x101), RDX(0x1234ff00), ANS(0x01), FL(CF));
COMPARE(r_xor_rb, REAL, "xorb (%si), %dl",
	RSI(0x101), RDX(0x1234ff00), ANS(0x01), FL(CF));
COMPARE(r_cmp_rb, REAL, "cmpb (%si), %dl",
	RSI(0x101), RDX(0x1234ff00), ANS(0x01), FL(CF));
COMPARE(r_add_il, REAL, "addl $0x7f, 4(%bx)",
	RBX(0x100), ANS(0xffffff81), FL(CF));
COMPARE(r_or_il, REAL, "orl $0x7f, 4(%bx)", RBX(0x100), ANS(0xffffff81), FL(CF));
COMPARE(r_adc_il, REAL, "adcl $0x7f, 4(%bx)",
	RBX(0x100), ANS(0xffffff81), FL(CF));
COMPARE(r_sbb_il, REAL, "sbbl $0x7f, 4(%bx)",
	RBX(0x100), ANS(0xffffff81), FL(CF));
COMPARE(r_and_il, REAL, "andl $0x7f, 4(%bx)",
	RBX(0x100), ANS(0xffffff81), FL(CF));
COMPARE(r_sub_il, REAL, "subl $0x7f, 4(%bx)",
	RBX(0x100), ANS(0xffffff81), FL(CF));
COMPARE(r_xor_il, REAL, "xorl $0x7f, 4(%bx)",
	RBX(0x100), ANS(0xffffff81), FL(CF));
COMPARE(r_cmp_il, REAL, "cmpl $0x7f, 4(%bx)",
	RBX(0x100), ANS(0xffffff81), FL(CF));
COMPARE(r_test_w, REAL, "testw %ax, (%bx)", RBX(0x100), RAX(0x8000),
	ANS(0x8001), FL(CF));
COMPARE(r_test_ib, REAL, "testb $0x01, %es:(%di)", RDI(0x100), ANS(0xfe));
COMPARE(r_inc_w, REAL, "incw (%bx)", RBX(0x100), ANS(0xffff));
COMPARE(r_dec_l, REAL, "decl (%bx)", RBX(0x100), ANS(0x80000000), FL(CF));
COMPARE(r_not_w, REAL, "notw (%bp,%si)", RBP(0x8100), RSI(2), ANS(0x00ff));
COMPARE(r_neg_l, REAL, "negl (%bx)", RBX(0x100), ANS(0x80000000));
COMPARE(r_xchg_cl, REAL, "xchg %cl, (%bx)", RBX(0x100), ANS(0xc7));
COMPARE(r_xchg_eax, REAL, "xchg %eax, (%bx)", RBX(0x100), ANS(0xe7e7e7e7));
COMPARE(r_bt_w_neg, REAL, "btw %cx, (%bx)", RBX(0x104), RCX(0xffef),
	ANS(0x8000));
COMPARE(r_bts_l_imm, REAL, "btsl $31, (%bx)", RBX(0x100), ANS(0x1));
COMPARE(r_btc_w_far, REAL, "btcw %ax, (%si)", RSI(0x100), RAX(0x21),
	ANS(0x3));

/*
 * Forms kvirt's emulator does not handle (the table of kvirt declines):
 * kvirt must stop each with KVM_EXIT_INTERNAL_ERROR, suberror
 * KVM_INTERNAL_ERROR_EMULATION, as its first exit; the stock module's
 * transcript is printed next to it.
 */
DECLINE(d_movdqa_st, LONG, "movdqa %xmm0, (%rbx)", RBX(M(0x100)),
	SETUP(SSE));
DECLINE(d_movdqa_ld, LONG, "movdqa (%rbx), %xmm1", RBX(M(0x100)),
	SETUP(SSE));
DECLINE(d_cmpxchg, LONG, "cmpxchg %ecx, (%rbx)", RBX(M(0x100)), RAX(5),
	ANS(5));
DECLINE(d_lock_cmpxchg, LONG, "lock cmpxchg %ecx, (%rbx)", RBX(M(0x100)),
	RAX(5), ANS(6));
DECLINE(d_xadd, LONG, "xadd %eax, (%rbx)", RBX(M(0x100)), ANS(1));
DECLINE(d_shl, LONG, "shll (%rbx)", RBX(M(0x100)), ANS(0x80000001));
DECLINE(d_rol_imm, LONG, "rolb $3, (%rbx)", RBX(M(0x100)), ANS(0x81));
DECLINE(d_mul, LONG, "mull (%rbx)", RBX(M(0x100)), ANS(3));
DECLINE(d_imul, LONG, "imul (%rbx), %ecx", RBX(M(0x100)), ANS(3));
DECLINE(d_push, LONG, "pushq (%rbx)", RBX(M(0x100)), ANS(0x1234));
DECLINE(d_pop, LONG, "popq (%rbx)", RBX(M(0x100)));
DECLINE(d_lodsb, LONG, "lodsb", RSI(M(0x100)), ANS(0x4c));
DECLINE(d_cmpsb, LONG, "cmpsb", RSI(M(0x100)), RDI(RAM_BUF), ANS(0x4d));
DECLINE(d_scasb, LONG, "scasb", RDI(M(0x100)), ANS(0x4e));
DECLINE(d_cmovz, LONG, "cmovz (%rbx), %eax", RBX(M(0x100)), FL(ZF),
	ANS(0xc0c0c0c0));
DECLINE(d_setz, LONG, "setz (%rbx)", RBX(M(0x100)), FL(ZF));
DECLINE(d_bsf, LONG, "bsf (%rbx), %eax", RBX(M(0x100)), ANS(0x100));
DECLINE(d_movbe, LONG, "movbe (%rbx), %eax", RBX(M(0x100)),
	ANS(0x11223344));
DECLINE(d_xlat, LONG, "xlat", RBX(M(0x100)), RAX(5), ANS(0x58));
DECLINE(d_test_f6_1, LONG, ".byte 0xf6, 0x0b, 0x55", RBX(M(0x100)),
	ANS(0x55));
DECLINE(d_split_mmio, LONG, "mov %eax, 0x80ffe");
DECLINE(d_split_ram_mmio, LONG, "mov %eax, 0x7fffe");
DECLINE(d_fetch_long, LONG, "jmp *%rbx", RBX(M(0x400)));
DECLINE(d_fetch_pm32, PM32, "jmp *%ebx", RBX(M(0x400)));
DECLINE(d_fetch_real, REAL, "ljmp $0x8000, $0x400");
DECLINE(d_mov_sreg_st, REAL, "mov %ds, (%bx)", RBX(0x100));
DECLINE(d_mov_sreg_ld, REAL, "mov (%bx), %es", RBX(0x100), ANS(0x6000));
DECLINE(d_p_lodsl, PM32, "lodsl", RSI(0x100), ANS(0x12345678));

static void note(struct transcript *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->text + t->len, sizeof(t->text) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = t->len + n < sizeof(t->text) ? t->len + n :
			 sizeof(t->text) - 1;
}

static void note_bytes(struct transcript *t, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		note(t, " %02x", p[i]);
}

static const char *mode_name(enum guest_mode mode)
{
	switch (mode) {
	case GUEST_REAL:
		return "real";
	case GUEST_PM16:
		return "pm16";
	case GUEST_PM32:
		return "pm32";
	case GUEST_PAGING32:
		return "paging32";
	case GUEST_PAE:
		return "pae";
	case GUEST_LONG:
		return "long";
	}
	return "?";
}

/* Junk for GPR @i (kvm_regs order): every byte differs; 32 bits outside long mode. */
static uint64_t junk(int i, enum guest_mode mode)
{
	uint64_t v = 0x0f0e0d0c0b0a0908ULL + i * 0x1010101010101010ULL;

	return mode == GUEST_LONG ? v : (uint32_t)v;
}

/* What MMIO read number @k of a case gets when the case names no answer. */
static uint64_t default_answer(unsigned int k)
{
	return 0xf0debc9a78563412ULL ^ (k * 0x0101010101010101ULL);
}

/*
 * Slot 0 loses [MMIO_GPA, MMIO_END): it becomes slots 0 and 1 around it,
 * and slot 2, read-only, takes [ROM_GPA, MMIO_END).
 */
static int punch_mmio_hole(struct guest *g)
{
	struct kvm_userspace_memory_region r = { .slot = 0 };

	if (ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	r.memory_size = MMIO_GPA;
	r.userspace_addr = (uintptr_t)g->mem;
	if (ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	r.slot = 1;
	r.guest_phys_addr = MMIO_END;
	r.memory_size = GUEST_MEM_SIZE - MMIO_END;
	r.userspace_addr = (uintptr_t)(g->mem + MMIO_END);
	if (ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	r.slot = 2;
	r.flags = KVM_MEM_READONLY;
	r.guest_phys_addr = ROM_GPA;
	r.memory_size = MMIO_END - ROM_GPA;
	r.userspace_addr = (uintptr_t)(g->mem + ROM_GPA);
	if (ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	return 0;
}

static int open_vm(struct guest *g)
{
	int r = guest_init(g);

	if (r)
		return r;
	r = punch_mmio_hole(g);
	if (r)
		guest_destroy(g);
	return r;
}

/* Real-mode IVT entries 0-31 to stubs that report the vector and halt. */
static void real_mode_stubs(struct guest *g)
{
	uint8_t *ivt = g->mem, *stub;
	uint16_t off;
	int v;

	for (v = 0; v < 32; v++) {
		off = RM_STUBS + 8 * v;
		ivt[4 * v] = off;
		ivt[4 * v + 1] = off >> 8;
		ivt[4 * v + 2] = 0;
		ivt[4 * v + 3] = 0;
		stub = g->mem + off;
		stub[0] = 0xb0;			/* mov $v, %al */
		stub[1] = v;
		stub[2] = 0xe6;			/* out %al, $GUEST_PORT_EXC */
		stub[3] = GUEST_PORT_EXC;
		stub[4] = 0xf4;			/* hlt */
	}
}

static void real_seg(struct kvm_segment *s, uint32_t base)
{
	s->selector = base >> 4;
	s->base = base;
}

/* Data segments and control bits of @c, on top of guest_set_mode()'s. */
static int set_segments(struct guest *g, const struct mcase *c)
{
	uint32_t ds = c->setup & DS_RAM ? RAM_BASE :
		      c->setup & DS_ROM ? ROM_GPA : DS_BASE;
	uint32_t es = c->setup & ES_RAM ? RAM_BASE : ES_BASE;
	struct kvm_sregs s;

	if (ioctl(g->vcpu_fd, KVM_GET_SREGS, &s))
		return -errno;
	if (c->mode == GUEST_REAL) {
		real_seg(&s.ds, ds);
		real_seg(&s.es, es);
		real_seg(&s.fs, FS_BASE);
		real_seg(&s.gs, GS_BASE);
		real_seg(&s.ss, SS_BASE);
	} else if (c->mode == GUEST_LONG) {
		s.ds.base = LM_BASE;
		s.es.base = LM_BASE;
		s.ss.base = LM_BASE;
		s.fs.base = FS_BASE;
		s.gs.base = GS_BASE;
	} else {
		s.ds.base = ds;
		s.es.base = es;
		s.fs.base = FS_BASE;
		s.gs.base = GS_BASE;
		s.ss.base = SS_BASE;
	}
	if (c->setup & SSE) {
		s.cr0 = (s.cr0 & ~0xcULL) | 0x2;	/* MP, not EM or TS */
		s.cr4 |= 0x600;				/* OSFXSR, OSXMMEXCPT */
	}
	return ioctl(g->vcpu_fd, KVM_SET_SREGS, &s) ? -errno : 0;
}

/* Put vCPU 0 at the start of @c, in its mode, with its registers. */
static int setup_case(struct guest *g, const struct mcase *c)
{
	size_t len = c->end - c->start;
	struct kvm_regs regs;
	uint64_t gpr[16];
	int i, r;

	memcpy(g->mem + GUEST_CODE_GPA, c->start, len);
	memcpy(g->mem + GUEST_CODE_GPA + len, epilogue, sizeof(epilogue));
	for (i = 0; i < DUMP_LEN; i++) {
		g->mem[RAM_BUF - DUMP_BEFORE + i] = 0xc0 ^ i;
		g->mem[ROM_BUF - DUMP_BEFORE + i] = 0x80 ^ i;
	}

	r = guest_set_mode(g, c->mode, GUEST_CODE_GPA);
	if (r)
		return r;
	if (c->mode == GUEST_REAL)
		real_mode_stubs(g);
	else
		r = guest_install_idt(g);
	if (!r && (c->setup & HIGH_MAP))
		r = guest_map(g, HIGH_GVA, MMIO_GPA);
	if (!r && (c->setup & HIGH_MAP))
		r = guest_map(g, HIGH_GVA + 0x1000, RAM_BASE);
	if (!r)
		r = set_segments(g, c);
	if (!r)
		r = guest_get_regs(g, &regs);
	if (r)
		return r;

	memcpy(gpr, &c->regs, sizeof(gpr));
	for (i = 0; i < 16; i++) {
		if (!gpr[i] && !(c->zero & (1U << i)))
			gpr[i] = junk(i, c->mode);
	}
	gpr[6] = c->mode == GUEST_LONG ? GUEST_STACK_TOP : STACK_LOW;	/* rsp */
	memcpy(&regs, gpr, sizeof(gpr));
	regs.rflags = 2 | c->regs.rflags;
	return guest_set_regs(g, &regs);
}

static void note_regs(struct transcript *t, struct guest *g)
{
	static const char * const names[16] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	struct kvm_regs regs;
	uint64_t gpr[16];
	int i;

	if (guest_get_regs(g, &regs)) {
		note(t, "KVM_GET_REGS failed: %s\n", strerror(errno));
		return;
	}
	memcpy(gpr, &regs, sizeof(gpr));
	note(t, "regs");
	for (i = 0; i < 16; i++)
		note(t, " %s %llx", names[i], (unsigned long long)gpr[i]);
	note(t, " rip %llx flags %llx\n", (unsigned long long)regs.rip,
	     (unsigned long long)(regs.rflags & FLAGS_SHOWN));
}

/* The window around @buf, if it no longer holds the @fill pattern. */
static void note_window(struct transcript *t, struct guest *g,
			const char *what, uint64_t buf, uint8_t fill)
{
	const uint8_t *p = g->mem + buf - DUMP_BEFORE;
	int i;

	for (i = 0; i < DUMP_LEN; i++)
		if (p[i] != (fill ^ i))
			break;
	if (i == DUMP_LEN) {
		note(t, "%s unchanged\n", what);
		return;
	}
	note(t, "%s %#llx:", what, (unsigned long long)buf - DUMP_BEFORE);
	note_bytes(t, p, DUMP_LEN);
	note(t, "\n");
}

/* Where the vCPU stands at an exit, before it is answered. */
static void note_where(struct transcript *t, struct guest *g)
{
	struct kvm_regs regs;

	if (guest_get_regs(g, &regs)) {
		note(t, " @ KVM_GET_REGS failed\n");
		return;
	}
	note(t, " @ rip %llx rcx %llx rsi %llx rdi %llx\n",
	     (unsigned long long)regs.rip, (unsigned long long)regs.rcx,
	     (unsigned long long)regs.rsi, (unsigned long long)regs.rdi);
}

/*
 * Run @c to its end and write its transcript. Returns true when the vCPU
 * can take the next case, false when it stopped where it should not (a
 * pending MMIO read, KVM_RUN failing, a shutdown): a fresh VM is needed.
 */
static bool run_case(struct guest *g, const struct mcase *c,
		     struct transcript *t)
{
	struct kvm_run *run = g->run;
	unsigned int reads = 0, i, n;
	uint64_t val;
	uint8_t *data;
	int r;

	t->len = 0;
	t->text[0] = 0;
	r = setup_case(g, c);
	if (r) {
		note(t, "setup failed: %s\n", strerror(-r));
		return false;
	}
	for (i = 0; i < MAX_EXITS; i++) {
		r = guest_run(g);
		if (r) {
			note(t, "KVM_RUN failed: %s\n", strerror(-r));
			return false;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			n = run->mmio.len;
			note(t, "mmio %s %#llx len %u %s",
			     run->mmio.is_write ? "write" : "read",
			     (unsigned long long)run->mmio.phys_addr, n,
			     run->mmio.is_write ? "data" : "answer");
			if (n > sizeof(run->mmio.data))
				n = sizeof(run->mmio.data);
			if (!run->mmio.is_write) {
				val = reads < c->nans ? c->ans[reads] :
					default_answer(reads);
				reads++;
				memcpy(run->mmio.data, &val, n);
			}
			note_bytes(t, run->mmio.data, n);
			note_where(t, g);
			break;
		case KVM_EXIT_IO:
			data = (uint8_t *)run + run->io.data_offset;
			n = run->io.size * run->io.count;
			if (run->io.direction == KVM_EXIT_IO_IN)
				memset(data, 0, n);
			note(t, "io %s port %#x size %u count %u %s",
			     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			     run->io.port, run->io.size, run->io.count,
			     run->io.direction == KVM_EXIT_IO_OUT ? "data" :
			     "answer");
			note_bytes(t, data, n < 16 ? n : 16);
			note_where(t, g);
			break;
		case KVM_EXIT_HLT:
			note(t, "hlt\n");
			note_regs(t, g);
			note_window(t, g, "ram", RAM_BUF, 0xc0);
			note_window(t, g, "rom", ROM_BUF, 0x80);
			return true;
		case KVM_EXIT_INTERNAL_ERROR:
			note(t, "internal error suberror %u\n",
			     run->internal.suberror);
			return true;
		default:
			note(t, "exit %s (%u)\n",
			     guest_exit_name(run->exit_reason),
			     run->exit_reason);
			return false;
		}
	}
	note(t, "more than %d exits\n", MAX_EXITS);
	return false;
}

/* Run @n cases on @dev, one VM unless a case leaves the vCPU unusable. */
static int run_cases(const char *dev, const struct mcase * const *cases,
		     size_t n, struct transcript *out)
{
	struct guest g;
	size_t i;
	int r;

	setenv("KVIRT_TEST_DEV", dev, 1);
	r = open_vm(&g);
	for (i = 0; !r && i < n; i++) {
		if (run_case(&g, cases[i], &out[i]))
			continue;
		guest_destroy(&g);
		r = open_vm(&g);
	}
	if (!r)
		guest_destroy(&g);
	for (; i < n; i++)
		note(&out[i], "no VM: %s\n", strerror(-r));
	return r;
}

/* Both tables on @dev: the stock module, or kvirt. */
static int run_device(const char *dev, struct transcript *same,
		      struct transcript *decl)
{
	int r = run_cases(dev, same_cases, nr_same, same);

	if (!r)
		r = run_cases(dev, decline_cases, nr_decline, decl);
	return r;
}

/* Each line of @t as a TAP diagnostic, after @who. */
static void show(const char *who, const struct transcript *t)
{
	const char *p = t->text, *nl;

	while ((nl = strchr(p, '\n'))) {
		ksft_print_msg("  %-6s %.*s\n", who, (int)(nl - p), p);
		p = nl + 1;
	}
}

/* Line @i of @t, its length in @len; NULL past the end. */
static const char *nth_line(const struct transcript *t, int i, int *len)
{
	const char *p = t->text, *nl;

	for (; (nl = strchr(p, '\n')); p = nl + 1) {
		if (!i--) {
			*len = nl - p;
			return p;
		}
	}
	return NULL;
}

/* The transcripts as one line each: "a; b; c". */
static void one_line(const struct transcript *t, char *buf, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < t->len && o + 3 < size; i++) {
		if (t->text[i] != '\n') {
			buf[o++] = t->text[i];
		} else if (i + 1 < t->len) {
			buf[o++] = ';';
			buf[o++] = ' ';
		}
	}
	buf[o] = 0;
}

/* A case's assembly on one line. */
static const char *flat(const char *text)
{
	static char buf[256];
	size_t i;

	for (i = 0; text[i] && i + 1 < sizeof(buf); i++)
		buf[i] = text[i] == '\n' ? ';' : text[i];
	buf[i] = 0;
	return buf;
}

/* @t without the " @ ..." register notes of its exits. */
static void without_where(const struct transcript *t, struct transcript *out)
{
	const char *p = t->text, *at, *nl;

	out->len = 0;
	out->text[0] = 0;
	while ((nl = strchr(p, '\n'))) {
		at = memchr(p, '@', nl - p);
		if (at && at > p && at[-1] == ' ')
			note(out, "%.*s\n", (int)(at - 1 - p), p);
		else
			note(out, "%.*s\n", (int)(nl - p), p);
		p = nl + 1;
	}
}

/* The first line where @a and @b differ, from 1. */
static int first_difference(const struct transcript *a,
			    const struct transcript *b)
{
	const char *x, *y;
	int xlen = 0, ylen = 0, line;

	for (line = 0; ; line++) {
		x = nth_line(a, line, &xlen);
		y = nth_line(b, line, &ylen);
		if (!x || !y || xlen != ylen || memcmp(x, y, xlen))
			return line + 1;
	}
}

/*
 * Compare the differential cases; returns how many diverged, counting
 * those whose only difference is the registers at an exit.
 */
static int compare_same(void)
{
	static const enum guest_mode modes[] = {
		GUEST_LONG, GUEST_PM32, GUEST_PAGING32, GUEST_PAE, GUEST_REAL,
	};
	int total[ARRAY_SIZE(modes)] = { 0 }, bad[ARRAY_SIZE(modes)] = { 0 };
	const char *verbose = getenv("MMIO_DECODE_VERBOSE");
	static struct transcript a, b;
	int diverged = 0, noted = 0;
	size_t i, m;

	for (i = 0; i < nr_same; i++) {
		const struct mcase *c = same_cases[i];

		for (m = 0; m < ARRAY_SIZE(modes) && modes[m] != c->mode; m++)
			;
		total[m]++;
		if (!strcmp(kvm_same[i].text, kvirt_same[i].text)) {
			if (verbose && *verbose == '1') {
				ksft_print_msg("same %s (%s: %s)\n", c->name,
					       mode_name(c->mode), flat(c->text));
				show("both:", &kvm_same[i]);
			}
			continue;
		}
		without_where(&kvm_same[i], &a);
		without_where(&kvirt_same[i], &b);
		bad[m]++;
		diverged++;
		if (!strcmp(a.text, b.text)) {
			noted++;
			ksft_print_msg("DIVERGES %s (%s: %s): registers at an exit, line %d\n",
				       c->name, mode_name(c->mode),
				       flat(c->text),
				       first_difference(&kvm_same[i],
							&kvirt_same[i]));
		} else {
			ksft_print_msg("DIVERGES %s (%s: %s) at line %d\n",
				       c->name, mode_name(c->mode),
				       flat(c->text), first_difference(&a, &b));
		}
		show("kvm:", &kvm_same[i]);
		show("kvirt:", &kvirt_same[i]);
	}
	for (m = 0; m < ARRAY_SIZE(modes); m++)
		ksft_print_msg("%-8s %3d cases, %3d same, %d diverge\n",
			       mode_name(modes[m]), total[m],
			       total[m] - bad[m], bad[m]);
	ksft_print_msg("%d cases differ only in the registers at an exit\n",
		       noted);
	return diverged;
}

/* The declines table; returns how many kvirt did not decline cleanly. */
static int check_declines(void)
{
	const char *clean = "internal error suberror "
			    GUEST_STR(KVM_INTERNAL_ERROR_EMULATION) "\n";
	static struct transcript brief;
	char kvm[768];
	int wrong = 0;
	size_t i;

	ksft_print_msg("kvirt declines (%zu cases): name | mode | instruction | stock kvm\n",
		       nr_decline);
	for (i = 0; i < nr_decline; i++) {
		const struct mcase *c = decline_cases[i];
		bool ok = !strcmp(kvirt_decl[i].text, clean);

		without_where(&kvm_decl[i], &brief);
		one_line(&brief, kvm, sizeof(kvm));
		ksft_print_msg("%s %s | %s | %s | %s\n", ok ? "declined" :
			       "NOT-DECLINED", c->name, mode_name(c->mode),
			       flat(c->text), kvm);
		if (!ok) {
			wrong++;
			show("kvirt:", &kvirt_decl[i]);
		}
	}
	return wrong;
}

static int by_line(const void *a, const void *b)
{
	const struct mcase *x = *(const struct mcase * const *)a;
	const struct mcase *y = *(const struct mcase * const *)b;

	return x->line - y->line;
}

/* The registered cases in source order, split into the two tables. */
static void sort_cases(void)
{
	size_t i;

	qsort(registered, nr_registered, sizeof(registered[0]), by_line);
	for (i = 0; i < nr_registered; i++) {
		if (registered[i]->decline)
			decline_cases[nr_decline++] = registered[i];
		else
			same_cases[nr_same++] = registered[i];
	}
}

TEST(same_as_stock_kvm)
{
	int diverged, wrong;

	ASSERT_GE(MAX_CASES, nr_registered);
	sort_cases();

	ASSERT_EQ(0, module_probe(stock_kvm_module()));
	EXPECT_EQ(0, run_device(KVM_DEV, kvm_same, kvm_decl));
	/* No VM of the stock module may be left for kvirt to collide with. */
	EXPECT_EQ(0, module_remove(stock_kvm_module()));

	ASSERT_EQ(0, kvirt_load());
	EXPECT_EQ(0, run_device(KVIRT_DEV, kvirt_same, kvirt_decl));
	if (guest_count_vms() >= 0)
		EXPECT_EQ(0, guest_count_vms());

	diverged = compare_same();
	wrong = check_declines();
	fflush(stdout);
	EXPECT_EQ(0, diverged) TH_LOG("%d of %zu cases diverge", diverged,
				      nr_same);
	EXPECT_EQ(0, wrong) TH_LOG("%d of %zu declines are not clean", wrong,
				   nr_decline);
}

TEST_HARNESS_MAIN
