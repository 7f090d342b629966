/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit fuzz loops over the handover validators: random mutations of good
 * input, bounded in iterations and in time (under emulation a run is
 * slow), from a fixed seed so that a failure replays. Each validator must
 * answer 0 or -EINVAL, give a reason exactly when it refuses, and read
 * nothing outside what it was given: KASAN, on the debug kernel, would
 * say so.
 */
#ifndef _KHO_FUZZ_KUNIT_H
#define _KHO_FUZZ_KUNIT_H

#include <kunit/test.h>
#include <linux/prandom.h>

#define KHO_FUZZ_ROUNDS		4000
#define KHO_FUZZ_NS		(2 * NSEC_PER_SEC)
#define KHO_FUZZ_SEED		0x6b686f2d66757a7aULL

/**
 * struct kho_fuzz - one fuzz loop
 * @rnd: its random state, from the seed
 * @deadline: ktime_get_ns() past which it stops
 * @round: rounds started
 */
struct kho_fuzz {
	struct rnd_state rnd;
	u64 deadline;
	unsigned int round;
};

void kho_fuzz_init(struct kho_fuzz *f, u64 seed);
bool kho_fuzz_next(struct kho_fuzz *f);
u32 kho_fuzz_u32(struct kho_fuzz *f, u32 n);
u64 kho_fuzz_edge(struct kho_fuzz *f);
void kho_fuzz_mutate(struct kho_fuzz *f, void *buf, size_t len);
void kho_fuzz_expect(struct kunit *test, struct kho_fuzz *f, int ret,
		     const char *why, const char *what);

#endif /* _KHO_FUZZ_KUNIT_H */
