/*
 * The record layout shared by socket_trace.bpf.c (producer), the addon (which copies records
 * into batches untouched) and agent/capture/ebpf-record.ts (consumer). Any change here must be
 * mirrored in the TS decoder's offsets: ebpf-record.test.ts builds records with these offsets.
 */
#ifndef METAFLOW_SOCKET_TRACE_H
#define METAFLOW_SOCKET_TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Upper bound of the configurable capture length; the BPF scratch buffer is twice this so the
 * verifier can prove every iovec copy stays in bounds. */
#define MTF_MAX_CAPTURE 8192
#define MTF_COMM_LEN 16

enum mtf_event_kind { MTF_KIND_PAYLOAD = 0, MTF_KIND_OPEN = 1, MTF_KIND_CLOSE = 2 };
enum mtf_direction { MTF_EGRESS = 0, MTF_INGRESS = 1 };
enum mtf_flags { MTF_FLAG_TLS = 1, MTF_FLAG_INITIATOR = 2, MTF_FLAG_TUPLE_UNKNOWN = 4 };

/* Which syscall (or library call) produced the event; carried for diagnostics. */
enum mtf_source_call {
	MTF_CALL_READ = 1, MTF_CALL_WRITE, MTF_CALL_READV, MTF_CALL_WRITEV,
	MTF_CALL_SENDTO, MTF_CALL_RECVFROM, MTF_CALL_SENDMSG, MTF_CALL_RECVMSG,
	MTF_CALL_SENDMMSG, MTF_CALL_RECVMMSG, MTF_CALL_CONNECT, MTF_CALL_ACCEPT,
	MTF_CALL_CLOSE, MTF_CALL_SSL_READ, MTF_CALL_SSL_WRITE, MTF_CALL_SSL_HANDSHAKE,
};

/* Counters in the per-CPU `counters` map. */
enum mtf_counter { MTF_CNT_DROPS = 0, MTF_CNT_EVENTS = 1, MTF_CNT_MAX = 2 };

/* 96-byte header followed by cap_len bytes of payload. Addresses: local side in saddr/sport,
 * remote side in daddr/dport; IPv4 uses the first 4 bytes. Ports are in host order. */
struct mtf_event {
	__u64 ts_ns;      /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 conn_id;    /* struct sock pointer: stable for the socket's lifetime */
	__u32 pid;        /* tgid */
	__u32 tid;
	__s32 fd;
	__u32 byte_count; /* bytes the call moved */
	__u32 cap_len;    /* bytes of data[] that follow */
	__u16 sport;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
	__u8 family;      /* AF_INET (2) or AF_INET6 (10); 0 when unknown */
	__u8 protocol;    /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 kind;        /* enum mtf_event_kind */
	__u8 direction;   /* enum mtf_direction */
	__u8 flags;       /* enum mtf_flags */
	__u8 call;        /* enum mtf_source_call */
	__u16 reserved;
	char comm[MTF_COMM_LEN];
	__u8 data[];
};

#endif
