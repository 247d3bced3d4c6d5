/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the one thing svm.c and its assembly stub share: the world switch's
 * signature.
 */
#ifndef KVIRT_SVM_H
#define KVIRT_SVM_H

#include <linux/types.h>

/*
 * Run the guest of the VMCB at @vmcb_pa once, with interrupts off and GIF
 * clear; @regs holds its GPRs in encoding order (RAX and RSP live in the
 * VMCB) and @host_area_pa receives what VMRUN leaves to VMSAVE/VMLOAD.
 */
void kvirt_svm_vmrun(u64 vmcb_pa, u64 *regs, u64 host_area_pa);

#endif /* KVIRT_SVM_H */
