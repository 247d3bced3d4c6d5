/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: what the x86 decoder makes of an instruction's bytes, shared by the
 * emulator and the host-side unit test that builds decode.c in user space.
 */
#ifndef KVIRT_DECODE_H
#define KVIRT_DECODE_H

#include <linux/types.h>

/* The architectural limit on an instruction's length (SDM vol. 2, 2.3.11). */
#define KVIRT_INSN_MAX		15

/* No base or index register in a memory operand. */
#define KVIRT_NO_REG		-1

/* The code segment's default operand and address size, in bytes. */
enum kvirt_cpu_mode {
	KVIRT_MODE_16 = 2,
	KVIRT_MODE_32 = 4,
	KVIRT_MODE_64 = 8,
};

/* Segment registers, numbered as in the instruction encoding. */
enum kvirt_seg {
	KVIRT_SEG_ES, KVIRT_SEG_CS, KVIRT_SEG_SS,
	KVIRT_SEG_DS, KVIRT_SEG_FS, KVIRT_SEG_GS,
};

/*
 * What the emulator can execute. The eight ALU operations are in the order
 * of their encoding (opcode bits 5:3, or ModRM.reg of 80-83).
 */
enum kvirt_op {
	KVIRT_OP_NONE,		/* decoded for its length only */
	KVIRT_OP_ADD, KVIRT_OP_OR, KVIRT_OP_ADC, KVIRT_OP_SBB,
	KVIRT_OP_AND, KVIRT_OP_SUB, KVIRT_OP_XOR, KVIRT_OP_CMP,
	KVIRT_OP_TEST, KVIRT_OP_BT, KVIRT_OP_BTS, KVIRT_OP_BTR, KVIRT_OP_BTC,
	KVIRT_OP_INC, KVIRT_OP_DEC, KVIRT_OP_NOT, KVIRT_OP_NEG,
	KVIRT_OP_MOV, KVIRT_OP_XCHG,
	KVIRT_OP_MOVS, KVIRT_OP_STOS, KVIRT_OP_INS, KVIRT_OP_OUTS,
};

/* Where the operand that is not in memory comes from. */
enum kvirt_src {
	KVIRT_SRC_NONE,		/* unary operations and string instructions */
	KVIRT_SRC_REG,		/* insn.reg */
	KVIRT_SRC_IMM,		/* insn.imm */
};

/*
 * A decoded instruction. For operations other than KVIRT_OP_NONE and the
 * string ones there is exactly one memory operand (@mem) and at most one
 * register operand (@reg). With @mem_dst the memory operand is the first
 * (destination) one; otherwise the register is, loaded from memory.
 */
struct kvirt_insn {
	u8 len;
	u8 opsize;		/* operation size, bytes: 1, 2, 4 or 8 */
	u8 adsize;		/* address size, bytes: 2, 4 or 8 */
	u8 rep;			/* 0, 0xf2 (REPNE) or 0xf3 (REP/REPE) */
	u8 rex;			/* the REX prefix in effect, or 0 */
	u8 map;			/* 0: one-byte map, 1: 0F, 2: 0F 38, 3: 0F 3A */
	u8 opcode;
	u8 modrm;
	bool has_modrm;
	bool lock;

	enum kvirt_op op;
	enum kvirt_src src;
	bool mem_dst;
	u8 mem_size;		/* bytes at @mem; smaller than @opsize for MOVZX/MOVSX */
	bool sign_extend;	/* the load from @mem is sign extended */
	u8 reg;			/* 0-15, encoding order */
	bool reg_high8;		/* AH, CH, DH, BH (@reg is 4-7, without REX) */
	u64 imm;		/* sign extended to 64 bits */

	/* The memory operand: seg:[base + index * scale + disp (+ next RIP)]. */
	bool has_mem;
	u8 seg;			/* enum kvirt_seg, after any override */
	s8 base;		/* register or KVIRT_NO_REG */
	s8 index;		/* register or KVIRT_NO_REG */
	u8 scale;		/* 1, 2, 4 or 8 */
	bool rip_relative;
	u64 disp;		/* sign extended, or a moffs */
};

/*
 * Decode the instruction in @bytes[0..@avail) in @mode. Returns 0, or
 * -ENODATA when it continues past @avail (fewer than KVIRT_INSN_MAX bytes
 * given), -EINVAL when it is longer than KVIRT_INSN_MAX bytes or undefined,
 * -EOPNOTSUPP for encodings this decoder does not know (VEX, EVEX, XOP).
 */
int kvirt_decode(const u8 *bytes, unsigned int avail, enum kvirt_cpu_mode mode,
		 struct kvirt_insn *insn);

#endif /* KVIRT_DECODE_H */
