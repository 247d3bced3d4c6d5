/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Why: kvirt's own additions to the KVM, vhost and OVS ABIs, shared by
 * kernel and user code; everything else comes from the kernel's headers.
 */
#ifndef _UAPI_LINUX_KVIRT_H
#define _UAPI_LINUX_KVIRT_H

/* /dev/kvirt speaks the KVM API (linux/kvm.h) where /dev/kvm would. */
#define KVIRT_DEVICE_NAME "kvirt"

#endif /* _UAPI_LINUX_KVIRT_H */
