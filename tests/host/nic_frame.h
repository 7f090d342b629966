/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test frames of the NIC scenarios, shared by the host sender
 * (tests/host/nic_send.c) and the in-guest receiver (tests/guest/vtd_kho.c):
 * each UDP datagram the sender sends to QEMU's socket netdev is one
 * Ethernet frame of this layout.
 */
#ifndef NIC_FRAME_H
#define NIC_FRAME_H

#include <linux/types.h>

#define NIC_FRAME_MAGIC		0x4b484f4eU	/* "KHON" */
#define NIC_FRAME_DATA		0U
#define NIC_FRAME_END		1U
#define NIC_FRAME_PROBE		2U	/* before the data: is the receiver on? */
#define NIC_FRAME_ETHERTYPE	0x88b5		/* IEEE local experimental */
#define NIC_FRAME_PAYLOAD	64U
#define NIC_FRAME_LEN		128U

/* Laid out so that every field is naturally aligned: no packing. */
struct nic_frame {
	__u8 dst[6];
	__u8 src[6];
	__u16 ethertype;		/* big endian */
	__u16 pad;
	__u32 magic;
	__u32 kind;
	__u64 seq;
	__u64 sent_ns;			/* host CLOCK_MONOTONIC */
	__u64 count;			/* END: data frames sent before it */
	__u8 payload[NIC_FRAME_PAYLOAD];
	__u32 sum;			/* nic_frame_sum() of magic .. payload */
};

/* The payload is a function of the sequence number. */
static inline __u8 nic_payload_byte(__u64 seq, unsigned int i)
{
	__u64 x = (seq + 1) * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL;

	return (__u8)((x ^ (x >> 29)) >> 17);
}

/* FNV-1a over magic .. payload. */
static inline __u32 nic_frame_sum(const struct nic_frame *f)
{
	const __u8 *p = (const __u8 *)&f->magic;
	const __u8 *end = (const __u8 *)&f->sum;
	__u32 h = 0x811c9dc5U;

	while (p < end)
		h = (h ^ *p++) * 0x01000193U;
	return h;
}

#endif /* NIC_FRAME_H */
