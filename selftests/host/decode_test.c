// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the instruction decoder decides how far the guest's RIP moves and
 * which register and address an emulated access uses; this checks it
 * against hand-assembled encodings in 16-, 32- and 64-bit modes, on the
 * build host, without a lab VM.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "kmod/kvirt/decode.h"

#define M16 KVIRT_MODE_16
#define M32 KVIRT_MODE_32
#define M64 KVIRT_MODE_64
#define NOREG KVIRT_NO_REG
#define DS KVIRT_SEG_DS
#define SS KVIRT_SEG_SS

/* The bytes of an instruction, as a string literal, and their count. */
#define B(s) .bytes = (const u8 *)(s), .n = sizeof(s) - 1

struct mem_case {
	enum kvirt_cpu_mode mode;
	const u8 *bytes;
	unsigned int n;
	enum kvirt_op op;
	enum kvirt_src src;
	bool mem_dst;
	unsigned int opsize, mem_size, adsize;
	bool sign, high8, rip;
	int reg, seg, base, index, scale;
	u64 disp, imm;
};

/* Emulated forms with a memory operand: every operand field is checked. */
static const struct mem_case mem_cases[] = {
	/* 64-bit mode: MOV forms, addressing, REX, prefixes */
	{ M64, B("\x89\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x48\x89\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 8, 8, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x4c\x89\x47\x10"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 8, 8,
	  8, false, false, false, 8, DS, 7, NOREG, 1, 0x10, 0 },
	{ M64, B("\x8b\x85\x00\x01\x00\x00"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  false, 4, 4, 8, false, false, false, 0, SS, 5, NOREG, 1, 0x100, 0 },
	{ M64, B("\x8b\x05\xf0\xff\xff\xff"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  false, 4, 4, 8, false, false, true, 0, DS, NOREG, NOREG, 1,
	  -16ULL, 0 },
	{ M64, B("\x88\x67\x01"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 1, 1, 8,
	  false, true, false, 4, DS, 7, NOREG, 1, 1, 0 },
	{ M64, B("\x40\x88\x67\x01"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 1, 1,
	  8, false, false, false, 4, DS, 7, NOREG, 1, 1, 0 },
	{ M64, B("\x66\x89\x08"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 2, 2, 8,
	  false, false, false, 1, DS, 0, NOREG, 1, 0, 0 },
	{ M64, B("\x8a\x04\x8d\x00\x10\x00\x00"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  false, 1, 1, 8, false, false, false, 0, DS, NOREG, 1, 4, 0x1000, 0 },
	{ M64, B("\x42\x8b\x04\xa4"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 4, 4,
	  8, false, false, false, 0, SS, 4, 12, 4, 0, 0 },
	{ M64, B("\x41\x8b\x44\x24\x08"), KVIRT_OP_MOV, KVIRT_SRC_REG, false,
	  4, 4, 8, false, false, false, 0, DS, 12, NOREG, 1, 8, 0 },
	{ M64, B("\x43\x8b\x44\x25\x00"), KVIRT_OP_MOV, KVIRT_SRC_REG, false,
	  4, 4, 8, false, false, false, 0, DS, 13, 12, 1, 0, 0 },
	{ M64, B("\x44\x8b\x3c\xd8"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 4, 4,
	  8, false, false, false, 15, DS, 0, 3, 8, 0, 0 },
	{ M64, B("\x67\x8b\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 4, 4, 4,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x67\x8b\x05\x10\x00\x00\x00"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  false, 4, 4, 4, false, false, true, 0, DS, NOREG, NOREG, 1, 0x10, 0 },
	{ M64, B("\x8b\x04\x25\x00\x00\xe0\xfe"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  false, 4, 4, 8, false, false, false, 0, DS, NOREG, NOREG, 1,
	  0xfffffffffee00000ULL, 0 },
	{ M64, B("\x64\x8b\x03"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 4, 4, 8,
	  false, false, false, 0, KVIRT_SEG_FS, 3, NOREG, 1, 0, 0 },
	{ M64, B("\x2e\x8b\x03"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 4, 4, 8,
	  false, false, false, 0, DS, 3, NOREG, 1, 0, 0 },
	{ M64, B("\x48\x40\x89\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 4, 4,
	  8, false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x48\x66\x89\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 2, 2,
	  8, false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x66\x48\x89\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 8, 8,
	  8, false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\xc7\x07\x78\x56\x34\x12"), KVIRT_OP_MOV, KVIRT_SRC_IMM,
	  true, 4, 4, 8, false, false, false, 0, DS, 7, NOREG, 1, 0,
	  0x12345678 },
	{ M64, B("\x48\xc7\x07\xff\xff\xff\xff"), KVIRT_OP_MOV, KVIRT_SRC_IMM,
	  true, 8, 8, 8, false, false, false, 0, DS, 7, NOREG, 1, 0, -1ULL },
	{ M64, B("\xc6\x07\x80"), KVIRT_OP_MOV, KVIRT_SRC_IMM, true, 1, 1, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, -128ULL },
	{ M64, B("\x66\xc7\x07\x34\x12"), KVIRT_OP_MOV, KVIRT_SRC_IMM, true, 2,
	  2, 8, false, false, false, 0, DS, 7, NOREG, 1, 0, 0x1234 },
	{ M64, B("\x41\xc7\x84\x24\x80\x00\x00\x00\x01\x00\x00\x00"),
	  KVIRT_OP_MOV, KVIRT_SRC_IMM, true, 4, 4, 8, false, false, false, 0,
	  DS, 12, NOREG, 1, 0x80, 1 },
	{ M64, B("\x0f\xb6\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 4, 1, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x48\x0f\xbf\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 8, 2,
	  8, true, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x66\x0f\xbe\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 2, 1,
	  8, true, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x44\x0f\xb7\x4f\x02"), KVIRT_OP_MOV, KVIRT_SRC_REG, false,
	  4, 2, 8, false, false, false, 9, DS, 7, NOREG, 1, 2, 0 },
	{ M64, B("\x48\x63\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 8, 4, 8,
	  true, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\xa1\x08\x07\x06\x05\x04\x03\x02\x01"), KVIRT_OP_MOV,
	  KVIRT_SRC_REG, false, 4, 4, 8, false, false, false, 0, DS, NOREG,
	  NOREG, 1, 0x0102030405060708ULL, 0 },
	{ M64, B("\x67\xa3\x00\x00\xe0\xfe"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  true, 4, 4, 4, false, false, false, 0, DS, NOREG, NOREG, 1,
	  0xfee00000, 0 },
	{ M64, B("\x48\xa3\x00\x00\xe0\xfe\x00\x00\x00\x00"), KVIRT_OP_MOV,
	  KVIRT_SRC_REG, true, 8, 8, 8, false, false, false, 0, DS, NOREG,
	  NOREG, 1, 0xfee00000, 0 },
	/* 64-bit mode: read-modify-write, compare, test */
	{ M64, B("\x01\x07"), KVIRT_OP_ADD, KVIRT_SRC_REG, true, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x03\x07"), KVIRT_OP_ADD, KVIRT_SRC_REG, false, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x10\x3f"), KVIRT_OP_ADC, KVIRT_SRC_REG, true, 1, 1, 8,
	  false, true, false, 7, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x1b\x07"), KVIRT_OP_SBB, KVIRT_SRC_REG, false, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x22\x07"), KVIRT_OP_AND, KVIRT_SRC_REG, false, 1, 1, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x30\x07"), KVIRT_OP_XOR, KVIRT_SRC_REG, true, 1, 1, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x3b\x07"), KVIRT_OP_CMP, KVIRT_SRC_REG, false, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x80\x0f\x01"), KVIRT_OP_OR, KVIRT_SRC_IMM, true, 1, 1, 8,
	  false, false, false, 1, DS, 7, NOREG, 1, 0, 1 },
	{ M64, B("\x81\x27\xff\x00\x00\x00"), KVIRT_OP_AND, KVIRT_SRC_IMM,
	  true, 4, 4, 8, false, false, false, 4, DS, 7, NOREG, 1, 0, 0xff },
	{ M64, B("\x83\x3f\xff"), KVIRT_OP_CMP, KVIRT_SRC_IMM, true, 4, 4, 8,
	  false, false, false, 7, DS, 7, NOREG, 1, 0, -1ULL },
	{ M64, B("\x48\x83\x2f\x01"), KVIRT_OP_SUB, KVIRT_SRC_IMM, true, 8, 8,
	  8, false, false, false, 5, DS, 7, NOREG, 1, 0, 1 },
	{ M64, B("\x66\x81\x07\x00\x80"), KVIRT_OP_ADD, KVIRT_SRC_IMM, true, 2,
	  2, 8, false, false, false, 0, DS, 7, NOREG, 1, 0, -32768ULL },
	{ M64, B("\xf0\x01\x07"), KVIRT_OP_ADD, KVIRT_SRC_REG, true, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x85\x07"), KVIRT_OP_TEST, KVIRT_SRC_REG, true, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\xf7\x07\x00\x00\x01\x00"), KVIRT_OP_TEST, KVIRT_SRC_IMM,
	  true, 4, 4, 8, false, false, false, 0, DS, 7, NOREG, 1, 0, 0x10000 },
	{ M64, B("\xf6\x07\x01"), KVIRT_OP_TEST, KVIRT_SRC_IMM, true, 1, 1, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 1 },
	{ M64, B("\xf7\x17"), KVIRT_OP_NOT, KVIRT_SRC_NONE, true, 4, 4, 8,
	  false, false, false, 2, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\xf6\x1f"), KVIRT_OP_NEG, KVIRT_SRC_NONE, true, 1, 1, 8,
	  false, false, false, 3, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\xfe\x07"), KVIRT_OP_INC, KVIRT_SRC_NONE, true, 1, 1, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x48\xff\x0f"), KVIRT_OP_DEC, KVIRT_SRC_NONE, true, 8, 8, 8,
	  false, false, false, 1, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x87\x07"), KVIRT_OP_XCHG, KVIRT_SRC_REG, true, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x86\x27"), KVIRT_OP_XCHG, KVIRT_SRC_REG, true, 1, 1, 8,
	  false, true, false, 4, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x0f\xa3\x07"), KVIRT_OP_BT, KVIRT_SRC_REG, true, 4, 4, 8,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x48\x0f\xab\x07"), KVIRT_OP_BTS, KVIRT_SRC_REG, true, 8, 8,
	  8, false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M64, B("\x0f\xba\x37\x05"), KVIRT_OP_BTR, KVIRT_SRC_IMM, true, 4, 4,
	  8, false, false, false, 6, DS, 7, NOREG, 1, 0, 5 },
	{ M64, B("\x66\x0f\xbb\x07"), KVIRT_OP_BTC, KVIRT_SRC_REG, true, 2, 2,
	  8, false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	/* 32-bit mode */
	{ M32, B("\x8b\x45\x08"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 4, 4, 4,
	  false, false, false, 0, SS, 5, NOREG, 1, 8, 0 },
	{ M32, B("\x26\x89\x05\x00\x00\x0b\x00"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  true, 4, 4, 4, false, false, false, 0, KVIRT_SEG_ES, NOREG, NOREG,
	  1, 0xb0000, 0 },
	{ M32, B("\x66\x89\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 2, 2, 4,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 0 },
	{ M32, B("\x67\x89\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 4, 4, 2,
	  false, false, false, 0, DS, 3, NOREG, 1, 0, 0 },
	{ M32, B("\xa2\x00\x10\x00\x00"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 1,
	  1, 4, false, false, false, 0, DS, NOREG, NOREG, 1, 0x1000, 0 },
	{ M32, B("\x36\x8a\x44\x8e\xfc"), KVIRT_OP_MOV, KVIRT_SRC_REG, false,
	  1, 1, 4, false, false, false, 0, SS, 6, 1, 4, -4ULL, 0 },
	{ M32, B("\x0f\xb7\x05\x00\x00\xc0\xfe"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  false, 4, 2, 4, false, false, false, 0, DS, NOREG, NOREG, 1,
	  0xfffffffffec00000ULL, 0 },
	{ M32, B("\x83\x0d\x00\x00\xc0\xfe\x10"), KVIRT_OP_OR, KVIRT_SRC_IMM,
	  true, 4, 4, 4, false, false, false, 1, DS, NOREG, NOREG, 1,
	  0xfffffffffec00000ULL, 0x10 },
	{ M32, B("\x82\x07\x01"), KVIRT_OP_ADD, KVIRT_SRC_IMM, true, 1, 1, 4,
	  false, false, false, 0, DS, 7, NOREG, 1, 0, 1 },
	/* 16-bit mode */
	{ M16, B("\x89\x07"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 2, 2, 2,
	  false, false, false, 0, DS, 3, NOREG, 1, 0, 0 },
	{ M16, B("\x8b\x46\xfe"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 2, 2, 2,
	  false, false, false, 0, SS, 5, NOREG, 1, 0xfffe, 0 },
	{ M16, B("\x89\x00"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 2, 2, 2,
	  false, false, false, 0, DS, 3, 6, 1, 0, 0 },
	{ M16, B("\x88\x63\x80"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 1, 1, 2,
	  false, true, false, 4, SS, 5, 7, 1, 0xff80, 0 },
	{ M16, B("\xa1\x00\xb8"), KVIRT_OP_MOV, KVIRT_SRC_REG, false, 2, 2, 2,
	  false, false, false, 0, DS, NOREG, NOREG, 1, 0xb800, 0 },
	{ M16, B("\x66\x89\x36\x34\x12"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 4,
	  4, 2, false, false, false, 6, DS, NOREG, NOREG, 1, 0x1234, 0 },
	{ M16, B("\x67\x89\x04\x24"), KVIRT_OP_MOV, KVIRT_SRC_REG, true, 2, 2,
	  4, false, false, false, 0, SS, 4, NOREG, 1, 0, 0 },
	{ M16, B("\x26\xc6\x06\x00\x10\x5a"), KVIRT_OP_MOV, KVIRT_SRC_IMM, true,
	  1, 1, 2, false, false, false, 0, KVIRT_SEG_ES, NOREG, NOREG, 1,
	  0x1000, 0x5a },
	{ M16, B("\x66\x0f\xbe\x87\x00\x01"), KVIRT_OP_MOV, KVIRT_SRC_REG,
	  false, 4, 1, 2, true, false, false, 0, DS, 3, NOREG, 1, 0x100, 0 },
	{ M16, B("\x81\x2f\x34\x12"), KVIRT_OP_SUB, KVIRT_SRC_IMM, true, 2, 2,
	  2, false, false, false, 5, DS, 3, NOREG, 1, 0, 0x1234 },
};

struct len_case {
	enum kvirt_cpu_mode mode;
	const u8 *bytes;
	unsigned int n;
	enum kvirt_op op;
	unsigned int opsize, adsize, rep;
	int seg;
};

/* Decoded for their length (intercepted instructions) or string operations. */
static const struct len_case len_cases[] = {
	{ M64, B("\x0f\xa2") }, { M64, B("\xf4") }, { M64, B("\x0f\x32") },
	{ M64, B("\x0f\x30") }, { M64, B("\x0f\x31") }, { M64, B("\x0f\x33") },
	{ M64, B("\x0f\x01\xd9") }, { M64, B("\x0f\x01\xc1") },
	{ M64, B("\x0f\x01\xf9") }, { M64, B("\x0f\x01\xd1") },
	{ M64, B("\x0f\x01\xc8") }, { M64, B("\x0f\x01\xc9") },
	{ M64, B("\x0f\x08") }, { M64, B("\x0f\x09") }, { M64, B("\x0f\x06") },
	{ M64, B("\x0f\x01\x38") }, { M64, B("\x0f\x01\xbc\x24\x00\x01\x00\x00") },
	{ M64, B("\x0f\x20\xc0") }, { M64, B("\x0f\x22\xd8") },
	{ M64, B("\x0f\x20\x00") }, { M64, B("\x44\x0f\x22\xc0") },
	{ M64, B("\xf3\x90") }, { M32, B("\x0f\x01\xf0") },
	{ M64, B("\xe4\x60") }, { M64, B("\xe6\x80") }, { M64, B("\xec") },
	{ M64, B("\x66\xef") }, { M16, B("\xe5\x71") }, { M64, B("\x0f\x0b") },
	{ M64, B("\x89\xc8") }, { M64, B("\x48\x8b\xc1") },
	{ M64, B("\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08") },
	{ M64, B("\xb8\x01\x02\x03\x04") }, { M64, B("\x66\xb8\x01\x02") },
	{ M16, B("\xb8\x01\x02") }, { M16, B("\x66\xb8\x01\x02\x03\x04") },
	{ M64, B("\xe8\x00\x00\x00\x00") }, { M16, B("\xe8\x00\x00") },
	{ M32, B("\x66\xe8\x00\x00") }, { M64, B("\x0f\x84\x00\x01\x00\x00") },
	{ M16, B("\x0f\x84\x00\x01") }, { M64, B("\x74\xfe") },
	{ M32, B("\x9a\x00\x00\x00\x00\x08\x00") }, { M16, B("\xea\x00\x7c\x00\x00") },
	{ M64, B("\xc8\x10\x00\x01") }, { M64, B("\xc2\x08\x00") },
	{ M64, B("\x69\xc0\x00\x01\x00\x00") }, { M64, B("\x6b\xc0\x05") },
	{ M64, B("\x66\x0f\x3a\x0f\xc1\x08") }, { M64, B("\x66\x0f\x38\x00\xc1") },
	{ M64, B("\xf7\xe1") }, { M64, B("\xf7\xc1\x00\x00\x01\x00") },
	{ M64, B("\x66\xf7\xc1\x00\x01") }, { M64, B("\xc7\xf8\x00\x00\x00\x00") },
	{ M64, B("\x8f\x07") }, { M64, B("\x0f\x0f\xc1\xb4") }, { M64, B("\xd9\xe8") },
	{ M64, B("\xdd\x07") }, { M32, B("\xc4\x07") }, { M32, B("\xd6") },
	{ M32, B("\x63\x07") }, { M64, B("\xff\x15\x00\x00\x00\x00") },
	{ M64, B("\x8d\x04\x07") }, { M64, B("\x0f\xba\xe0\x05") },
	{ M64, B("\x0f\xae\x38") }, { M64, B("\x40\x90") },
	{ M32, B("\x40") }, { M32, B("\x48\x8b\x07") },
	{ M64, B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
		 "\x90") },
	/* string instructions */
	{ M64, B("\xf3\xab"), KVIRT_OP_STOS, 4, 8, 0xf3, DS },
	{ M64, B("\xf3\x48\xab"), KVIRT_OP_STOS, 8, 8, 0xf3, DS },
	{ M64, B("\xaa"), KVIRT_OP_STOS, 1, 8, 0, DS },
	{ M64, B("\xf3\xa4"), KVIRT_OP_MOVS, 1, 8, 0xf3, DS },
	{ M64, B("\x66\xa5"), KVIRT_OP_MOVS, 2, 8, 0, DS },
	{ M64, B("\x67\xf3\xa4"), KVIRT_OP_MOVS, 1, 4, 0xf3, DS },
	{ M64, B("\x64\xa5"), KVIRT_OP_MOVS, 4, 8, 0, KVIRT_SEG_FS },
	{ M64, B("\x48\x6d"), KVIRT_OP_INS, 4, 8, 0, DS },
	{ M64, B("\xf3\x6e"), KVIRT_OP_OUTS, 1, 8, 0xf3, DS },
	{ M32, B("\xf3\x6d"), KVIRT_OP_INS, 4, 4, 0xf3, DS },
	{ M32, B("\xf3\x2e\x6e"), KVIRT_OP_OUTS, 1, 4, 0xf3, KVIRT_SEG_CS },
	{ M32, B("\xf2\x66\x6f"), KVIRT_OP_OUTS, 2, 4, 0xf2, DS },
	{ M16, B("\x66\xf3\x6f"), KVIRT_OP_OUTS, 4, 2, 0xf3, DS },
	{ M16, B("\xf3\x67\x6c"), KVIRT_OP_INS, 1, 4, 0xf3, DS },
	{ M16, B("\xf3\xab"), KVIRT_OP_STOS, 2, 2, 0xf3, DS },
};

/* Lengths of len_cases, in order; kept apart to keep the table readable. */
static const unsigned char len_expect[] = {
	2, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 2, 2, 2, 3, 8, 3, 3, 3, 4, 2, 3,
	2, 2, 1, 2, 2, 2, 2, 3, 10, 5, 4, 3, 6, 5, 3, 4, 6, 4, 2, 7, 5, 4,
	3, 6, 3, 6, 5, 2, 6, 5, 6, 2, 4, 2, 2, 2, 1, 2, 6, 3, 4, 3, 2, 1,
	1, 15,
	2, 3, 1, 2, 2, 3, 2, 2, 2, 2, 3, 3, 3, 3, 2,
};

struct err_case {
	enum kvirt_cpu_mode mode;
	const u8 *bytes;
	unsigned int n;
	int err;
};

static const struct err_case err_cases[] = {
	{ M64, B(""), -ENODATA },
	{ M64, B("\x06"), -EINVAL }, { M64, B("\x27"), -EINVAL },
	{ M64, B("\x60"), -EINVAL }, { M64, B("\x82\x07\x01"), -EINVAL },
	{ M64, B("\x9a\x00\x00\x00\x00\x08\x00"), -EINVAL },
	{ M64, B("\xd6"), -EINVAL }, { M64, B("\xce"), -EINVAL },
	{ M64, B("\x0f\x04"), -EINVAL }, { M64, B("\x0f\x24\xc0"), -EINVAL },
	{ M64, B("\x0f\xa6"), -EINVAL }, { M64, B("\x0f\x3b"), -EINVAL },
	{ M64, B("\xfe\x17"), -EINVAL }, { M64, B("\xff\xff"), -EINVAL },
	{ M64, B("\xc7\x0f\x00\x00\x00\x00"), -EINVAL },
	{ M64, B("\xc6\xc9\x00"), -EINVAL },
	{ M64, B("\xc5\xf8\x77"), -EOPNOTSUPP },
	{ M64, B("\xc4\xe2\x79\x00\xc1"), -EOPNOTSUPP },
	{ M64, B("\xc4\x07"), -EOPNOTSUPP },
	{ M64, B("\x62\xf1\x7c\x48\x28\xc1"), -EOPNOTSUPP },
	{ M32, B("\xc5\xf8\x77"), -EOPNOTSUPP },
	{ M32, B("\x62\xf1\x7c\x48\x28\xc1"), -EOPNOTSUPP },
	{ M32, B("\x8f\xe8\x78\xc2\xc1\x00"), -EOPNOTSUPP },
	{ M64, B("\x66\xe8\x00\x00"), -EOPNOTSUPP },
	{ M64, B("\x66\x0f\x84\x00\x00"), -EOPNOTSUPP },
	{ M64, B("\x66\x0f\x78\xc1\x01\x02"), -EOPNOTSUPP },
	{ M64, B("\xf2\x0f\x78\xc1\x01\x02"), -EOPNOTSUPP },
	/* 16 bytes */
	{ M64, B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x90"),
	  -EINVAL },
	{ M32, B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\xc7\x07\x01\x02"),
	  -EINVAL },
	{ M64, B("\xf0\xf0\xf0\xf0\xf0\xf0\xf0\xf0\xf0\x48\xc7\x84\x24\x00\x01\x00\x00"),
	  -EINVAL },
};

/* The bytes of @n, padded with NOPs to the architectural maximum. */
static void padded(u8 *buf, const u8 *bytes, unsigned int n)
{
	memset(buf, 0x90, KVIRT_INSN_MAX);
	memcpy(buf, bytes, n);
}

static void hexdump(char *out, const u8 *bytes, unsigned int n)
{
	unsigned int i;

	out[0] = 0;
	for (i = 0; i < n && i < 20; i++)
		sprintf(out + 3 * i, "%02x ", bytes[i]);
}

TEST(memory_operands)
{
	unsigned int i, failed = 0;
	struct kvirt_insn in;
	char hex[64];
	u8 buf[KVIRT_INSN_MAX];

	for (i = 0; i < ARRAY_SIZE(mem_cases); i++) {
		const struct mem_case *c = &mem_cases[i];
		bool ok;
		int r;

		padded(buf, c->bytes, c->n);
		r = kvirt_decode(buf, KVIRT_INSN_MAX, c->mode, &in);
		ok = !r && in.len == c->n && in.op == c->op;
		if (ok && c->op != KVIRT_OP_NONE)
			ok = in.has_mem && in.src == c->src &&
			     in.mem_dst == c->mem_dst &&
			     in.opsize == c->opsize &&
			     in.mem_size == c->mem_size &&
			     in.adsize == c->adsize &&
			     in.sign_extend == c->sign &&
			     in.reg_high8 == c->high8 &&
			     in.rip_relative == c->rip && in.reg == c->reg &&
			     in.seg == c->seg && in.base == c->base &&
			     in.index == c->index && in.scale == c->scale &&
			     in.disp == c->disp &&
			     (c->src != KVIRT_SRC_IMM || in.imm == c->imm);
		if (!ok) {
			hexdump(hex, c->bytes, c->n);
			TH_LOG("mode %d [%s]: r %d len %u op %d src %d dst %d",
			       c->mode * 8, hex, r, in.len, in.op, in.src,
			       in.mem_dst);
			TH_LOG("size %u/%u ad %u sx %d h8 %d rip %d reg %d",
			       in.opsize, in.mem_size, in.adsize, in.sign_extend,
			       in.reg_high8, in.rip_relative, in.reg);
			TH_LOG("seg %d base %d index %d scale %u disp %#llx imm %#llx",
			       in.seg, in.base, in.index, in.scale,
			       (unsigned long long)in.disp,
			       (unsigned long long)in.imm);
			failed++;
		}
	}
	TH_LOG("%zu encodings", ARRAY_SIZE(mem_cases));
	EXPECT_EQ(0U, failed);
}

TEST(lengths_and_string_operations)
{
	unsigned int i, failed = 0;
	struct kvirt_insn in;
	char hex[64];
	u8 buf[KVIRT_INSN_MAX];

	ASSERT_EQ(ARRAY_SIZE(len_cases), ARRAY_SIZE(len_expect));
	for (i = 0; i < ARRAY_SIZE(len_cases); i++) {
		const struct len_case *c = &len_cases[i];
		unsigned int len = len_expect[i];
		bool ok;
		int r;

		padded(buf, c->bytes, c->n);
		r = kvirt_decode(buf, KVIRT_INSN_MAX, c->mode, &in);
		ok = !r && in.len == len && in.op == c->op;
		if (ok && c->op != KVIRT_OP_NONE)
			ok = in.opsize == c->opsize &&
			     in.adsize == c->adsize && in.rep == c->rep &&
			     in.seg == c->seg;
		if (!ok) {
			hexdump(hex, c->bytes, c->n);
			TH_LOG("mode %d [%s]: r %d len %u (want %u) op %d",
			       c->mode * 8, hex, r, in.len, len, in.op);
			TH_LOG("size %u ad %u rep %#x seg %d", in.opsize,
			       in.adsize, in.rep, in.seg);
			failed++;
		}
	}
	TH_LOG("%zu encodings", ARRAY_SIZE(len_cases));
	EXPECT_EQ(0U, failed);
}

TEST(invalid_and_unsupported)
{
	unsigned int i, failed = 0;
	struct kvirt_insn in;
	char hex[64];

	for (i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *c = &err_cases[i];
		int r = kvirt_decode(c->bytes, c->n, c->mode, &in);

		if (r != c->err) {
			hexdump(hex, c->bytes, c->n);
			TH_LOG("mode %d [%s]: %d, want %d", c->mode * 8, hex,
			       r, c->err);
			failed++;
		}
	}
	TH_LOG("%zu encodings", ARRAY_SIZE(err_cases));
	EXPECT_EQ(0U, failed);
}

/* Every prefix of a valid instruction is incomplete, never anything else. */
static unsigned int check_truncated(struct __test_metadata *_metadata,
				    enum kvirt_cpu_mode mode, const u8 *bytes,
				    unsigned int len)
{
	unsigned int k, failed = 0;
	struct kvirt_insn in;
	char hex[64];
	int r;

	if (kvirt_decode(bytes, len, mode, &in))
		return 1;
	for (k = 0; k < in.len; k++) {
		r = kvirt_decode(bytes, k, mode, &in);
		if (r != -ENODATA) {
			hexdump(hex, bytes, len);
			TH_LOG("mode %d [%s] cut to %u: %d", mode * 8, hex, k, r);
			failed++;
		}
	}
	return failed;
}

TEST(truncated)
{
	unsigned int i, failed = 0, n = 0;

	for (i = 0; i < ARRAY_SIZE(mem_cases); i++, n += mem_cases[i - 1].n)
		failed += check_truncated(_metadata, mem_cases[i].mode,
					  mem_cases[i].bytes, mem_cases[i].n);
	for (i = 0; i < ARRAY_SIZE(len_cases); i++, n += len_cases[i - 1].n)
		failed += check_truncated(_metadata, len_cases[i].mode,
					  len_cases[i].bytes, len_cases[i].n);
	TH_LOG("%u truncations", n);
	EXPECT_EQ(0U, failed);
}

/* Garbage never reads past what it is given nor claims more than it has. */
TEST(random_bytes)
{
	static const enum kvirt_cpu_mode modes[] = { M16, M32, M64 };
	unsigned int i, k, failed = 0;
	struct kvirt_insn in;
	u64 seed = 0x9e3779b97f4a7c15ULL;

	for (i = 0; i < 300000; i++) {
		unsigned int avail = i % (KVIRT_INSN_MAX + 1);
		u8 *buf = malloc(avail ? avail : 1);
		int r;

		ASSERT_NE(NULL, buf);
		for (k = 0; k < avail; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[k] = seed >> 56;
		}
		r = kvirt_decode(buf, avail, modes[i % 3], &in);
		if (r == 0 && (in.len == 0 || in.len > avail))
			failed++;
		if (r && r != -ENODATA && r != -EINVAL && r != -EOPNOTSUPP)
			failed++;
		free(buf);
	}
	EXPECT_EQ(0U, failed);
}

TEST_HARNESS_MAIN
