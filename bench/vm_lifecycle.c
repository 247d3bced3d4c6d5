// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: measures a VM's whole life on an idle host, KVM_CREATE_VM then
 * close, which switches virtualization on in every CPU and off again; the
 * same binary runs on /dev/kvirt and on the stock /dev/kvm.
 *
 * usage: vm_lifecycle DEVICE ITERATIONS ROUNDS
 *   prints "vm_lifecycle DEVICE NS_PER_VM"
 * (the best round wins: emulated labs have noisy neighbours)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc == 4 ? atol(argv[2]) : 0;
	long rounds = argc == 4 ? atol(argv[3]) : 0;
	double start, best = 0;
	long i, round;
	int fd;

	if (n <= 0 || rounds <= 0) {
		fprintf(stderr, "usage: vm_lifecycle DEVICE ITERATIONS ROUNDS\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "vm_lifecycle: %s: not a KVM API device: %s\n",
			argv[1], strerror(errno));
		return 1;
	}
	for (round = 0; round < rounds; round++) {
		double ns;

		start = now_ns();
		for (i = 0; i < n; i++) {
			int vm = ioctl(fd, KVM_CREATE_VM, 0);

			if (vm < 0) {
				fprintf(stderr, "vm_lifecycle: KVM_CREATE_VM: %s\n",
					strerror(errno));
				return 1;
			}
			close(vm);
		}
		ns = (now_ns() - start) / n;
		if (!round || ns < best)
			best = ns;
	}
	printf("vm_lifecycle %s %.0f\n", argv[1], best);
	close(fd);
	return 0;
}
