/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the instruction emulator's interface: guest accesses the hardware
 * cannot finish alone (MMIO, string port IO, skipping an intercepted
 * instruction without next-RIP) are decoded and completed here.
 */
#ifndef KVIRT_EMULATE_H
#define KVIRT_EMULATE_H

#include <linux/types.h>

#include "decode.h"

struct kvirt_vcpu;

/*
 * An emulation interrupted by an exit to userspace, resumed on KVM_RUN: an
 * MMIO read (the instruction is run again with the data userspace put in
 * run->mmio.data) or a string IN (the data is in the pio page). Registers
 * and RIP are untouched until then, so the instruction's bytes are all
 * that must be kept.
 */
struct kvirt_emul {
	bool pending;		/* kvirt_emulate_complete() has work */
	bool pio_in;		/* a string IN, else an MMIO read */
	u8 len;			/* of the instruction in @bytes */
	u8 mmio_len;		/* bytes of the MMIO read */
	u16 pio_count;		/* elements of the string IN */
	u8 bytes[KVIRT_INSN_MAX];
};

/*
 * Each returns 1 to re-enter the guest, 0 to return to userspace with
 * vcpu->run filled in (KVM_EXIT_MMIO, KVM_EXIT_IO, KVM_EXIT_INTERNAL_ERROR),
 * or a negative errno.
 */

/* The guest touched @gpa, which no memslot backs (or wrote a read-only one). */
int kvirt_emulate_mmio(struct kvirt_vcpu *vcpu, u64 gpa);
/* An intercepted INS/OUTS, REP or not, of @size bytes at @port. */
int kvirt_emulate_string_io(struct kvirt_vcpu *vcpu, u16 port,
			    unsigned int size, bool in, bool rep);
/* KVM_RUN after an emulated exit: consume the data userspace provided. */
int kvirt_emulate_complete(struct kvirt_vcpu *vcpu);
/* Advance RIP past the instruction at RIP (no next-RIP from hardware). */
int kvirt_skip_instruction(struct kvirt_vcpu *vcpu);

#endif /* KVIRT_EMULATE_H */
