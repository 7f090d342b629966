/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - the TAP output of the in-guest test programs: one numbered
 * "ok N - what" or "not ok N - what: why" line per check. A check is an
 * expression that is 0 when it passed; fail() and fail_errno() say why
 * it did not and evaluate to -1. Included by one file of a program.
 */
#ifndef TAP_H
#define TAP_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned int tap_total, tap_failed;
/* Why the check being made failed; printed after its "not ok" line. */
static char why[1024];

/* A TAP diagnostic line. */
#define diag(fmt, ...)	printf("# " fmt "\n", ##__VA_ARGS__)

/* Say why the current check fails; evaluates to -1. */
#define fail(fmt, ...) ({						\
	snprintf(why, sizeof(why), fmt, ##__VA_ARGS__);			\
	-1;								\
})

/* As fail(), with ": strerror (ENAME)" of errno appended. */
#define fail_errno(fmt, ...) ({						\
	int __e = errno;						\
									\
	snprintf(why, sizeof(why), fmt ": %s (%s)", ##__VA_ARGS__,	\
		 strerror(__e), errname(__e));				\
	-1;								\
})

/* One numbered TAP line for a check: @err is 0 if it passed. */
#define tap(err, fmt, ...) ({						\
	int __err = (err);						\
	char __what[256];						\
									\
	snprintf(__what, sizeof(__what), fmt, ##__VA_ARGS__);		\
	tap_line(__err, __what);					\
})

static inline bool tap_line(int err, const char *what)
{
	tap_total++;
	if (err) {
		tap_failed++;
		printf("not ok %u - %s: %s\n", tap_total, what,
		       why[0] ? why : "failed");
	} else {
		printf("ok %u - %s\n", tap_total, what);
	}
	why[0] = '\0';
	return !err;
}

static inline const char *errname(int err)
{
	const char *name;

	if (!err)
		return "success";
	name = strerrorname_np(err);
	return name ? name : "unknown errno";
}

/* 0 if @ret is -@want, else a reason. */
static inline int expect(int ret, int want)
{
	if (ret == -want)
		return 0;
	return fail("got %s, expected %s", errname(-ret), errname(want));
}

#endif /* TAP_H */
