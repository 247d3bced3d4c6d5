// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the cost of a guest exit, the hypervisor's hottest path, three ways:
 * a CPUID the kernel answers without leaving KVM_RUN, an OUT and an MMIO
 * write that each go back to user space; the same binary runs on
 * /dev/kvirt and on the stock /dev/kvm.
 *
 * usage: exit_roundtrip DEVICE ITERATIONS ROUNDS
 *   prints one line "BENCHMARK DEVICE NS_PER_OPERATION" per benchmark, the
 *   best of ROUNDS rounds of ITERATIONS operations (emulated labs have
 *   noisy neighbours). cpuid_kernel times a guest loop of ITERATIONS
 *   CPUIDs inside one KVM_RUN (its closing OUT is part of the time);
 *   pio_out_user and mmio_wr_user time ITERATIONS KVM_RUN calls that each
 *   end in KVM_EXIT_IO or KVM_EXIT_MMIO.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GUEST_MEM	0x1000		/* one page at GPA 0, code at 0 */
#define MMIO_GPA	0x8000		/* no memory slot here */
#define PORT_DONE	0x10		/* one round of CPUIDs is over */
#define PORT_BENCH	0x11		/* one OUT round trip */

/*
 * The guest, in real mode with CS = DS = 0, started once with EDI =
 * iterations and EBP = rounds: the three benchmarks one after
 * the other, then HLT. It counts its own rounds, so user space never
 * changes a register while an OUT or MMIO exit waits for completion.
 */
static const uint8_t guest_code[] = {
	0x66, 0x89, 0x2e, 0x00, 0x0f,	/*    mov [0xf00], ebp  ; rounds */
	0x66, 0x89, 0xfe,		/* 1: mov esi, edi */
	0x66, 0x31, 0xc0,		/* 2: xor eax, eax */
	0x0f, 0xa2,			/*    cpuid  ; in the kernel */
	0x66, 0x4e,			/*    dec esi */
	0x75, 0xf7,			/*    jnz 2b */
	0xe6, PORT_DONE,		/*    out PORT_DONE, al */
	0x66, 0xff, 0x0e, 0x00, 0x0f,	/*    dec dword [0xf00] */
	0x75, 0xeb,			/*    jnz 1b */
	0x66, 0x89, 0xf9,		/*    mov ecx, edi */
	0x66, 0x0f, 0xaf, 0xcd,		/*    imul ecx, ebp */
	0xe6, PORT_BENCH,		/* 3: out PORT_BENCH, al */
	0x66, 0x49,			/*    dec ecx */
	0x75, 0xfa,			/*    jnz 3b */
	0x66, 0x89, 0xf9,		/*    mov ecx, edi */
	0x66, 0x0f, 0xaf, 0xcd,		/*    imul ecx, ebp */
	0xbb, MMIO_GPA & 0xff, MMIO_GPA >> 8,	/*    mov bx, MMIO_GPA */
	0x88, 0x07,			/* 4: mov [bx], al  ; MMIO, one byte */
	0x66, 0x49,			/*    dec ecx */
	0x75, 0xfa,			/*    jnz 4b */
	0xf4,				/*    hlt */
};

struct vm {
	const char *dev;
	int fd, vm, vcpu;
	struct kvm_run *run;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int fail(const struct vm *v, const char *what)
{
	fprintf(stderr, "exit_roundtrip: %s: %s: %s\n", v->dev, what,
		strerror(errno));
	return -1;
}

static int vm_create(struct vm *v, long iterations, long rounds)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = GUEST_MEM,
	};
	struct kvm_regs regs = { .rflags = 2 };
	struct kvm_sregs sregs;
	uint8_t *mem;
	int size;

	v->fd = open(v->dev, O_RDWR | O_CLOEXEC);
	if (v->fd < 0)
		return fail(v, "open");
	if (ioctl(v->fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return fail(v, "KVM_GET_API_VERSION");
	v->vm = ioctl(v->fd, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return fail(v, "KVM_CREATE_VM");
	/* Intel hosts need the TSS address; who claims it gets it. */
	if (ioctl(v->vm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    ioctl(v->vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		return fail(v, "KVM_SET_TSS_ADDR");
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail(v, "mmap guest memory");
	memcpy(mem, guest_code, sizeof(guest_code));
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail(v, "KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return fail(v, "KVM_CREATE_VCPU");
	size = ioctl(v->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(*v->run))
		return fail(v, "KVM_GET_VCPU_MMAP_SIZE");
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	if (v->run == MAP_FAILED)
		return fail(v, "mmap kvm_run");
	if (ioctl(v->vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail(v, "KVM_GET_SREGS");
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	sregs.ds.selector = 0;
	sregs.ds.base = 0;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail(v, "KVM_SET_SREGS");
	regs.rdi = iterations;
	regs.rbp = rounds;
	if (ioctl(v->vcpu, KVM_SET_REGS, &regs) < 0)
		return fail(v, "KVM_SET_REGS");
	return 0;
}

/* One KVM_RUN that must end with @reason at port or address @where. */
static int vm_run(struct vm *v, uint32_t reason, uint64_t where)
{
	const struct kvm_run *r = v->run;
	bool ok;

	if (ioctl(v->vcpu, KVM_RUN, 0) < 0)
		return fail(v, "KVM_RUN");
	if (r->exit_reason != reason)
		ok = false;
	else if (reason == KVM_EXIT_IO)
		ok = r->io.direction == KVM_EXIT_IO_OUT && r->io.port == where;
	else if (reason == KVM_EXIT_MMIO)
		ok = r->mmio.is_write && r->mmio.phys_addr == where;
	else
		ok = true;
	if (ok)
		return 0;
	fprintf(stderr, "exit_roundtrip: %s: exit reason %u, wanted %u at %#llx\n",
		v->dev, r->exit_reason, reason, (unsigned long long)where);
	return -1;
}

/* Best of @rounds rounds of @runs KVM_RUNs, in ns per @ops operations. */
static double best_of(struct vm *v, long rounds, long runs, long ops,
		      uint32_t reason, uint64_t where)
{
	double start, ns, best = 0;
	long round, i;

	for (round = 0; round < rounds; round++) {
		start = now_ns();
		for (i = 0; i < runs; i++)
			if (vm_run(v, reason, where))
				return -1;
		ns = (now_ns() - start) / ops;
		if (!round || ns < best)
			best = ns;
	}
	return best;
}

int main(int argc, char **argv)
{
	struct vm v = { .dev = argv[1] };
	double cpuid, out, mmio;
	long n = argc == 4 ? atol(argv[2]) : 0;
	long rounds = argc == 4 ? atol(argv[3]) : 0;

	if (n <= 0 || rounds <= 0 || n > INT32_MAX / rounds) {
		fprintf(stderr, "usage: exit_roundtrip DEVICE ITERATIONS ROUNDS\n");
		return 2;
	}
	/* One VM for all: the stock module under TCG dislikes many. */
	if (vm_create(&v, n, rounds))
		return 1;
	cpuid = best_of(&v, rounds, 1, n, KVM_EXIT_IO, PORT_DONE);
	if (cpuid < 0)
		return 1;
	printf("cpuid_kernel %s %.0f\n", v.dev, cpuid);
	out = best_of(&v, rounds, n, n, KVM_EXIT_IO, PORT_BENCH);
	if (out < 0)
		return 1;
	printf("pio_out_user %s %.0f\n", v.dev, out);
	mmio = best_of(&v, rounds, n, n, KVM_EXIT_MMIO, MMIO_GPA);
	if (mmio < 0)
		return 1;
	/* The guest counted as we did and stopped where it should. */
	if (vm_run(&v, KVM_EXIT_HLT, 0))
		return 1;
	printf("mmio_wr_user %s %.0f\n", v.dev, mmio);
	return 0;
}
