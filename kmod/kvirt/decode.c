// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the hypervisor must know an instruction's length and operands when
 * the hardware tells it only where a fault hit: this decodes x86 bytes
 * (legacy, REX, one- to three-byte opcode maps) in 16-, 32- and 64-bit
 * modes, after the SDM vol. 2 chapter 2 and appendix A opcode maps.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "decode.h"

/* Opcode attributes: what follows the opcode. */
#define DA_MODRM	0x001	/* a ModRM byte */
#define DA_I8		0x002	/* an 8-bit immediate */
#define DA_I16		0x004	/* a 16-bit immediate */
#define DA_IZ		0x008	/* 16 or 32 bits, by operand size */
#define DA_IV		0x010	/* 16, 32 or 64 bits, by operand size */
#define DA_MOFFS	0x020	/* an offset of the address size */
#define DA_INV64	0x040	/* undefined in 64-bit mode */
#define DA_BRANCH	0x080	/* near branch: 66 in 64-bit mode is vendor-specific */
#define DA_GRP3		0x100	/* F6/F7: an immediate only for /0 and /1 */
#define DA_MODREG	0x200	/* ModRM.mod is ignored: always registers */
#define DA_BAD		0x400	/* undefined */

static const u16 kvirt_map1[256] = {
	[0x00 ... 0x03] = DA_MODRM, [0x04] = DA_I8, [0x05] = DA_IZ,
	[0x06 ... 0x07] = DA_INV64,
	[0x08 ... 0x0b] = DA_MODRM, [0x0c] = DA_I8, [0x0d] = DA_IZ,
	[0x0e] = DA_INV64,
	[0x10 ... 0x13] = DA_MODRM, [0x14] = DA_I8, [0x15] = DA_IZ,
	[0x16 ... 0x17] = DA_INV64,
	[0x18 ... 0x1b] = DA_MODRM, [0x1c] = DA_I8, [0x1d] = DA_IZ,
	[0x1e ... 0x1f] = DA_INV64,
	[0x20 ... 0x23] = DA_MODRM, [0x24] = DA_I8, [0x25] = DA_IZ,
	[0x27] = DA_INV64,
	[0x28 ... 0x2b] = DA_MODRM, [0x2c] = DA_I8, [0x2d] = DA_IZ,
	[0x2f] = DA_INV64,
	[0x30 ... 0x33] = DA_MODRM, [0x34] = DA_I8, [0x35] = DA_IZ,
	[0x37] = DA_INV64,
	[0x38 ... 0x3b] = DA_MODRM, [0x3c] = DA_I8, [0x3d] = DA_IZ,
	[0x3f] = DA_INV64,
	[0x60 ... 0x61] = DA_INV64, [0x62] = DA_MODRM | DA_INV64,
	[0x63] = DA_MODRM, [0x68] = DA_IZ, [0x69] = DA_MODRM | DA_IZ,
	[0x6a] = DA_I8, [0x6b] = DA_MODRM | DA_I8,
	[0x70 ... 0x7f] = DA_I8,
	[0x80] = DA_MODRM | DA_I8, [0x81] = DA_MODRM | DA_IZ,
	[0x82] = DA_MODRM | DA_I8 | DA_INV64, [0x83] = DA_MODRM | DA_I8,
	[0x84 ... 0x8f] = DA_MODRM,
	[0x9a] = DA_I16 | DA_IZ | DA_INV64,
	[0xa0 ... 0xa3] = DA_MOFFS, [0xa8] = DA_I8, [0xa9] = DA_IZ,
	[0xb0 ... 0xb7] = DA_I8, [0xb8 ... 0xbf] = DA_IV,
	[0xc0 ... 0xc1] = DA_MODRM | DA_I8, [0xc2] = DA_I16,
	[0xc4 ... 0xc5] = DA_MODRM | DA_INV64,
	[0xc6] = DA_MODRM | DA_I8, [0xc7] = DA_MODRM | DA_IZ,
	[0xc8] = DA_I16 | DA_I8, [0xca] = DA_I16, [0xcd] = DA_I8,
	[0xce] = DA_INV64,
	[0xd0 ... 0xd3] = DA_MODRM, [0xd4 ... 0xd5] = DA_I8 | DA_INV64,
	[0xd6] = DA_INV64, [0xd8 ... 0xdf] = DA_MODRM,
	[0xe0 ... 0xe7] = DA_I8, [0xe8 ... 0xe9] = DA_IZ | DA_BRANCH,
	[0xea] = DA_I16 | DA_IZ | DA_INV64, [0xeb] = DA_I8,
	[0xf6 ... 0xf7] = DA_MODRM | DA_GRP3, [0xfe ... 0xff] = DA_MODRM,
};

static const u16 kvirt_map2[256] = {
	[0x00 ... 0x03] = DA_MODRM, [0x04] = DA_BAD, [0x0a] = DA_BAD,
	[0x0c] = DA_BAD, [0x0d] = DA_MODRM, [0x0f] = DA_MODRM | DA_I8,
	[0x10 ... 0x1f] = DA_MODRM,
	[0x20 ... 0x23] = DA_MODRM | DA_MODREG, [0x24 ... 0x27] = DA_BAD,
	[0x28 ... 0x2f] = DA_MODRM,
	[0x36] = DA_BAD, [0x39] = DA_BAD, [0x3b ... 0x3f] = DA_BAD,
	[0x40 ... 0x6f] = DA_MODRM,
	[0x70 ... 0x73] = DA_MODRM | DA_I8, [0x74 ... 0x76] = DA_MODRM,
	[0x78 ... 0x79] = DA_MODRM, [0x7a ... 0x7b] = DA_BAD,
	[0x7c ... 0x7f] = DA_MODRM,
	[0x80 ... 0x8f] = DA_IZ | DA_BRANCH,
	[0x90 ... 0x9f] = DA_MODRM,
	[0xa3] = DA_MODRM, [0xa4] = DA_MODRM | DA_I8, [0xa5] = DA_MODRM,
	[0xa6 ... 0xa7] = DA_BAD,
	[0xab] = DA_MODRM, [0xac] = DA_MODRM | DA_I8,
	[0xad ... 0xb9] = DA_MODRM, [0xba] = DA_MODRM | DA_I8,
	[0xbb ... 0xc1] = DA_MODRM, [0xc2] = DA_MODRM | DA_I8,
	[0xc3] = DA_MODRM, [0xc4 ... 0xc6] = DA_MODRM | DA_I8,
	[0xc7] = DA_MODRM,
	[0xd0 ... 0xff] = DA_MODRM,
};

/* The bytes being decoded and how far decoding got. */
struct kvirt_dstate {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
};

static int kvirt_peek(const struct kvirt_dstate *s, u8 *b)
{
	if (s->pos >= KVIRT_INSN_MAX)
		return -EINVAL;
	if (s->pos >= s->avail)
		return -ENODATA;
	*b = s->bytes[s->pos];
	return 0;
}

static int kvirt_next(struct kvirt_dstate *s, u8 *b)
{
	int r = kvirt_peek(s, b);

	if (!r)
		s->pos++;
	return r;
}

/* A little-endian value of @size bytes, sign extended unless it is 8. */
static int kvirt_next_val(struct kvirt_dstate *s, unsigned int size, u64 *val,
			  bool sign)
{
	u64 v = 0;
	unsigned int i;
	u8 b;
	int r;

	for (i = 0; i < size; i++) {
		r = kvirt_next(s, &b);
		if (r)
			return r;
		v |= (u64)b << (8 * i);
	}
	if (sign && size < 8 && (v >> (8 * size - 1)) & 1)
		v |= ~0ULL << (8 * size);
	*val = v;
	return 0;
}

/* Legacy and REX prefixes; leaves @s at the first opcode byte. */
static int kvirt_prefixes(struct kvirt_dstate *s, enum kvirt_cpu_mode mode,
			  struct kvirt_insn *insn, bool *opsz, bool *adsz,
			  int *seg)
{
	u8 b;
	int r;

	for (;;) {
		r = kvirt_peek(s, &b);
		if (r)
			return r;
		if (mode == KVIRT_MODE_64 && (b & 0xf0) == 0x40) {
			insn->rex = b;
			s->pos++;
			continue;
		}
		switch (b) {
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			/* Ignored in 64-bit mode, where these bases are 0. */
			if (mode != KVIRT_MODE_64)
				*seg = (b >> 3) & 3;
			break;
		case 0x64: case 0x65:
			*seg = KVIRT_SEG_FS + (b & 1);
			break;
		case 0x66:
			*opsz = true;
			break;
		case 0x67:
			*adsz = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2: case 0xf3:
			insn->rep = b;
			break;
		default:
			return 0;
		}
		/* A REX prefix counts only right before the opcode. */
		insn->rex = 0;
		s->pos++;
	}
}

/* ModRM, SIB and displacement (SDM vol. 2, tables 2-1 to 2-3). */
static int kvirt_modrm(struct kvirt_dstate *s, enum kvirt_cpu_mode mode,
		       struct kvirt_insn *insn, u16 attr)
{
	static const s8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const s8 index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	unsigned int mod, rm, dispsize;
	u8 sib;
	int r;

	r = kvirt_next(s, &insn->modrm);
	if (r)
		return r;
	insn->has_modrm = true;
	mod = insn->modrm >> 6;
	rm = insn->modrm & 7;
	insn->reg = ((insn->modrm >> 3) & 7) | ((insn->rex & 4) << 1);
	if (mod == 3 || (attr & DA_MODREG))
		return 0;

	insn->has_mem = true;
	insn->base = KVIRT_NO_REG;
	insn->index = KVIRT_NO_REG;
	insn->scale = 1;
	dispsize = mod == 1 ? 1 : mod == 2 ? insn->adsize : 0;
	if (insn->adsize == 2) {
		if (mod == 0 && rm == 6) {
			dispsize = 2;
		} else {
			insn->base = base16[rm];
			insn->index = index16[rm];
		}
	} else if (rm == 4) {
		r = kvirt_next(s, &sib);
		if (r)
			return r;
		insn->scale = 1 << (sib >> 6);
		if (((sib >> 3) & 7) != 4 || (insn->rex & 2))
			insn->index = ((sib >> 3) & 7) | ((insn->rex & 2) << 2);
		if (mod == 0 && (sib & 7) == 5)
			dispsize = 4;
		else
			insn->base = (sib & 7) | ((insn->rex & 1) << 3);
	} else if (mod == 0 && rm == 5) {
		insn->rip_relative = mode == KVIRT_MODE_64;
		dispsize = 4;
	} else {
		insn->base = rm | ((insn->rex & 1) << 3);
	}
	/* A 64-bit address size still takes a 32-bit displacement. */
	if (dispsize == 8)
		dispsize = 4;
	r = dispsize ? kvirt_next_val(s, dispsize, &insn->disp, true) : 0;
	if (insn->adsize == 2)
		insn->disp &= 0xffff;
	return r;
}

/* Bytes of immediate (or moffs) that follow the ModRM and displacement. */
static unsigned int kvirt_imm_size(const struct kvirt_insn *insn, u16 attr)
{
	unsigned int z = insn->opsize == 2 ? 2 : 4;
	unsigned int n = 0;

	if (attr & DA_I8)
		n += 1;
	if (attr & DA_I16)
		n += 2;
	if (attr & DA_IZ)
		n += z;
	if (attr & DA_IV)
		n += insn->opsize;
	if (attr & DA_MOFFS)
		n += insn->adsize;
	if ((attr & DA_GRP3) && ((insn->modrm >> 3) & 7) < 2)
		n += insn->opcode & 1 ? z : 1;
	return n;
}

/* One of the opcode maps' gaps, or an encoding this decoder does not know. */
static int kvirt_check_opcode(struct kvirt_dstate *s, enum kvirt_cpu_mode mode,
			      struct kvirt_insn *insn, u16 attr)
{
	unsigned int reg;
	u8 b;
	int r;

	if ((attr & DA_BAD) || ((attr & DA_INV64) && mode == KVIRT_MODE_64)) {
		/* C4, C5 and 62 begin VEX and EVEX in 64-bit mode. */
		if (insn->map == 0 && (insn->opcode == 0xc4 ||
				       insn->opcode == 0xc5 ||
				       insn->opcode == 0x62))
			return -EOPNOTSUPP;
		return -EINVAL;
	}
	if (insn->map == 1 && insn->opcode == 0x78 &&
	    (insn->rep == 0xf2 || insn->opsize == 2))
		return -EOPNOTSUPP;	/* AMD EXTRQ/INSERTQ */
	if ((attr & DA_BRANCH) && mode == KVIRT_MODE_64 && insn->opsize == 2)
		return -EOPNOTSUPP;
	if (insn->map != 0 || !(attr & DA_MODRM))
		return 0;

	r = kvirt_peek(s, &b);
	if (r)
		return r;
	reg = (b >> 3) & 7;
	switch (insn->opcode) {
	case 0x62: case 0xc4: case 0xc5:
		/* Outside 64-bit mode, VEX/EVEX where BOUND/LES/LDS take mod 3. */
		return b >= 0xc0 ? -EOPNOTSUPP : 0;
	case 0x8f:
		return reg ? -EOPNOTSUPP : 0;	/* XOP */
	case 0xc6: case 0xc7:
		/* MOV /0, or XABORT/XBEGIN (ModRM F8). */
		return reg == 0 || b == 0xf8 ? 0 : -EINVAL;
	case 0xfe:
		return reg < 2 ? 0 : -EINVAL;
	case 0xff:
		return reg < 7 ? 0 : -EINVAL;
	default:
		return 0;
	}
}

/* The value of an instruction for the emulator: one-byte opcode map. */
static void kvirt_classify_map1(struct kvirt_insn *insn,
				enum kvirt_cpu_mode mode)
{
	unsigned int op = insn->opcode, reg = (insn->modrm >> 3) & 7;

	if (op < 0x40 && (op & 7) < 4) {
		insn->op = KVIRT_OP_ADD + (op >> 3);
		insn->src = KVIRT_SRC_REG;
		insn->mem_dst = !(op & 2);
		return;
	}
	switch (op) {
	case 0x80 ... 0x83:
		insn->op = KVIRT_OP_ADD + reg;
		insn->src = KVIRT_SRC_IMM;
		insn->mem_dst = true;
		break;
	case 0x84 ... 0x85:
		insn->op = KVIRT_OP_TEST;
		insn->src = KVIRT_SRC_REG;
		insn->mem_dst = true;
		break;
	case 0x86 ... 0x87:
		insn->op = KVIRT_OP_XCHG;
		insn->src = KVIRT_SRC_REG;
		insn->mem_dst = true;
		break;
	case 0x88 ... 0x8b:
		insn->op = KVIRT_OP_MOV;
		insn->src = KVIRT_SRC_REG;
		insn->mem_dst = !(op & 2);
		break;
	case 0x63:
		/* MOVSXD; outside 64-bit mode ARPL, not emulated. */
		if (mode != KVIRT_MODE_64)
			break;
		insn->op = KVIRT_OP_MOV;
		insn->src = KVIRT_SRC_REG;
		insn->mem_size = insn->opsize == 8 ? 4 : insn->opsize;
		insn->sign_extend = true;
		break;
	case 0xa0 ... 0xa3:
		insn->op = KVIRT_OP_MOV;
		insn->src = KVIRT_SRC_REG;
		insn->mem_dst = op & 2;
		insn->reg = 0;
		break;
	case 0xc6 ... 0xc7:
		if (reg)
			break;
		insn->op = KVIRT_OP_MOV;
		insn->src = KVIRT_SRC_IMM;
		insn->mem_dst = true;
		break;
	case 0xf6 ... 0xf7:
		if (reg == 1 || reg > 3)
			break;
		insn->op = reg ? KVIRT_OP_NOT + reg - 2 : KVIRT_OP_TEST;
		insn->src = reg ? KVIRT_SRC_NONE : KVIRT_SRC_IMM;
		insn->mem_dst = true;
		break;
	case 0xfe ... 0xff:
		if (reg > 1)
			break;
		insn->op = KVIRT_OP_INC + reg;
		insn->mem_dst = true;
		break;
	default:
		break;
	}
}

/* The value of an instruction for the emulator: two-byte opcode map. */
static void kvirt_classify_map2(struct kvirt_insn *insn)
{
	unsigned int op = insn->opcode, reg = (insn->modrm >> 3) & 7;

	switch (op) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		insn->op = KVIRT_OP_MOV;
		insn->src = KVIRT_SRC_REG;
		insn->mem_size = op & 1 ? 2 : 1;
		insn->sign_extend = op & 8;
		break;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		insn->op = KVIRT_OP_BT + ((op >> 3) & 3);
		insn->src = KVIRT_SRC_REG;
		insn->mem_dst = true;
		break;
	case 0xba:
		if (reg < 4)
			break;
		insn->op = KVIRT_OP_BT + reg - 4;
		insn->src = KVIRT_SRC_IMM;
		insn->mem_dst = true;
		break;
	default:
		break;
	}
}

/* What the emulator is to do with what was decoded, and its operand sizes. */
static void kvirt_classify(struct kvirt_insn *insn, enum kvirt_cpu_mode mode)
{
	insn->op = KVIRT_OP_NONE;
	if (insn->map == 0) {
		switch (insn->opcode) {
		case 0x6c ... 0x6f:
			insn->op = insn->opcode & 2 ? KVIRT_OP_OUTS : KVIRT_OP_INS;
			break;
		case 0xa4 ... 0xa5:
			insn->op = KVIRT_OP_MOVS;
			break;
		case 0xaa ... 0xab:
			insn->op = KVIRT_OP_STOS;
			break;
		}
		if (insn->op != KVIRT_OP_NONE) {
			if (!(insn->opcode & 1))
				insn->opsize = 1;
			/* REX.W means nothing to INS and OUTS. */
			else if (insn->opsize == 8 && insn->op >= KVIRT_OP_INS)
				insn->opsize = 4;
			return;
		}
	}
	if (!insn->has_mem)
		return;
	if (insn->map == 0)
		kvirt_classify_map1(insn, mode);
	else if (insn->map == 1)
		kvirt_classify_map2(insn);
	if (insn->op == KVIRT_OP_NONE)
		return;

	/* In the one-byte map, opcode bit 0 clear means byte operands. */
	if (insn->map == 0 && !(insn->opcode & 1))
		insn->opsize = 1;
	if (!insn->mem_size)
		insn->mem_size = insn->opsize;
	if (insn->opsize == 1 && insn->src == KVIRT_SRC_REG && !insn->rex &&
	    insn->reg >= 4 && insn->reg < 8)
		insn->reg_high8 = true;
}

int kvirt_decode(const u8 *bytes, unsigned int avail, enum kvirt_cpu_mode mode,
		 struct kvirt_insn *insn)
{
	struct kvirt_dstate s = { .bytes = bytes, .avail = avail };
	bool opsz = false, adsz = false;
	int seg = -1;
	unsigned int n;
	u16 attr;
	u64 val;
	u8 b;
	int r;

	memset(insn, 0, sizeof(*insn));
	insn->base = KVIRT_NO_REG;
	insn->index = KVIRT_NO_REG;
	insn->scale = 1;
	r = kvirt_prefixes(&s, mode, insn, &opsz, &adsz, &seg);
	if (r)
		return r;
	if (insn->rex & 8)
		insn->opsize = 8;
	else if (mode == KVIRT_MODE_16)
		insn->opsize = opsz ? 4 : 2;
	else
		insn->opsize = opsz ? 2 : 4;
	if (mode == KVIRT_MODE_64)
		insn->adsize = adsz ? 4 : 8;
	else if (mode == KVIRT_MODE_32)
		insn->adsize = adsz ? 2 : 4;
	else
		insn->adsize = adsz ? 4 : 2;

	r = kvirt_next(&s, &b);
	if (!r && b == 0x0f) {
		insn->map = 1;
		r = kvirt_next(&s, &b);
		if (!r && (b == 0x38 || b == 0x3a)) {
			insn->map = b == 0x38 ? 2 : 3;
			r = kvirt_next(&s, &b);
		}
	}
	if (r)
		return r;
	insn->opcode = b;
	if (insn->map == 0)
		attr = kvirt_map1[b];
	else if (insn->map == 1)
		attr = kvirt_map2[b];
	else
		attr = DA_MODRM | (insn->map == 3 ? DA_I8 : 0);

	r = kvirt_check_opcode(&s, mode, insn, attr);
	if (!r && (attr & DA_MODRM))
		r = kvirt_modrm(&s, mode, insn, attr);
	if (r)
		return r;

	n = kvirt_imm_size(insn, attr);
	if (n) {
		r = kvirt_next_val(&s, n, &val, !(attr & DA_MOFFS));
		if (r)
			return r;
		if (attr & DA_MOFFS) {
			insn->has_mem = true;
			insn->disp = val;
		} else {
			insn->imm = val;
		}
	}
	insn->len = s.pos;

	if (seg >= 0)
		insn->seg = seg;
	else if (insn->base == 4 || insn->base == 5)
		insn->seg = KVIRT_SEG_SS;
	else
		insn->seg = KVIRT_SEG_DS;
	kvirt_classify(insn, mode);
	return 0;
}
