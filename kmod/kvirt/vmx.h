/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: what vmx.c and its assembly stub share: the world switch and the
 * address a VM exit resumes the host at.
 */
#ifndef KVIRT_VMX_H
#define KVIRT_VMX_H

#include <linux/types.h>

/*
 * Run the guest of the current VMCS once, with interrupts off; @regs holds
 * its GPRs in encoding order (RSP lives in the VMCS). 0 after a VM exit,
 * 1 if VMLAUNCH (!@launched) or VMRESUME failed.
 */
int kvirt_vmx_vmrun(u64 *regs, bool launched);

/* HOST_RIP: where every VM exit lands, inside kvirt_vmx_vmrun(). */
void kvirt_vmx_vmexit(void);

#endif /* KVIRT_VMX_H */
