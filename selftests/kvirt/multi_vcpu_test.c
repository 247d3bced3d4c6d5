// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a VMM runs each vCPU of a VM from its own thread, all at once. The
 * vCPUs must not disturb each other: exits arrive at the right thread with
 * the right data, a signal or immediate_exit stops only the vCPU it is
 * meant for, and the VM goes away cleanly however its process lets go of
 * it while vCPUs are in the guest: closing every fd, unmapping guest RAM,
 * exiting, or being killed. Each test runs on /dev/kvirt and, as the
 * reference, on the stock /dev/kvm.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_util.h"

#define NR_VCPUS	4
#define ITERATIONS	400
#define MMIO_EVERY	8
#define AREA		0x1000
#define CODE_GPA(id)	(GUEST_CODE_GPA + (id) * AREA)	/* code copies */
#define DATA_GPA(id)	(GUEST_FREE_GPA + (id) * AREA)	/* counters */
#define MMIO_GPA(id)	(0x40000000ULL + (id) * AREA)	/* no slot */
#define RUN_MS		10000
#define WAIT_MS		10000
#define POKES		12
#define OUT32		"outl %eax, $" GUEST_STR(GUEST_PORT) "\n"

#define diag(fmt, ...)	fprintf(stderr, "# " fmt "\n", ##__VA_ARGS__)

/*
 * 32-bit protected mode without paging, position independent: each vCPU
 * runs its own copy. mv_work: ECX times, count at [EDI] and OUT EBX | i;
 * every MMIO_EVERY-th time also store that to [ESI], an MMIO address.
 * mv_spin: count at [EDI] until the dword at [EDI + 4] is not 0.
 */
GUEST_CODE_SYMS(mv);
GUEST_LABEL(mv_work);
GUEST_LABEL(mv_spin);
GUEST_CODE(mv,
	   ".code32\n"
	   "mv_work: xorl %edx, %edx\n"
	   "1: incl (%edi)\n"
	   "movl %ebx, %eax\n"
	   "orl %edx, %eax\n" OUT32
	   "testl $" GUEST_STR(MMIO_EVERY) " - 1, %edx\n"
	   "jnz 2f\n"
	   "movl %eax, (%esi)\n"
	   "2: incl %edx\n"
	   "cmpl %ecx, %edx\n"
	   "jne 1b\n"
	   "hlt\n"
	   "mv_spin: incl (%edi)\n"
	   "cmpl $0, 4(%edi)\n"
	   "je mv_spin\n"
	   "hlt\n");

struct vcpu {
	struct guest v;
	int id;
	pthread_t thread;
	int iterations;		/* mv_work's; 0 for mv_spin */
	int result;		/* 0: every exit as expected */
	int run_errno;		/* mv_spin: how KVM_RUN ended, 0 for HLT */
	int signals;		/* mv_spin: EINTRs from KVM_RUN */
	int immediate;		/* ... of which immediate_exit ones */
};

FIXTURE(mv) {
	struct guest g;
	struct vcpu vcpus[NR_VCPUS];
};

/* vCPU @id of @g, in its own struct guest, with the code copied. */
static int vcpu_init(struct guest *g, struct vcpu *c, int id)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->v.vcpu_fd = -1;
	if (id == 0) {
		c->v = *g;
	} else {
		r = guest_add_vcpu(g, id, &c->v);
		if (r)
			return r;
	}
	memcpy(g->mem + CODE_GPA(id), mv_start, mv_end - mv_start);
	memset(g->mem + DATA_GPA(id), 0, AREA);
	return guest_set_mode(&c->v, GUEST_PM32, CODE_GPA(id));
}

/* Point @c at mv_work (@iterations > 0) or mv_spin. */
static int vcpu_enter(struct vcpu *c, int iterations)
{
	struct kvm_regs regs;
	int r = guest_get_regs(&c->v, &regs);

	if (r)
		return r;
	c->iterations = iterations;
	regs.rip = CODE_GPA(c->id) + (iterations ? mv_work - mv_start :
				      mv_spin - mv_start);
	regs.rbx = (uint32_t)c->id << 24;
	regs.rcx = iterations;
	regs.rsi = MMIO_GPA(c->id);
	regs.rdi = DATA_GPA(c->id);
	regs.rflags = 2;
	return guest_set_regs(&c->v, &regs);
}

static uint32_t *counter(struct guest *g, int id)
{
	return (uint32_t *)(g->mem + DATA_GPA(id));
}

static void *work_main(void *arg)
{
	struct vcpu *c = arg;
	uint32_t value;
	int i;

	guest_set_run_timeout(RUN_MS);
	c->result = 0;
	for (i = 0; i < c->iterations; i++) {
		value = (uint32_t)c->id << 24 | i;
		if (guest_expect_out(&c->v, GUEST_PORT, 4, value))
			break;
		if (!(i % MMIO_EVERY) &&
		    guest_expect_mmio_write(&c->v, MMIO_GPA(c->id), 4, &value))
			break;
	}
	if (i < c->iterations || guest_expect_exit(&c->v, KVM_EXIT_HLT)) {
		diag("vCPU %d failed after %d of %d rounds", c->id, i,
		     c->iterations);
		c->result = -1;
	}
	return NULL;
}

static void on_poke(int sig)
{
}

/*
 * mv_spin until HLT or an error: an EINTR (from a signal) lets it go on;
 * if immediate_exit is set then, the next KVM_RUN must return EINTR at
 * once without running the guest, and the one after that goes on.
 */
static void *spin_main(void *arg)
{
	struct vcpu *c = arg;
	struct guest *v = &c->v;
	uint32_t before;
	int r;

	guest_set_run_timeout(RUN_MS);
	for (;;) {
		r = guest_run(v);
		if (!r && v->run->exit_reason == KVM_EXIT_HLT)
			break;
		if (r != -EINTR) {
			c->run_errno = r ? -r : EPROTO;
			if (!r)
				diag("vCPU %d: exit %s", c->id,
				     guest_exit_name(v->run->exit_reason));
			return NULL;
		}
		__atomic_add_fetch(&c->signals, 1, __ATOMIC_RELEASE);
		if (!__atomic_load_n(&v->run->immediate_exit, __ATOMIC_ACQUIRE))
			continue;
		before = __atomic_load_n(counter(v, c->id), __ATOMIC_RELAXED);
		r = guest_run(v);
		if (r != -EINTR ||
		    __atomic_load_n(counter(v, c->id), __ATOMIC_RELAXED) !=
		    before) {
			diag("vCPU %d ran with immediate_exit set", c->id);
			c->run_errno = r ? -r : EPROTO;
			return NULL;
		}
		c->immediate++;
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELEASE);
	}
	c->run_errno = 0;
	return NULL;
}

FIXTURE_SETUP(mv)
{
	struct sigaction sa = { .sa_handler = on_poke };
	int i;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, guest_init(&self->g));
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, vcpu_init(&self->g, &self->vcpus[i], i));
}

FIXTURE_TEARDOWN(mv)
{
	int i;

	for (i = 1; i < NR_VCPUS; i++)
		guest_put_vcpu(&self->vcpus[i].v);
	guest_destroy(&self->g);
	EXPECT_EQ(0, guest_wait_released(2000));
}

TEST_F(mv, concurrent_exits)
{
	struct vcpu *c;
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, vcpu_enter(&self->vcpus[i], ITERATIONS + 8 * i));
		c = &self->vcpus[i];
		c->result = -1;
		ASSERT_EQ(0, pthread_create(&c->thread, NULL, work_main, c));
	}
	for (i = 0; i < NR_VCPUS; i++) {
		c = &self->vcpus[i];
		pthread_join(c->thread, NULL);
		EXPECT_EQ(0, c->result) TH_LOG("vCPU %d", i);
		EXPECT_EQ(c->iterations, *counter(&self->g, i))
			TH_LOG("vCPU %d", i);
	}
}

static int elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Interrupt @spin's KVM_RUN with SIGUSR1 (@immediate: with immediate_exit
 * set first): the ms until it saw EINTR, or -1. A signal that came while
 * the thread was between two KVM_RUNs ends none, so poke until one does.
 */
static int poke(struct vcpu *spin, bool immediate)
{
	int before = __atomic_load_n(&spin->signals, __ATOMIC_ACQUIRE);
	struct timespec t0;
	int ms, next = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (immediate)
		__atomic_store_n(&spin->v.run->immediate_exit, 1,
				 __ATOMIC_RELEASE);
	for (ms = 0; ms < WAIT_MS; ms = elapsed_ms(&t0)) {
		if (ms >= next) {
			pthread_kill(spin->thread, SIGUSR1);
			next = ms + 100;
		}
		usleep(1000);
		if (__atomic_load_n(&spin->signals, __ATOMIC_ACQUIRE) !=
		    before)
			return elapsed_ms(&t0);
	}
	return -1;
}

/* The ms until the guest's count at @count moves, or -1. */
static int wait_progress(uint32_t *count, int limit_ms)
{
	uint32_t seen = __atomic_load_n(count, __ATOMIC_RELAXED);
	struct timespec t0;
	int ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (ms = 0; ms < limit_ms; ms = elapsed_ms(&t0)) {
		if (__atomic_load_n(count, __ATOMIC_RELAXED) != seen)
			return ms;
		usleep(1000);
	}
	return -1;
}

/* vCPU 0 spins and is poked; vCPUs 1-3 work through it unharmed. */
TEST_F(mv, signal_and_immediate_exit_stay_local)
{
	struct vcpu *spin = &self->vcpus[0], *c;
	int i, ms, max_stop = 0, max_resume = 0;

	ASSERT_EQ(0, vcpu_enter(spin, 0));
	ASSERT_EQ(0, pthread_create(&spin->thread, NULL, spin_main, spin));
	for (i = 1; i < NR_VCPUS; i++) {
		c = &self->vcpus[i];
		ASSERT_EQ(0, vcpu_enter(c, 3 * ITERATIONS));
		c->result = -1;
		ASSERT_EQ(0, pthread_create(&c->thread, NULL, work_main, c));
	}
	for (i = 0; i < POKES; i++) {
		ms = poke(spin, i % 2);
		EXPECT_LE(0, ms) TH_LOG("poke %d: vCPU 0 did not stop", i);
		if (ms > max_stop)
			max_stop = ms;
		ms = wait_progress(counter(&self->g, 0), WAIT_MS);
		EXPECT_LE(0, ms) TH_LOG("poke %d: vCPU 0 did not go on", i);
		if (ms > max_resume)
			max_resume = ms;
	}
	TH_LOG("slowest stop %d ms, slowest resume %d ms", max_stop,
	       max_resume);
	for (i = 1; i < NR_VCPUS; i++) {
		c = &self->vcpus[i];
		pthread_join(c->thread, NULL);
		EXPECT_EQ(0, c->result) TH_LOG("vCPU %d", i);
		EXPECT_EQ(c->iterations, *counter(&self->g, i));
	}
	/* Now let vCPU 0 halt. */
	counter(&self->g, 0)[1] = 1;
	pthread_join(spin->thread, NULL);
	TH_LOG("vCPU 0: %d EINTRs, %d with immediate_exit", spin->signals,
	       spin->immediate);
	EXPECT_EQ(0, spin->run_errno) TH_LOG("%s", strerror(spin->run_errno));
	EXPECT_LE(POKES, spin->signals);
	EXPECT_EQ(POKES / 2, spin->immediate);
}

/* How the child of the teardown tests lets go of its VM. */
enum let_go { CLOSE_FDS, UNMAP_RAM, EXIT, KILLED };

/* Shared with the child: what it saw. */
struct report {
	int ready;		/* every vCPU is counting in the guest */
	int closed;		/* the fds were closed without error */
	int ran_on;		/* the vCPUs kept counting after that */
	int run_errno[NR_VCPUS];
	int released;		/* guest_wait_released() in the child */
};

static int wait_counting(struct guest *g, int n, int ms)
{
	uint32_t start[NR_VCPUS];
	int i, moved = 0;

	for (i = 0; i < n; i++)
		start[i] = __atomic_load_n(counter(g, i), __ATOMIC_RELAXED);
	for (; ms > 0 && moved < n; ms -= 10) {
		usleep(10000);
		for (i = 0, moved = 0; i < n; i++)
			moved += __atomic_load_n(counter(g, i),
						 __ATOMIC_RELAXED) != start[i];
	}
	return moved == n ? 0 : -1;
}

static int close_all(struct guest *g, struct vcpu *c)
{
	int i, r = 0;

	for (i = 0; i < NR_VCPUS; i++)
		r |= close(c[i].v.vcpu_fd);
	r |= close(g->vm_fd);
	r |= close(g->dev_fd);
	return r;
}

/* The child: NR_VCPUS vCPUs spin in threads, then it lets go. */
static int child(enum let_go how, struct report *rep)
{
	struct vcpu c[NR_VCPUS];
	struct guest g;
	int i;

	if (guest_init(&g))
		return 10;
	for (i = 0; i < NR_VCPUS; i++) {
		if (vcpu_init(&g, &c[i], i) || vcpu_enter(&c[i], 0) ||
		    pthread_create(&c[i].thread, NULL, spin_main, &c[i]))
			return 11;
		c[i].run_errno = -1;
	}
	if (wait_counting(&g, NR_VCPUS, WAIT_MS))
		return 12;
	__atomic_store_n(&rep->ready, 1, __ATOMIC_RELEASE);
	switch (how) {
	case KILLED:
		pause();
		return 13;
	case EXIT:
		rep->closed = !close_all(&g, c);
		exit(0);
	case CLOSE_FDS:
		/* Each running KVM_RUN holds its vCPU, and so the VM. */
		rep->closed = !close_all(&g, c);
		rep->ran_on = !wait_counting(&g, NR_VCPUS, WAIT_MS);
		for (i = 0; i < NR_VCPUS; i++)
			counter(&g, i)[1] = 1;
		break;
	case UNMAP_RAM:
		/* Code and counters vanish under the running vCPUs. */
		munmap(g.mem, GUEST_MEM_SIZE);
		break;
	}
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(c[i].thread, NULL);
		rep->run_errno[i] = c[i].run_errno;
	}
	if (how == UNMAP_RAM)
		rep->closed = !close_all(&g, c);
	/* The kvm_run mappings hold the vCPUs too; nothing else is left. */
	for (i = 0; i < NR_VCPUS; i++)
		munmap(c[i].v.run, c[i].v.run_size);
	rep->released = !guest_wait_released(WAIT_MS);
	return 0;
}

/*
 * Fork a child that runs NR_VCPUS spinning vCPUs and lets go of them
 * @how; wait for it (killing it for KILLED), then for its VM to be gone.
 */
static void let_go(struct __test_metadata *_metadata, enum let_go how,
		   struct report *rep)
{
	int status = -1, ms;
	bool reaped = false;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child(how, rep));
	for (ms = 0; ms < 2 * WAIT_MS && !reaped; ms += 10) {
		if (how == KILLED && __atomic_load_n(&rep->ready,
						     __ATOMIC_ACQUIRE))
			break;
		reaped = waitpid(pid, &status, WNOHANG) == pid;
		if (!reaped)
			usleep(10000);
	}
	if (!reaped) {
		/* KILLED: with every vCPU in the guest. Else: it hung. */
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	EXPECT_TRUE(rep->ready);
	if (how == KILLED) {
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("status %#x", status);
	} else {
		ASSERT_TRUE(reaped) TH_LOG("the child hung");
		ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
		ASSERT_EQ(0, WEXITSTATUS(status));
		EXPECT_TRUE(rep->closed);
	}
	EXPECT_EQ(0, guest_wait_released(WAIT_MS));
}

/* The fixture's own VM must not be in the way of the counts. */
static void drop_fixture_vm(FIXTURE_DATA(mv) * self)
{
	int i;

	for (i = 1; i < NR_VCPUS; i++)
		guest_put_vcpu(&self->vcpus[i].v);
	guest_destroy(&self->g);
}

/* The device still runs a guest after the child's VM is gone. */
static int device_still_works(void)
{
	struct guest g;
	struct vcpu c;
	int r;

	if (guest_init(&g))
		return -1;
	r = vcpu_init(&g, &c, 0) || vcpu_enter(&c, 1);
	if (!r) {
		guest_set_run_timeout(RUN_MS);
		r = guest_expect_out(&g, GUEST_PORT, 4, 0) ||
		    guest_expect_mmio_write(&g, MMIO_GPA(0), 4,
					    &(uint32_t){ 0 }) ||
		    guest_expect_exit(&g, KVM_EXIT_HLT);
	}
	guest_destroy(&g);
	return r ? -1 : 0;
}

static struct report *shared_report(void)
{
	void *p = mmap(NULL, sizeof(struct report), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

TEST_F_TIMEOUT(mv, close_fds_while_running, 60)
{
	struct report *rep = shared_report();
	int i;

	ASSERT_NE(NULL, rep);
	drop_fixture_vm(self);
	let_go(_metadata, CLOSE_FDS, rep);
	EXPECT_TRUE(rep->ran_on);
	for (i = 0; i < NR_VCPUS; i++)
		EXPECT_EQ(0, rep->run_errno[i]) TH_LOG("vCPU %d", i);
	EXPECT_TRUE(rep->released);
	EXPECT_EQ(0, device_still_works());
}

TEST_F_TIMEOUT(mv, unmap_guest_ram_while_running, 60)
{
	struct report *rep = shared_report();
	int i, e;

	ASSERT_NE(NULL, rep);
	drop_fixture_vm(self);
	let_go(_metadata, UNMAP_RAM, rep);
	/* No memory left behind the guest's addresses: KVM_RUN fails. */
	for (i = 0; i < NR_VCPUS; i++) {
		e = rep->run_errno[i];
		EXPECT_EQ(EFAULT, e) TH_LOG("vCPU %d: %s", i, strerror(e));
	}
	EXPECT_TRUE(rep->released);
	EXPECT_EQ(0, device_still_works());
}

TEST_F_TIMEOUT(mv, exit_while_running, 60)
{
	struct report *rep = shared_report();

	ASSERT_NE(NULL, rep);
	drop_fixture_vm(self);
	let_go(_metadata, EXIT, rep);
	EXPECT_EQ(0, device_still_works());
}

TEST_F_TIMEOUT(mv, sigkill_while_all_in_guest, 60)
{
	struct report *rep = shared_report();

	ASSERT_NE(NULL, rep);
	drop_fixture_vm(self);
	let_go(_metadata, KILLED, rep);
	EXPECT_EQ(0, device_still_works());
}

TEST_HARNESS_MAIN
