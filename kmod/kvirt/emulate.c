// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: without decode assists the hardware reports only where an MMIO or
 * string-IO access went; this fetches the guest's instruction, runs it
 * against the vCPU's registers and guest memory, and hands the device
 * access to userspace as KVM_EXIT_MMIO or KVM_EXIT_IO, as KVM does.
 */
#include <linux/kvm.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "decode.h"
#include "kvirt.h"

/* The flags the ALU instructions write (SDM vol. 1, 3.4.3.1). */
#define KVIRT_ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/* Guest page-table entry bits (SDM vol. 3, 4.3 to 4.5). */
#define KVIRT_PTE_P		BIT_ULL(0)
#define KVIRT_PTE_RW		BIT_ULL(1)
#define KVIRT_PTE_US		BIT_ULL(2)
#define KVIRT_PTE_A		BIT_ULL(5)
#define KVIRT_PTE_D		BIT_ULL(6)
#define KVIRT_PTE_PS		BIT_ULL(7)
#define KVIRT_PTE_NX		BIT_ULL(63)
#define KVIRT_PTE_ADDR		GENMASK_ULL(51, 12)
#define KVIRT_PTE32_ADDR	GENMASK_ULL(31, 12)

/* Page-fault error code bits; the walk takes the access kind in them. */
#define KVIRT_PF_PRESENT	BIT(0)
#define KVIRT_PF_WRITE		BIT(1)
#define KVIRT_PF_USER		BIT(2)
#define KVIRT_PF_FETCH		BIT(4)

#define KVIRT_VEC_SS		12
#define KVIRT_VEC_GP		13
#define KVIRT_VEC_PF		14

/* How a step ends, besides 0 (carry on or done) and a negative errno. */
enum {
	KVIRT_EM_GUEST = 1,	/* an exception is queued: re-enter */
	KVIRT_EM_USER,		/* vcpu->run describes an exit */
	KVIRT_EM_FAIL,		/* cannot emulate: internal error */
};

/* One emulation: the guest's mode and the instruction being run. */
struct kvirt_emctx {
	struct kvirt_vcpu *vcpu;
	struct kvm_sregs sregs;
	enum kvirt_cpu_mode mode;
	unsigned int cpl;
	struct kvirt_insn insn;
	u8 bytes[KVIRT_INSN_MAX];
	unsigned int nbytes;
	bool has_gpa;		/* @gpa is the fault that led here */
	u64 gpa;
	bool have_data;		/* the MMIO read is done: @data */
	u64 data;
};

static u64 kvirt_mask(unsigned int size)
{
	return size == 8 ? ~0ULL : BIT_ULL(8 * size) - 1;
}

static u64 kvirt_sext(u64 val, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (u64)((s64)(val << shift) >> shift);
}

static void kvirt_em_init(struct kvirt_emctx *c, struct kvirt_vcpu *vcpu)
{
	struct kvm_sregs *s = &c->sregs;

	memset(c, 0, sizeof(*c));
	c->vcpu = vcpu;
	kvirt_vendor->get_sregs(vcpu, s);
	if (!(s->cr0 & X86_CR0_PE)) {
		c->cpl = 0;
		c->mode = s->cs.db ? KVIRT_MODE_32 : KVIRT_MODE_16;
	} else if (vcpu->rflags & X86_EFLAGS_VM) {
		c->cpl = 3;
		c->mode = KVIRT_MODE_16;
	} else {
		c->cpl = s->ss.dpl;	/* SS.DPL is the CPL */
		if ((s->efer & EFER_LMA) && s->cs.l)
			c->mode = KVIRT_MODE_64;
		else
			c->mode = s->cs.db ? KVIRT_MODE_32 : KVIRT_MODE_16;
	}
}

/* Linear addresses wrap at 4 GiB outside 64-bit mode. */
static u64 kvirt_la_trunc(const struct kvirt_emctx *c, u64 la)
{
	return c->mode == KVIRT_MODE_64 ? la : (u32)la;
}

static u64 kvirt_linear(const struct kvirt_emctx *c, unsigned int seg, u64 ea)
{
	static const size_t off[] = {
		[KVIRT_SEG_ES] = offsetof(struct kvm_sregs, es),
		[KVIRT_SEG_CS] = offsetof(struct kvm_sregs, cs),
		[KVIRT_SEG_SS] = offsetof(struct kvm_sregs, ss),
		[KVIRT_SEG_DS] = offsetof(struct kvm_sregs, ds),
		[KVIRT_SEG_FS] = offsetof(struct kvm_sregs, fs),
		[KVIRT_SEG_GS] = offsetof(struct kvm_sregs, gs),
	};
	const struct kvm_segment *s = (const void *)&c->sregs + off[seg];

	/* In 64-bit mode only FS and GS have a base. */
	if (c->mode == KVIRT_MODE_64 && seg != KVIRT_SEG_FS &&
	    seg != KVIRT_SEG_GS)
		return ea;
	return kvirt_la_trunc(c, s->base + ea);
}

static void kvirt_advance(struct kvirt_emctx *c)
{
	struct kvirt_vcpu *v = c->vcpu;

	v->rip = (v->rip + c->insn.len) & kvirt_mask(c->mode);
}

/* Register operands; AH to BH are bits 15:8 of RAX to RBX. */
static u64 kvirt_get_reg(struct kvirt_vcpu *v, unsigned int reg,
			 unsigned int size, bool high8)
{
	if (high8)
		return (v->regs[reg - 4] >> 8) & 0xff;
	return v->regs[reg] & kvirt_mask(size);
}

/* Byte and word writes merge; doubleword writes zero the upper half. */
static void kvirt_set_reg(struct kvirt_vcpu *v, unsigned int reg,
			  unsigned int size, bool high8, u64 val)
{
	u64 *r = &v->regs[high8 ? reg - 4 : reg];

	if (high8)
		*r = (*r & ~0xff00ULL) | (val & 0xff) << 8;
	else if (size == 4)
		*r = (u32)val;
	else
		*r = (*r & ~kvirt_mask(size)) | (val & kvirt_mask(size));
}

static int kvirt_queue(struct kvirt_emctx *c, unsigned int vector,
		       int error_code, u64 cr2)
{
	kvirt_vendor->queue_exception(c->vcpu, vector, error_code, cr2);
	return KVIRT_EM_GUEST;
}

/*
 * Guest virtual to guest physical for one access of kind @access
 * (KVIRT_PF_*), queueing #PF as the hardware would: no paging, 32-bit
 * paging with 4 MiB pages, PAE, 4- and 5-level paging with 2 MiB and
 * 1 GiB pages; U/S, R/W with CR0.WP, NX, SMEP and SMAP. Accessed and
 * dirty bits are set as by the hardware (plainly, not atomically).
 */
static int kvirt_walk(struct kvirt_emctx *c, u64 la, unsigned int access,
		      u64 *gpa)
{
	const struct kvm_sregs *s = &c->sregs;
	struct kvirt_vm *vm = c->vcpu->vm;
	bool lm = s->efer & EFER_LMA, nxe = s->efer & EFER_NX;
	bool pae = lm || (s->cr4 & X86_CR4_PAE);
	unsigned int level, levels, bits, esize, shift, i;
	u64 ptes[5], addrs[5], table, pte = 0, page;
	bool user_ok = true, write_ok = true, nx = false;
	int r;

	if (c->cpl == 3)
		access |= KVIRT_PF_USER;
	if (!(s->cr0 & X86_CR0_PG)) {
		*gpa = la;
		return 0;
	}
	bits = pae ? 9 : 10;
	esize = pae ? 8 : 4;
	if (lm) {
		levels = s->cr4 & X86_CR4_LA57 ? 5 : 4;
		table = s->cr3 & KVIRT_PTE_ADDR;
	} else if (pae) {
		levels = 3;
		table = s->cr3 & GENMASK_ULL(31, 5);
	} else {
		levels = 2;
		table = s->cr3 & KVIRT_PTE32_ADDR;
	}

	for (level = levels; ; level--) {
		shift = 12 + bits * (level - 1);
		addrs[level - 1] = table + ((la >> shift) & (BIT(bits) - 1)) * esize;
		pte = 0;
		r = kvirt_read_guest(vm, addrs[level - 1], &pte, esize);
		if (r)
			return r == -ENOENT ? KVIRT_EM_FAIL : r;
		ptes[level - 1] = pte;
		if (!(pte & KVIRT_PTE_P))
			goto fault;
		/* PAE's four PDPTEs carry no permissions. */
		if (lm || level != 3 || !pae) {
			write_ok &= !!(pte & KVIRT_PTE_RW);
			user_ok &= !!(pte & KVIRT_PTE_US);
			nx |= nxe && (pte & KVIRT_PTE_NX);
		}
		if (level == 1)
			break;
		if ((pte & KVIRT_PTE_PS) &&
		    ((level == 2 && (pae || (s->cr4 & X86_CR4_PSE))) ||
		     (level == 3 && lm)))
			break;
		table = pte & (pae ? KVIRT_PTE_ADDR : KVIRT_PTE32_ADDR);
	}

	if ((access & KVIRT_PF_USER) && !user_ok)
		goto protection;
	if ((access & KVIRT_PF_WRITE) && !write_ok &&
	    ((access & KVIRT_PF_USER) || (s->cr0 & X86_CR0_WP)))
		goto protection;
	if (access & KVIRT_PF_FETCH) {
		if (nx || (!(access & KVIRT_PF_USER) && user_ok &&
			   (s->cr4 & X86_CR4_SMEP)))
			goto protection;
	} else if (!(access & KVIRT_PF_USER) && user_ok &&
		   (s->cr4 & X86_CR4_SMAP) &&
		   !(c->vcpu->rflags & X86_EFLAGS_AC)) {
		goto protection;
	}

	if (level == 2 && !pae)		/* 4 MiB, bits 39:32 in 20:13 */
		page = (pte & GENMASK_ULL(31, 22)) | ((pte >> 13) & 0xff) << 32;
	else
		page = pte & KVIRT_PTE_ADDR & ~(BIT_ULL(shift) - 1);
	*gpa = page | (la & (BIT_ULL(shift) - 1));

	for (i = level - 1; i < levels; i++) {
		u64 e = ptes[i] | KVIRT_PTE_A;

		if (pae && !lm && i == 2)
			continue;
		if (i == level - 1 && (access & KVIRT_PF_WRITE))
			e |= KVIRT_PTE_D;
		/* A table the guest cannot write keeps its bits as they are. */
		if (e != ptes[i])
			kvirt_write_guest(vm, addrs[i], &e, esize);
	}
	return 0;

protection:
	access |= KVIRT_PF_PRESENT;
fault:
	if (!nxe && !(s->cr4 & X86_CR4_SMEP))
		access &= ~KVIRT_PF_FETCH;
	return kvirt_queue(c, KVIRT_VEC_PF, access, la);
}

static bool kvirt_canonical(const struct kvirt_emctx *c, u64 la)
{
	unsigned int bits = c->sregs.cr4 & X86_CR4_LA57 ? 57 : 48;

	return (u64)((s64)(la << (64 - bits)) >> (64 - bits)) == la;
}

/*
 * The guest-physical pages of @size bytes at seg:@ea (at most two: @first
 * bytes in @gpa[0]), or a queued #GP, #SS or #PF. Both pages are checked
 * before either is touched, so a fault leaves memory as it was.
 */
static int kvirt_em_translate(struct kvirt_emctx *c, unsigned int seg, u64 ea,
			      unsigned int size, bool write, u64 gpa[2],
			      unsigned int *first)
{
	unsigned int access = write ? KVIRT_PF_WRITE : 0;
	u64 la = kvirt_linear(c, seg, ea);
	u64 last = kvirt_la_trunc(c, la + size - 1);
	int r;

	if (c->mode == KVIRT_MODE_64 &&
	    (!kvirt_canonical(c, la) || !kvirt_canonical(c, last)))
		return kvirt_queue(c, seg == KVIRT_SEG_SS ? KVIRT_VEC_SS :
				   KVIRT_VEC_GP, 0, 0);
	*first = min_t(unsigned long, size, PAGE_SIZE - offset_in_page(la));
	r = kvirt_walk(c, la, access, &gpa[0]);
	if (!r && *first < size)
		r = kvirt_walk(c, last & PAGE_MASK, access, &gpa[1]);
	return r;
}

/*
 * @size bytes of guest memory at seg:@ea. A single page that no memslot
 * backs (or a read-only one, for a write) gives -ENOENT with its address
 * in @gpa: the caller makes an MMIO exit of it.
 */
static int kvirt_em_rw(struct kvirt_emctx *c, unsigned int seg, u64 ea,
		       void *buf, unsigned int size, bool write, u64 *gpa)
{
	struct kvirt_vm *vm = c->vcpu->vm;
	unsigned int first;
	u64 pa[2];
	int r;

	r = kvirt_em_translate(c, seg, ea, size, write, pa, &first);
	if (r)
		return r;
	*gpa = pa[0];
	if (write)
		r = kvirt_write_guest(vm, pa[0], buf, first);
	else
		r = kvirt_read_guest(vm, pa[0], buf, first);
	if (first == size)
		return r;
	if (!r && write)
		r = kvirt_write_guest(vm, pa[1], buf + first, size - first);
	else if (!r)
		r = kvirt_read_guest(vm, pa[1], buf + first, size - first);
	/* MMIO in an access across two pages is not emulated. */
	return r == -ENOENT ? KVIRT_EM_FAIL : r;
}

/* A data read: from RAM, or the MMIO read's result, or an MMIO exit. */
static int kvirt_em_read(struct kvirt_emctx *c, unsigned int seg, u64 ea,
			 unsigned int size, u64 *val)
{
	struct kvirt_vcpu *v = c->vcpu;
	struct kvm_run *run = v->run;
	u64 gpa;
	int r;

	if (c->have_data) {
		*val = c->data & kvirt_mask(size);
		return 0;
	}
	*val = 0;
	r = kvirt_em_rw(c, seg, ea, val, size, false, &gpa);
	if (r != -ENOENT)
		return r;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	v->emul.pending = true;
	v->emul.pio_in = false;
	v->emul.mmio_len = size;
	v->emul.len = c->insn.len;
	memcpy(v->emul.bytes, c->bytes, c->insn.len);
	return KVIRT_EM_USER;
}

/*
 * A data write: to RAM, or an MMIO exit. Either way the instruction is
 * complete: on 0 or KVIRT_EM_USER the caller updates registers and RIP.
 */
static int kvirt_em_write(struct kvirt_emctx *c, unsigned int seg, u64 ea,
			  unsigned int size, u64 val)
{
	struct kvm_run *run = c->vcpu->run;
	u64 gpa;
	int r;

	r = kvirt_em_rw(c, seg, ea, &val, size, true, &gpa);
	if (r != -ENOENT)
		return r;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = 1;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &val, size);
	return KVIRT_EM_USER;
}

/*
 * The host CPU runs the guest's ALU instruction on the operands, with the
 * guest's arithmetic flags loaded, so the flags come out as the hardware
 * makes them, undefined ones included. The host's other flags (IF, DF,
 * AC) stay as they are.
 */
#define KVIRT_FLAGS_IN	"pushfq\n\tandq %[keep], (%%rsp)\n\torq %[f], (%%rsp)\n\tpopfq\n\t"
#define KVIRT_FLAGS_OUT	"\n\tpushfq\n\tpopq %[f]"
#define KVIRT_KEEP_FLAGS	((long)~KVIRT_ARITH_FLAGS)

/* kvirt_alu_add() and the like: *@dst op= @src in @size bytes. */
#define KVIRT_DEFINE_ALU2(op)						\
static void kvirt_alu_##op(unsigned int size, u64 *dst, u64 src,	\
			   unsigned long *fl)				\
{									\
	unsigned long f = *fl;						\
	u64 d = *dst;							\
									\
	if (size == 1)							\
		asm(KVIRT_FLAGS_IN #op " %b[s], %b[d]" KVIRT_FLAGS_OUT	\
		    : [d] "+r" (d), [f] "+r" (f)			\
		    : [s] "r" (src), [keep] "i" (KVIRT_KEEP_FLAGS));	\
	else if (size == 2)						\
		asm(KVIRT_FLAGS_IN #op " %w[s], %w[d]" KVIRT_FLAGS_OUT	\
		    : [d] "+r" (d), [f] "+r" (f)			\
		    : [s] "r" (src), [keep] "i" (KVIRT_KEEP_FLAGS));	\
	else if (size == 4)						\
		asm(KVIRT_FLAGS_IN #op " %k[s], %k[d]" KVIRT_FLAGS_OUT	\
		    : [d] "+r" (d), [f] "+r" (f)			\
		    : [s] "r" (src), [keep] "i" (KVIRT_KEEP_FLAGS));	\
	else								\
		asm(KVIRT_FLAGS_IN #op " %q[s], %q[d]" KVIRT_FLAGS_OUT	\
		    : [d] "+r" (d), [f] "+r" (f)			\
		    : [s] "r" (src), [keep] "i" (KVIRT_KEEP_FLAGS));	\
	*dst = d;							\
	*fl = f;							\
}

/* kvirt_alu_inc() and the like: op *@dst in @size bytes. */
#define KVIRT_DEFINE_ALU1(op)						\
static void kvirt_alu_##op(unsigned int size, u64 *dst,		\
			   unsigned long *fl)				\
{									\
	unsigned long f = *fl;						\
	u64 d = *dst;							\
									\
	if (size == 1)							\
		asm(KVIRT_FLAGS_IN #op " %b[d]" KVIRT_FLAGS_OUT		\
		    : [d] "+r" (d), [f] "+r" (f)			\
		    : [keep] "i" (KVIRT_KEEP_FLAGS));			\
	else if (size == 2)						\
		asm(KVIRT_FLAGS_IN #op " %w[d]" KVIRT_FLAGS_OUT		\
		    : [d] "+r" (d), [f] "+r" (f)			\
		    : [keep] "i" (KVIRT_KEEP_FLAGS));			\
	else if (size == 4)						\
		asm(KVIRT_FLAGS_IN #op " %k[d]" KVIRT_FLAGS_OUT		\
		    : [d] "+r" (d), [f] "+r" (f)			\
		    : [keep] "i" (KVIRT_KEEP_FLAGS));			\
	else								\
		asm(KVIRT_FLAGS_IN #op " %q[d]" KVIRT_FLAGS_OUT		\
		    : [d] "+r" (d), [f] "+r" (f)			\
		    : [keep] "i" (KVIRT_KEEP_FLAGS));			\
	*dst = d;							\
	*fl = f;							\
}

/*
 * kvirt_alu_bt() and the like, in 64 bits: @src is below the operand's
 * width and @dst zero-extended, and only CF is defined.
 */
#define KVIRT_DEFINE_BT(op)						\
static void kvirt_alu_##op(u64 *dst, u64 src, unsigned long *fl)	\
{									\
	unsigned long f = *fl;						\
	u64 d = *dst;							\
									\
	asm(KVIRT_FLAGS_IN #op " %q[s], %q[d]" KVIRT_FLAGS_OUT		\
	    : [d] "+r" (d), [f] "+r" (f)				\
	    : [s] "r" (src), [keep] "i" (KVIRT_KEEP_FLAGS));		\
	*dst = d;							\
	*fl = f;							\
}

KVIRT_DEFINE_ALU2(add)
KVIRT_DEFINE_ALU2(or)
KVIRT_DEFINE_ALU2(adc)
KVIRT_DEFINE_ALU2(sbb)
KVIRT_DEFINE_ALU2(and)
KVIRT_DEFINE_ALU2(sub)
KVIRT_DEFINE_ALU2(xor)
KVIRT_DEFINE_ALU2(cmp)
KVIRT_DEFINE_ALU2(test)
KVIRT_DEFINE_ALU1(inc)
KVIRT_DEFINE_ALU1(dec)
KVIRT_DEFINE_ALU1(not)
KVIRT_DEFINE_ALU1(neg)
KVIRT_DEFINE_BT(bt)
KVIRT_DEFINE_BT(bts)
KVIRT_DEFINE_BT(btr)
KVIRT_DEFINE_BT(btc)

/* *@dst op= @src in @size bytes; returns RFLAGS after it. */
static unsigned long kvirt_alu(enum kvirt_op op, unsigned int size, u64 *dst,
			       u64 src, unsigned long rflags)
{
	unsigned long fl = rflags & KVIRT_ARITH_FLAGS;
	u64 d = *dst;

	switch (op) {
	case KVIRT_OP_ADD:
		kvirt_alu_add(size, &d, src, &fl);
		break;
	case KVIRT_OP_OR:
		kvirt_alu_or(size, &d, src, &fl);
		break;
	case KVIRT_OP_ADC:
		kvirt_alu_adc(size, &d, src, &fl);
		break;
	case KVIRT_OP_SBB:
		kvirt_alu_sbb(size, &d, src, &fl);
		break;
	case KVIRT_OP_AND:
		kvirt_alu_and(size, &d, src, &fl);
		break;
	case KVIRT_OP_SUB:
		kvirt_alu_sub(size, &d, src, &fl);
		break;
	case KVIRT_OP_XOR:
		kvirt_alu_xor(size, &d, src, &fl);
		break;
	case KVIRT_OP_CMP:
		kvirt_alu_cmp(size, &d, src, &fl);
		break;
	case KVIRT_OP_TEST:
		kvirt_alu_test(size, &d, src, &fl);
		break;
	case KVIRT_OP_BT:
		kvirt_alu_bt(&d, src, &fl);
		break;
	case KVIRT_OP_BTS:
		kvirt_alu_bts(&d, src, &fl);
		break;
	case KVIRT_OP_BTR:
		kvirt_alu_btr(&d, src, &fl);
		break;
	case KVIRT_OP_BTC:
		kvirt_alu_btc(&d, src, &fl);
		break;
	case KVIRT_OP_INC:
		kvirt_alu_inc(size, &d, &fl);
		break;
	case KVIRT_OP_DEC:
		kvirt_alu_dec(size, &d, &fl);
		break;
	case KVIRT_OP_NOT:
		kvirt_alu_not(size, &d, &fl);
		break;
	case KVIRT_OP_NEG:
		kvirt_alu_neg(size, &d, &fl);
		break;
	default:
		break;
	}
	*dst = d & kvirt_mask(size);
	return (rflags & ~KVIRT_ARITH_FLAGS) | (fl & KVIRT_ARITH_FLAGS);
}

static u64 kvirt_ea(const struct kvirt_emctx *c)
{
	const struct kvirt_insn *in = &c->insn;
	const struct kvirt_vcpu *v = c->vcpu;
	u64 ea = in->disp;

	if (in->base != KVIRT_NO_REG)
		ea += v->regs[in->base];
	if (in->index != KVIRT_NO_REG)
		ea += v->regs[in->index] * in->scale;
	if (in->rip_relative)
		ea += v->rip + in->len;
	return ea & kvirt_mask(in->adsize);
}

/* MOV, XCHG, the ALU operations and bit tests on one memory operand. */
static int kvirt_em_data(struct kvirt_emctx *c)
{
	const struct kvirt_insn *in = &c->insn;
	struct kvirt_vcpu *v = c->vcpu;
	unsigned int size = in->opsize;
	bool to_mem = in->mem_dst, to_reg = !in->mem_dst;
	u64 ea = kvirt_ea(c), mem = 0, src = 0, res, reg_res = 0;
	unsigned long rflags = v->rflags;
	int r;

	if (in->src == KVIRT_SRC_REG)
		src = kvirt_get_reg(v, in->reg, size, in->reg_high8);
	else if (in->src == KVIRT_SRC_IMM)
		src = in->imm & kvirt_mask(size);

	if (in->op >= KVIRT_OP_BT && in->op <= KVIRT_OP_BTC) {
		/* A register bit offset reaches beyond the operand. */
		if (in->src == KVIRT_SRC_REG) {
			s64 off = kvirt_sext(src, size);

			ea += (off >> (ilog2(size) + 3)) * size;
			ea &= kvirt_mask(in->adsize);
		}
		src &= 8 * size - 1;
	}

	if (in->op != KVIRT_OP_MOV || !in->mem_dst) {
		r = kvirt_em_read(c, in->seg, ea, in->mem_size, &mem);
		if (r)
			return r;
	}

	switch (in->op) {
	case KVIRT_OP_MOV:
		if (in->mem_dst)
			res = src;
		else
			res = in->sign_extend ? kvirt_sext(mem, in->mem_size) : mem;
		break;
	case KVIRT_OP_XCHG:
		res = src;
		reg_res = mem;
		to_reg = true;
		break;
	default:
		if (in->mem_dst) {
			res = mem;
			rflags = kvirt_alu(in->op, size, &res, src, rflags);
		} else {
			res = kvirt_get_reg(v, in->reg, size, in->reg_high8);
			rflags = kvirt_alu(in->op, size, &res, mem, rflags);
		}
		if (in->op == KVIRT_OP_CMP || in->op == KVIRT_OP_TEST ||
		    in->op == KVIRT_OP_BT) {
			to_mem = false;
			to_reg = false;
		}
		break;
	}

	r = 0;
	if (to_mem) {
		r = kvirt_em_write(c, in->seg, ea, size, res);
		if (r && r != KVIRT_EM_USER)
			return r;
		res = reg_res;
	}
	if (to_reg)
		kvirt_set_reg(v, in->reg, size, in->reg_high8, res);
	v->rflags = rflags;
	kvirt_advance(c);
	return r;
}

/* Index registers step by the element size, down when DF is set. */
static void kvirt_string_step(struct kvirt_emctx *c, unsigned int reg,
			      unsigned int n)
{
	struct kvirt_vcpu *v = c->vcpu;
	u64 delta = (u64)n * c->insn.opsize;

	if (v->rflags & X86_EFLAGS_DF)
		delta = -delta;
	kvirt_set_reg(v, reg, c->insn.adsize, false, v->regs[reg] + delta);
}

/* @n elements are done: RCX counts down, RIP moves when it reaches 0. */
static void kvirt_string_done(struct kvirt_emctx *c, unsigned int n)
{
	struct kvirt_vcpu *v = c->vcpu;
	unsigned int ad = c->insn.adsize;

	if (c->insn.rep) {
		kvirt_set_reg(v, KVIRT_RCX, ad, false, v->regs[KVIRT_RCX] - n);
		if (v->regs[KVIRT_RCX] & kvirt_mask(ad))
			return;
	}
	kvirt_advance(c);
}

/*
 * One element of MOVS or STOS; with REP the guest re-executes the rest,
 * trapping again at the next MMIO element, as KVM exits once per element.
 */
static int kvirt_em_string_mem(struct kvirt_emctx *c)
{
	const struct kvirt_insn *in = &c->insn;
	struct kvirt_vcpu *v = c->vcpu;
	u64 mask = kvirt_mask(in->adsize), val;
	int r;

	if (in->rep && !(v->regs[KVIRT_RCX] & mask)) {
		kvirt_advance(c);
		return 0;
	}
	if (in->op == KVIRT_OP_MOVS) {
		r = kvirt_em_read(c, in->seg, v->regs[KVIRT_RSI] & mask,
				  in->opsize, &val);
		if (r)
			return r;
	} else {
		val = v->regs[KVIRT_RAX] & kvirt_mask(in->opsize);
	}
	r = kvirt_em_write(c, KVIRT_SEG_ES, v->regs[KVIRT_RDI] & mask,
			   in->opsize, val);
	if (r && r != KVIRT_EM_USER)
		return r;
	if (in->op == KVIRT_OP_MOVS)
		kvirt_string_step(c, KVIRT_RSI, 1);
	kvirt_string_step(c, KVIRT_RDI, 1);
	/*
	 * As KVM, RIP stays on a REP instruction even after its last element:
	 * the guest runs it again with RCX = 0, which does nothing.
	 */
	if (in->rep)
		kvirt_set_reg(v, KVIRT_RCX, in->adsize, false,
			      v->regs[KVIRT_RCX] - 1);
	else
		kvirt_advance(c);
	return r;
}

static int kvirt_em_exec(struct kvirt_emctx *c)
{
	switch (c->insn.op) {
	case KVIRT_OP_NONE:
	case KVIRT_OP_INS:
	case KVIRT_OP_OUTS:
		return KVIRT_EM_FAIL;
	case KVIRT_OP_MOVS:
	case KVIRT_OP_STOS:
		return kvirt_em_string_mem(c);
	default:
		return kvirt_em_data(c);
	}
}

/* Where a string IO's memory operand is: ES:rDI for INS, DS:rSI for OUTS. */
static void kvirt_pio_operand(const struct kvirt_emctx *c, unsigned int *seg,
			      unsigned int *reg)
{
	bool ins = c->insn.op == KVIRT_OP_INS;

	*seg = ins ? KVIRT_SEG_ES : c->insn.seg;
	*reg = ins ? KVIRT_RDI : KVIRT_RSI;
}

/*
 * Elements of one string-IO exit: at most @count, a pio page and what fits
 * in the buffer's page before rSI/rDI would wrap; an element across two
 * pages goes alone.
 */
static unsigned int kvirt_pio_batch(const struct kvirt_emctx *c, u64 count)
{
	unsigned int size = c->insn.opsize, seg, reg, off;
	u64 mask = kvirt_mask(c->insn.adsize), ea, n, wrap;
	bool down = c->vcpu->rflags & X86_EFLAGS_DF;

	kvirt_pio_operand(c, &seg, &reg);
	ea = c->vcpu->regs[reg] & mask;
	off = offset_in_page(kvirt_linear(c, seg, ea));
	if (off + size > PAGE_SIZE)
		return 1;
	n = down ? off / size + 1 : (PAGE_SIZE - off) / size;
	wrap = (down ? ea : mask - ea) / size + 1;
	return min3(n, wrap, min_t(u64, count, PAGE_SIZE / size));
}

/* The lowest address of @n elements: they run down from rXI with DF. */
static u64 kvirt_pio_low(const struct kvirt_emctx *c, unsigned int reg,
			 unsigned int n)
{
	u64 ea = c->vcpu->regs[reg] & kvirt_mask(c->insn.adsize);

	if (c->vcpu->rflags & X86_EFLAGS_DF)
		ea -= (u64)(n - 1) * c->insn.opsize;
	return ea;
}

/* Elements in the pio page are in execution order; memory runs down. */
static void kvirt_pio_reverse(u8 *data, unsigned int n, unsigned int size)
{
	unsigned int i, k;

	for (i = 0; i < n / 2; i++)
		for (k = 0; k < size; k++)
			swap(data[i * size + k], data[(n - 1 - i) * size + k]);
}

static int kvirt_em_pio(struct kvirt_emctx *c, u16 port)
{
	const struct kvirt_insn *in = &c->insn;
	struct kvirt_vcpu *v = c->vcpu;
	bool ins = in->op == KVIRT_OP_INS;
	unsigned int n, seg, reg, bytes, first;
	u64 count = 1, ea, gpa[2];
	int r;

	if (in->rep) {
		count = v->regs[KVIRT_RCX] & kvirt_mask(in->adsize);
		if (!count) {
			kvirt_advance(c);
			return 0;
		}
	}
	n = kvirt_pio_batch(c, count);
	bytes = n * in->opsize;
	kvirt_pio_operand(c, &seg, &reg);
	ea = kvirt_pio_low(c, reg, n);

	if (ins) {
		/* Fault on the buffer before the port is read, not after. */
		r = kvirt_em_translate(c, seg, ea, bytes, true, gpa, &first);
		if (r)
			return r;
		v->emul.pending = true;
		v->emul.pio_in = true;
		v->emul.pio_count = n;
		v->emul.len = in->len;
		memcpy(v->emul.bytes, c->bytes, in->len);
	} else {
		r = kvirt_em_rw(c, seg, ea, v->pio_data, bytes, false, gpa);
		if (r)
			return r == -ENOENT ? KVIRT_EM_FAIL : r;
		if (v->rflags & X86_EFLAGS_DF)
			kvirt_pio_reverse(v->pio_data, n, in->opsize);
		kvirt_string_step(c, reg, n);
		kvirt_string_done(c, n);
	}

	v->run->exit_reason = KVM_EXIT_IO;
	v->run->io.direction = ins ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	v->run->io.size = in->opsize;
	v->run->io.port = port;
	v->run->io.count = n;
	v->run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	return KVIRT_EM_USER;
}

/* INS, on the next KVM_RUN: the pio page goes to the guest's buffer. */
static int kvirt_em_ins_complete(struct kvirt_emctx *c)
{
	struct kvirt_vcpu *v = c->vcpu;
	unsigned int n = v->emul.pio_count, size = c->insn.opsize;
	u64 gpa;
	int r;

	if (c->insn.op != KVIRT_OP_INS || !n || n > PAGE_SIZE / size)
		return KVIRT_EM_FAIL;
	if (v->rflags & X86_EFLAGS_DF)
		kvirt_pio_reverse(v->pio_data, n, size);
	r = kvirt_em_rw(c, KVIRT_SEG_ES, kvirt_pio_low(c, KVIRT_RDI, n),
			v->pio_data, n * size, true, &gpa);
	if (r)
		return r == -ENOENT ? KVIRT_EM_FAIL : r;
	kvirt_string_step(c, KVIRT_RDI, n);
	kvirt_string_done(c, n);
	return 0;
}

/* Fetch and decode the instruction at CS:RIP, a page at a time. */
static int kvirt_em_fetch(struct kvirt_emctx *c)
{
	struct kvirt_vcpu *v = c->vcpu;
	u64 la = kvirt_linear(c, KVIRT_SEG_CS, v->rip & kvirt_mask(c->mode));
	unsigned int chunk;
	u64 gpa;
	int r;

	do {
		chunk = min_t(unsigned long, KVIRT_INSN_MAX - c->nbytes,
			      PAGE_SIZE - offset_in_page(la));
		r = kvirt_walk(c, la, KVIRT_PF_FETCH, &gpa);
		if (r)
			return r;
		r = kvirt_read_guest(v->vm, gpa, c->bytes + c->nbytes, chunk);
		if (r)
			return r == -ENOENT ? KVIRT_EM_FAIL : r;
		c->nbytes += chunk;
		la = kvirt_la_trunc(c, la + chunk);
		r = kvirt_decode(c->bytes, c->nbytes, c->mode, &c->insn);
	} while (r == -ENODATA);
	return r ? KVIRT_EM_FAIL : 0;
}

/* KVM_EXIT_INTERNAL_ERROR as KVM reports an emulation failure. */
static int kvirt_em_fail(struct kvirt_emctx *c)
{
	struct kvm_run *run = c->vcpu->run;
	u32 ndata = 1;

	c->vcpu->emul.pending = false;
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags = 0;
	if (c->nbytes) {
		run->emulation_failure.flags =
			KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
		run->emulation_failure.insn_size = c->nbytes;
		memset(run->emulation_failure.insn_bytes, 0,
		       sizeof(run->emulation_failure.insn_bytes));
		memcpy(run->emulation_failure.insn_bytes, c->bytes, c->nbytes);
		ndata = 3;
	}
	/* Debug information beyond the flagged fields: the faulting GPA. */
	if (c->has_gpa)
		run->internal.data[ndata++] = c->gpa;
	run->emulation_failure.ndata = ndata;
	return 0;
}

/* From a step's outcome to what the entry points return. */
static int kvirt_em_finish(struct kvirt_emctx *c, int r)
{
	switch (r) {
	case 0:
	case KVIRT_EM_GUEST:
		return 1;
	case KVIRT_EM_USER:
		return 0;
	case KVIRT_EM_FAIL:
		return kvirt_em_fail(c);
	default:
		c->vcpu->emul.pending = false;
		return r;
	}
}

int kvirt_emulate_mmio(struct kvirt_vcpu *vcpu, u64 gpa)
{
	struct kvirt_emctx c;
	int r;

	kvirt_em_init(&c, vcpu);
	c.has_gpa = true;
	c.gpa = gpa;
	r = kvirt_em_fetch(&c);
	if (!r)
		r = kvirt_em_exec(&c);
	return kvirt_em_finish(&c, r);
}

int kvirt_emulate_string_io(struct kvirt_vcpu *vcpu, u16 port,
			    unsigned int size, bool in, bool rep)
{
	struct kvirt_emctx c;
	int r;

	kvirt_em_init(&c, vcpu);
	r = kvirt_em_fetch(&c);
	/* The guest may have rewritten the instruction since it trapped. */
	if (!r && (c.insn.op != (in ? KVIRT_OP_INS : KVIRT_OP_OUTS) ||
		   c.insn.opsize != size || !c.insn.rep != !rep))
		r = KVIRT_EM_FAIL;
	if (!r)
		r = kvirt_em_pio(&c, port);
	return kvirt_em_finish(&c, r);
}

int kvirt_emulate_complete(struct kvirt_vcpu *vcpu)
{
	struct kvirt_emul *e = &vcpu->emul;
	struct kvirt_emctx c;
	int r;

	if (!e->pending)
		return 1;
	e->pending = false;
	kvirt_em_init(&c, vcpu);
	c.nbytes = min_t(unsigned int, e->len, KVIRT_INSN_MAX);
	memcpy(c.bytes, e->bytes, c.nbytes);
	if (kvirt_decode(c.bytes, c.nbytes, c.mode, &c.insn)) {
		r = KVIRT_EM_FAIL;
	} else if (e->pio_in) {
		r = kvirt_em_ins_complete(&c);
	} else {
		c.have_data = true;
		memcpy(&c.data, vcpu->run->mmio.data,
		       min_t(unsigned int, e->mmio_len, sizeof(c.data)));
		r = kvirt_em_exec(&c);
	}
	return kvirt_em_finish(&c, r);
}

int kvirt_skip_instruction(struct kvirt_vcpu *vcpu)
{
	struct kvirt_emctx c;
	int r;

	kvirt_em_init(&c, vcpu);
	r = kvirt_em_fetch(&c);
	if (!r)
		kvirt_advance(&c);
	return kvirt_em_finish(&c, r);
}
