// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the mutations the fuzz loops of the handover and tracker suites
 * share (fuzz_kunit.h).
 */
#include <linux/ktime.h>

#include "fuzz_kunit.h"

/**
 * kho_fuzz_init - start a fuzz loop
 * @f: the loop
 * @seed: its seed: the same seed, the same mutations
 */
void kho_fuzz_init(struct kho_fuzz *f, u64 seed)
{
	prandom_seed_state(&f->rnd, seed);
	f->deadline = ktime_get_ns() + KHO_FUZZ_NS;
	f->round = 0;
}

/**
 * kho_fuzz_next - start the next round
 * @f: the loop
 *
 * Return: false once KHO_FUZZ_ROUNDS rounds or KHO_FUZZ_NS have passed.
 */
bool kho_fuzz_next(struct kho_fuzz *f)
{
	return f->round++ < KHO_FUZZ_ROUNDS && ktime_get_ns() < f->deadline;
}

/**
 * kho_fuzz_u32 - a random number
 * @f: the loop
 * @n: the bound, or 0 for any u32
 *
 * Return: a number below @n.
 */
u32 kho_fuzz_u32(struct kho_fuzz *f, u32 n)
{
	return n ? prandom_u32_state(&f->rnd) % n : prandom_u32_state(&f->rnd);
}

/**
 * kho_fuzz_edge - a value that sits at a limit, or just past one
 * @f: the loop
 *
 * Return: a small count or size at a boundary, an all-ones value, or a
 * power of two.
 */
u64 kho_fuzz_edge(struct kho_fuzz *f)
{
	static const u64 edges[] = { 0, 1, 2, 7, 8, 31, 32, 33, 4095, 4096, 4097,
				     U16_MAX, U32_MAX, U64_MAX, U64_MAX - 4095 };
	u64 v = edges[kho_fuzz_u32(f, ARRAY_SIZE(edges))];

	return kho_fuzz_u32(f, 2) ? v : BIT_ULL(kho_fuzz_u32(f, 64));
}

/**
 * kho_fuzz_mutate - one to four changes to a buffer
 * @f: the loop
 * @buf: the buffer
 * @len: its size
 *
 * Each change flips a bit, sets a byte, or sets an aligned u32 or u64 to a
 * kho_fuzz_edge() value.
 */
void kho_fuzz_mutate(struct kho_fuzz *f, void *buf, size_t len)
{
	unsigned int n = 1 + kho_fuzz_u32(f, 4);
	u8 *p = buf;
	size_t at;

	while (n--) {
		at = kho_fuzz_u32(f, len);
		switch (kho_fuzz_u32(f, 4)) {
		case 0:
			p[at] ^= BIT(kho_fuzz_u32(f, 8));
			break;
		case 1:
			p[at] = kho_fuzz_u32(f, 256);
			break;
		case 2:
			at = ALIGN_DOWN(at, 4);
			if (at + 4 <= len)
				*(u32 *)(p + at) = kho_fuzz_edge(f);
			break;
		default:
			at = ALIGN_DOWN(at, 8);
			if (at + 8 <= len)
				*(u64 *)(p + at) = kho_fuzz_edge(f);
			break;
		}
	}
}

/**
 * kho_fuzz_expect - a validator's answer is 0 with no reason, or -EINVAL
 *	with one
 * @test: the test
 * @f: the loop, for the round in the message
 * @ret: the answer
 * @why: the reason it gave
 * @what: what was validated, for the message
 */
void kho_fuzz_expect(struct kunit *test, struct kho_fuzz *f, int ret,
		     const char *why, const char *what)
{
	if (ret == 0 && !why)
		return;
	if (ret == -EINVAL && why && *why)
		return;
	KUNIT_FAIL(test, "%s, round %u: %d, reason %s", what, f->round, ret,
		   why ?: "(none)");
}
