// SPDX-License-Identifier: GPL-2.0
/*
 * nic_send - the host side of the NIC scenarios: UDP datagrams to QEMU's
 * socket netdev on the loopback, each one test frame (nic_frame.h), at a
 * fixed rate.
 *
 *   nic_send PORT RATE MAX_SECONDS TAIL
 *
 * Sends probe frames to 127.0.0.1:PORT, ten a second, until SIGUSR2 (the
 * receiver saw one: QEMU holds frames in its socket while the NIC cannot
 * take them, and a backlog would overflow it); then data frames numbered
 * from 0, RATE per second, until SIGUSR1, then TAIL more, then END frames
 * carrying the count. MAX_SECONDS after the start, or at SIGTERM, it stops
 * anyway: it always ends by itself. Prints one line with what it sent and when the
 * data began and ended (wall clock, as QEMU's trace).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "nic_frame.h"

#define END_FRAMES	20

/* Set by the handlers, read by the loops: atomically. */
static int tail_requested, data_requested, stop_requested;

static int requested(int *flag)
{
	return __atomic_load_n(flag, __ATOMIC_RELAXED);
}

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_store_n(&tail_requested, 1, __ATOMIC_RELAXED);
}

static void on_usr2(int sig)
{
	(void)sig;
	__atomic_store_n(&data_requested, 1, __ATOMIC_RELAXED);
}

static void on_term(int sig)
{
	(void)sig;
	__atomic_store_n(&stop_requested, 1, __ATOMIC_RELAXED);
}

/* Wall-clock seconds: QEMU's trace timestamps are gettimeofday()'s. */
static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void frame_fill(struct nic_frame *f, __u32 kind, __u64 seq, __u64 count)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	memset(f->dst, 0xff, sizeof(f->dst));
	memcpy(f->src, "\x02khot\x01", sizeof(f->src));
	f->ethertype = htons(NIC_FRAME_ETHERTYPE);
	f->magic = NIC_FRAME_MAGIC;
	f->kind = kind;
	f->seq = seq;
	f->count = count;
	for (i = 0; i < NIC_FRAME_PAYLOAD; i++)
		f->payload[i] = nic_payload_byte(seq, i);
	f->sent_ns = now_ns();
	f->sum = nic_frame_sum(f);
}

static int send_frame(int fd, const struct sockaddr_in *to, const struct nic_frame *f)
{
	unsigned char buf[NIC_FRAME_LEN] = { 0 };

	memcpy(buf, f, sizeof(*f));
	return sendto(fd, buf, sizeof(buf), 0, (const struct sockaddr *)to,
		      sizeof(*to)) == (ssize_t)sizeof(buf) ? 0 : -1;
}

static void sleep_until(__u64 t)
{
	struct timespec ts = { .tv_sec = t / 1000000000ULL, .tv_nsec = t % 1000000000ULL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	__u64 seq = 0, start, next, period, deadline, tail = 0, errors = 0;
	unsigned long port, rate, max_s;
	double data_from, data_to;
	struct nic_frame f;
	int fd, i;

	if (argc != 5) {
		fprintf(stderr, "usage: %s PORT RATE MAX_SECONDS TAIL\n", argv[0]);
		return 2;
	}
	port = strtoul(argv[1], NULL, 0);
	rate = strtoul(argv[2], NULL, 0);
	max_s = strtoul(argv[3], NULL, 0);
	if (!port || port > 65535 || !rate || rate > 100000 || !max_s || max_s > 600) {
		fprintf(stderr, "%s: PORT, RATE or MAX_SECONDS out of range\n", argv[0]);
		return 2;
	}
	tail = strtoull(argv[4], NULL, 0);
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	signal(SIGTERM, on_term);
	period = 1000000000ULL / rate;
	start = now_ns();
	deadline = start + max_s * 1000000000ULL;
	for (next = start; !requested(&data_requested) && !requested(&stop_requested) &&
	     next < deadline; next += 100000000ULL) {
		sleep_until(next);
		frame_fill(&f, NIC_FRAME_PROBE, 0, 0);
		send_frame(fd, &to, &f);
	}
	data_from = wall_s();
	for (next = now_ns(); !requested(&stop_requested) && next < deadline; next += period) {
		if (requested(&tail_requested) && !tail--)
			break;
		sleep_until(next);
		frame_fill(&f, NIC_FRAME_DATA, seq, 0);
		if (send_frame(fd, &to, &f))
			errors++;
		seq++;
	}
	data_to = wall_s();
	for (i = 0; i < END_FRAMES && !requested(&stop_requested); i++) {
		frame_fill(&f, NIC_FRAME_END, seq + i, seq);
		send_frame(fd, &to, &f);
		sleep_until(now_ns() + period);
	}
	printf("nic_send: sent=%llu errors=%llu ms=%llu tail=%s data_from=%.6f data_to=%.6f\n",
	       (unsigned long long)seq, (unsigned long long)errors,
	       (unsigned long long)((now_ns() - start) / 1000000),
	       requested(&tail_requested) ? "yes" : "no", data_from, data_to);
	return 0;
}
