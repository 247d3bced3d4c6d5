// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: kvirt's promise is that a program written for /dev/kvm runs
 * unchanged on /dev/kvirt. The client below is such a program, written
 * from Documentation/virt/kvm/api.rst alone, as an outsider would: it
 * boots a real-mode guest that prints a string with OUT, reads a port,
 * writes and reads MMIO and halts, and notes every exit with the
 * registers at it. The transcript on kvirt must equal the stock module's,
 * line for line.
 *
 * KVIRT_TEST_ONLY_KVM=1 in the environment runs the client on /dev/kvm
 * alone (its transcript still checked against what the guest must do) and
 * reports the test as skipped: for validating the client while kvirt does
 * not run guests yet. Without it, both devices, one after the other.
 *
 * Transcript, one line per step:
 *   api 12
 *   caps USER_MEMORY NR_MEMSLOTS
 *   exit N: io out|in port 0xP size S count C data|answer BYTES | REGS
 *   exit N: mmio write|read addr 0xA len L data|answer BYTES | REGS
 *   exit N: hlt | REGS
 * where BYTES are hex in memory order (what the guest wrote, or what the
 * client answered) and REGS is KVM_GET_REGS taken when the exit arrived,
 * before the client answered.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lab_util.h"

#define GUEST_MEM	0x8000		/* slot 0 at GPA 0 */
#define GUEST_CODE	0x1000
#define GUEST_STACK	0x7000
#define PORT_PRINT	0xe9
#define PORT_ASK	0x510
#define MMIO_BASE	0xd000		/* above the slot: no memory there */
#define IN_ANSWER	0xbeef
#define MMIO_ANSWER	0xcafef00d
#define MAX_EXITS	32

/* Real mode, CS = DS = 0, loaded at GUEST_CODE. */
static const uint8_t guest_code[] = {
	0xbe, 0x1b, 0x10,		/*    mov si, GUEST_CODE + 0x1b (msg) */
	0xb9, 0x06, 0x00,		/*    mov cx, 6 */
	0xba, PORT_PRINT, 0x00,		/*    mov dx, PORT_PRINT */
	0xac,				/* 1: lodsb */
	0xee,				/*    out dx, al */
	0xe2, 0xfc,			/*    loop 1b */
	0xba, PORT_ASK & 0xff, PORT_ASK >> 8,	/* mov dx, PORT_ASK */
	0xed,				/*    in ax, dx */
	0xbb, 0x00, MMIO_BASE >> 8,	/*    mov bx, MMIO_BASE */
	0x89, 0x07,			/*    mov [bx], ax */
	0x66, 0x8b, 0x4f, 0x04,		/*    mov ecx, [bx + 4] */
	0xf4,				/*    hlt */
	'H', 'e', 'l', 'l', 'o', '\n',	/* msg */
};

/* What the guest must make any faithful hypervisor report, in order. */
static const char * const expected_exits[] = {
	"io out port 0xe9 size 1 count 1 data 48",
	"io out port 0xe9 size 1 count 1 data 65",
	"io out port 0xe9 size 1 count 1 data 6c",
	"io out port 0xe9 size 1 count 1 data 6c",
	"io out port 0xe9 size 1 count 1 data 6f",
	"io out port 0xe9 size 1 count 1 data 0a",
	"io in port 0x510 size 2 count 1 answer ef be",
	"mmio write addr 0xd000 len 2 data ef be",
	"mmio read addr 0xd004 len 4 answer 0d f0 fe ca",
	"hlt",
};

struct transcript {
	char text[8192];
	size_t len;
};

static void note(struct transcript *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->text + t->len, sizeof(t->text) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = t->len + n < sizeof(t->text) ? t->len + n :
			 sizeof(t->text) - 1;
}

static void note_bytes(struct transcript *t, const char *what,
		       const uint8_t *p, size_t n)
{
	size_t i;

	note(t, " %s", what);
	for (i = 0; i < n; i++)
		note(t, " %02x", p[i]);
}

static int failed(struct transcript *t, const char *what)
{
	note(t, "error: %s: %s\n", what, strerror(errno));
	return -1;
}

/* Answer an IN or MMIO read with @val, little-endian like the guest. */
static void answer(uint8_t *data, size_t n, uint64_t val)
{
	size_t i;

	for (i = 0; i < n; i++)
		data[i] = val >> (8 * i);
}

/* One exit: note it, answer it; 1 when the guest is done. */
static int handle_exit(struct transcript *t, int vcpu, struct kvm_run *run,
		       int nr)
{
	struct kvm_regs regs;
	uint8_t *data;
	size_t n;
	int done = 0;

	if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
		return failed(t, "KVM_GET_REGS");
	note(t, "exit %d:", nr);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		data = (uint8_t *)run + run->io.data_offset;
		n = (size_t)run->io.size * run->io.count;
		note(t, " io %s port %#x size %u count %u",
		     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
		     run->io.port, run->io.size, run->io.count);
		if (run->io.direction == KVM_EXIT_IO_IN)
			answer(data, n, IN_ANSWER);
		note_bytes(t, run->io.direction == KVM_EXIT_IO_OUT ? "data" :
			   "answer", data, n);
		break;
	case KVM_EXIT_MMIO:
		note(t, " mmio %s addr %#llx len %u",
		     run->mmio.is_write ? "write" : "read",
		     (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		if (!run->mmio.is_write)
			answer(run->mmio.data, run->mmio.len, MMIO_ANSWER);
		note_bytes(t, run->mmio.is_write ? "data" : "answer",
			   run->mmio.data, run->mmio.len);
		break;
	case KVM_EXIT_HLT:
		note(t, " hlt");
		done = 1;
		break;
	default:
		note(t, " reason %u", run->exit_reason);
		done = -1;
		break;
	}
	note(t, " | rax %llx rbx %llx rcx %llx rdx %llx", regs.rax, regs.rbx,
	     regs.rcx, regs.rdx);
	note(t, " rsi %llx rdi %llx rsp %llx rbp %llx rip %llx rflags %llx\n",
	     regs.rsi, regs.rdi, regs.rsp, regs.rbp, regs.rip, regs.rflags);
	return done;
}

static int run_vcpu(struct transcript *t, int dev, int vm, uint8_t *mem)
{
	struct kvm_regs regs = {
		.rip = GUEST_CODE, .rsp = GUEST_STACK, .rflags = 0x2,
	};
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM,
		.userspace_addr = (uintptr_t)mem,
	};
	struct kvm_run *run = MAP_FAILED;
	struct kvm_sregs sregs;
	int vcpu, size = 0, nr, r = -1;

	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return failed(t, "KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return failed(t, "KVM_CREATE_VCPU");
	size = ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(*run)) {
		failed(t, "KVM_GET_VCPU_MMAP_SIZE");
		goto out;
	}
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED) {
		failed(t, "mmap the vcpu");
		goto out;
	}
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
		failed(t, "KVM_GET_SREGS");
		goto out;
	}
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	sregs.ds.selector = 0;
	sregs.ds.base = 0;
	sregs.ss.selector = 0;
	sregs.ss.base = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) {
		failed(t, "KVM_SET_SREGS");
		goto out;
	}
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
		failed(t, "KVM_SET_REGS");
		goto out;
	}
	for (nr = 1, r = 0; nr <= MAX_EXITS && !r; nr++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			r = failed(t, "KVM_RUN");
		else
			r = handle_exit(t, vcpu, run, nr);
	}
	if (!r)
		note(t, "error: more than %d exits\n", MAX_EXITS);
	r = r == 1 ? 0 : -1;
out:
	if (run != MAP_FAILED)
		munmap(run, size);
	close(vcpu);
	return r;
}

/* The client: run the guest on @dev and close everything; 0 if it halted. */
static int run_client(const char *dev, struct transcript *t)
{
	uint8_t *mem;
	int fd, vm, r;

	t->len = 0;
	t->text[0] = 0;
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return failed(t, dev);
	r = ioctl(fd, KVM_GET_API_VERSION, 0);
	note(t, "api %d\n", r);
	if (r != KVM_API_VERSION) {
		close(fd);
		return -1;
	}
	if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0 ||
	    ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS) < 1) {
		note(t, "error: needs USER_MEMORY and a memory slot\n");
		close(fd);
		return -1;
	}
	note(t, "caps USER_MEMORY NR_MEMSLOTS\n");
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		r = failed(t, "KVM_CREATE_VM");
		close(fd);
		return r;
	}
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		r = failed(t, "mmap guest memory");
	} else {
		memcpy(mem + GUEST_CODE, guest_code, sizeof(guest_code));
		/* api.rst: Intel hosts need it; ask, as it is optional. */
		if (ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
		    ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
			r = failed(t, "KVM_SET_TSS_ADDR");
		else
			r = run_vcpu(t, fd, vm, mem);
		munmap(mem, GUEST_MEM);
	}
	close(vm);
	close(fd);
	return r;
}

/* Show @t as TAP diagnostics, each line prefixed with @dev. */
static void show(const char *dev, const struct transcript *t)
{
	const char *p = t->text, *nl;

	while ((nl = strchr(p, '\n'))) {
		ksft_print_msg("%s: %.*s\n", dev, (int)(nl - p), p);
		p = nl + 1;
	}
	/* The harness ends a test with _exit(): nothing buffered survives. */
	fflush(stdout);
}

/* Line @i of @t (from 0, each ends in a newline), its length in @len; NULL past the end. */
static const char *nth_line(const struct transcript *t, int i, int *len)
{
	const char *p = t->text, *nl;

	for (; (nl = strchr(p, '\n')); p = nl + 1) {
		if (!i--) {
			*len = nl - p;
			return p;
		}
	}
	return NULL;
}

/* The stock module is the reference: it must do what the guest says. */
static void check_reference(struct __test_metadata *_metadata,
			    const struct transcript *t)
{
	const char *line = NULL;
	char want[128];
	int i, len;

	for (i = 0; i < (int)ARRAY_SIZE(expected_exits); i++) {
		line = nth_line(t, i + 2, &len);
		ASSERT_TRUE(!!line) TH_LOG("kvm: no exit %d", i + 1);
		snprintf(want, sizeof(want), "exit %d: %s | ", i + 1,
			 expected_exits[i]);
		EXPECT_EQ(0, strncmp(line, want, strlen(want)))
			TH_LOG("kvm: exit %d is not \"%s\"", i + 1,
			       expected_exits[i]);
	}
	EXPECT_FALSE(!!nth_line(t, i + 2, &len));
	/* The answers reached the guest's registers. */
	EXPECT_TRUE(!!strstr(line, "rax beef rbx d000 rcx cafef00d"));
}

TEST(same_transcript_as_stock_kvm)
{
	static struct transcript kvm, kvirt;
	const char *only_kvm = getenv("KVIRT_TEST_ONLY_KVM");
	const char *a, *b;
	int i, alen, blen;

	ASSERT_EQ(0, module_probe(stock_kvm_module()));
	EXPECT_EQ(0, run_client(KVM_DEV, &kvm));
	show(KVM_DEV, &kvm);
	check_reference(_metadata, &kvm);
	/* No VM of the stock module may be left for kvirt to collide with. */
	EXPECT_EQ(0, module_remove(stock_kvm_module()));
	if (only_kvm && !strcmp(only_kvm, "1"))
		SKIP(return, "KVIRT_TEST_ONLY_KVM=1: the kvirt side not run");

	ASSERT_EQ(0, kvirt_load());
	EXPECT_EQ(0, run_client(KVIRT_DEV, &kvirt));
	show(KVIRT_DEV, &kvirt);
	for (i = 0; (a = nth_line(&kvm, i, &alen)); i++) {
		b = nth_line(&kvirt, i, &blen);
		if (!b || alen != blen || memcmp(a, b, alen)) {
			TH_LOG("first difference, kvm:   %.*s", alen, a);
			TH_LOG("                  kvirt: %.*s", b ? blen : 4,
			       b ? b : "none");
			break;
		}
	}
	EXPECT_EQ(0, strcmp(kvm.text, kvirt.text));
}

TEST_HARNESS_MAIN
