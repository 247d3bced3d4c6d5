// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the lab helpers shared by kvirt's selftests (see lab_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lab_util.h"

bool kvirt_loaded(void)
{
	struct stat st;

	return stat("/sys/module/kvirt", &st) == 0;
}

int kvirt_load(void)
{
	const char *ko = getenv("KVIRT_KO");
	int fd, r;

	if (kvirt_loaded())
		return 0;
	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

int kvirt_unload(void)
{
	return syscall(SYS_delete_module, "kvirt", O_NONBLOCK) ? -errno : 0;
}

int kvirt_read_status(struct kvirt_status *st)
{
	FILE *f = fopen("/sys/kernel/debug/kvirt/status", "re");
	char line[128], state[8];
	int cpu;

	if (!f)
		return -errno;
	memset(st, 0, sizeof(*st));
	/* A missing line must not read as "nothing leaked". */
	st->vms = -1;
	st->memslots = -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "vendor: %31[^\n]", st->vendor) == 1)
			continue;
		if (sscanf(line, "vms: %d", &st->vms) == 1)
			continue;
		if (sscanf(line, "memslots: %d", &st->memslots) == 1)
			continue;
		if (sscanf(line, "cpu%d: %7s", &cpu, state) == 2 &&
		    cpu >= 0 && cpu < MAX_CPUS) {
			st->on[cpu] = !strcmp(state, "on");
			if (cpu + 1 > st->cpus)
				st->cpus = cpu + 1;
		}
	}
	fclose(f);
	return st->vendor[0] && st->vms >= 0 && st->memslots >= 0 ? 0 : -EINVAL;
}

int kvirt_cpus_on(const struct kvirt_status *st)
{
	int cpu, n = 0;

	for (cpu = 0; cpu < st->cpus; cpu++)
		n += st->on[cpu];
	return n;
}

bool host_is_svm(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096];
	bool svm = false;

	if (!f)
		return false;
	while (!svm && fgets(line, sizeof(line), f))
		svm = !strncmp(line, "flags", 5) && strstr(line, " svm");
	fclose(f);
	return svm;
}

const char *stock_kvm_module(void)
{
	return host_is_svm() ? "kvm_amd" : "kvm_intel";
}

static int run_quiet(const char *cmd)
{
	int r = system(cmd);

	return r == 0 ? 0 : -EIO;
}

int module_probe(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "modprobe %s", name);
	return run_quiet(cmd);
}

int module_remove(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "modprobe -r %s", name);
	return run_quiet(cmd);
}

int online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

int set_cpu_online(int cpu, bool online)
{
	char path[64];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, online ? "1" : "0", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

int read_msr(int cpu, uint32_t msr, uint64_t *val)
{
	char path[64];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, val, sizeof(*val), msr) != sizeof(*val))
		r = -errno;
	close(fd);
	return r;
}

/* Written from Documentation/virt/kvm/api.rst alone, as any client would. */
int kvm_run_hlt_guest(int kvm_fd, int vm_fd)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = 0x1000,
	};
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_sregs sregs;
	struct kvm_run *run = MAP_FAILED;
	int vcpu = -1, size = 0, r;
	uint8_t *mem;

	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	mem[0] = 0xf4;	/* hlt */
	region.userspace_addr = (uintptr_t)mem;

	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0 ||
	    ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		goto fail;
	vcpu = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size < 0)
		goto fail;
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		goto fail;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(vcpu, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(vcpu, KVM_RUN, 0) < 0)
		goto fail;
	r = run->exit_reason;
	goto out;
fail:
	r = -errno;
out:
	if (run != MAP_FAILED)
		munmap(run, size);
	if (vcpu >= 0)
		close(vcpu);
	munmap(mem, 0x1000);
	return r;
}
