/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: what several kvirt selftests need from the lab VM: loading modules,
 * reading kvirt's debugfs status, CPU MSRs, and a guest on the stock KVM
 * module as the witness that the CPUs were given back.
 */
#ifndef KVIRT_LAB_UTIL_H
#define KVIRT_LAB_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvirt.h>

#define KVIRT_DEV "/dev/" KVIRT_DEVICE_NAME
#define KVM_DEV "/dev/kvm"
#define MAX_CPUS 64

struct kvirt_status {
	char vendor[32];
	int vms;
	int memslots;			/* in use, over all VMs */
	int cpus;			/* possible CPUs listed */
	bool on[MAX_CPUS];
};

/* Each returns 0 or a negative errno. */
int kvirt_load(void);			/* from $KVIRT_KO; 0 if loaded */
int kvirt_unload(void);
bool kvirt_loaded(void);
int kvirt_read_status(struct kvirt_status *st);
int kvirt_cpus_on(const struct kvirt_status *st);

bool host_is_svm(void);
const char *stock_kvm_module(void);	/* kvm_amd or kvm_intel */
int module_probe(const char *name);	/* modprobe NAME */
int module_remove(const char *name);

int online_cpus(void);
int set_cpu_online(int cpu, bool online);
int read_msr(int cpu, uint32_t msr, uint64_t *val);

/* Create a VM on /dev/kvm and run "hlt" in real mode: KVM_EXIT_HLT or -errno. */
int kvm_run_hlt_guest(int kvm_fd, int vm_fd);

#endif /* KVIRT_LAB_UTIL_H */
