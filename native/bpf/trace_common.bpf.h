/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What socket_trace.bpf.c's syscall programs and ssl_trace.bpf.h's uprobes share: the loader's
 * settings, the maps, filtering, and building and submitting events. One compilation unit
 * (socket_trace.bpf.c) includes it, so there is one object, one skeleton, one set of maps.
 */
#ifndef METAFLOW_TRACE_COMMON_BPF_H
#define METAFLOW_TRACE_COMMON_BPF_H

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define EINPROGRESS 115
#define MAX_IOV 8     /* iovecs looked at per call; later ones rarely hold the protocol header */
#define MAX_MMSG 4    /* messages reported per sendmmsg/recvmmsg (glibc's resolver sends 2) */

/* Set by the loader before load; the verifier treats them as constants. */
const volatile __u32 self_tgid = 0;
const volatile __u32 capture_bytes = 1024;
const volatile __u8 ssl_enabled = 0;
const volatile __u64 wakeup_bytes = 1 << 20;
/* Changed at run time through the skeleton's mmapped .bss. */
volatile __u32 pid_filter_on = 0;
volatile __u64 cgroup_filter = 0;

struct call_args {
	__u64 buf;   /* data buffer, iovec array, or mmsghdr vector */
	__u64 addr;  /* user sockaddr (sendto/recvfrom dest/src, msg_name) or 0 */
	__u64 sk;
	__s32 fd;
	__u32 vlen;  /* iovec or message count */
	__u8 call;
	__u8 direction;
};

struct sock_ref {
	__u64 sk;
	__s32 fd;
};

struct ssl_call {
	__u64 buf;
	__u64 ssl;
	__u64 len_ptr; /* SSL_read_ex/SSL_write_ex: where the byte count is written */
	struct sock_ref sock; /* filled by a socket syscall made inside the SSL call */
	__u8 call;
};

struct scratch {
	__u8 bytes[sizeof(struct mtf_event) + 2 * MTF_MAX_CAPTURE];
};

/* LRU, not plain hash: a thread killed inside a syscall never runs the exit program, and its
 * stale entry must not take a slot forever. Same for ssl_calls. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct call_args);
} active_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} pid_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MTF_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ssl_call);
} ssl_calls SEC(".maps");

/* SSL* -> socket, learned once and reused for calls that make no syscall of their own (data
 * already buffered by OpenSSL, or memory BIOs as in node). Entries die with LRU eviction; a
 * reused SSL* pointer is corrected by the next call that does see its socket. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sock_ref);
} ssl_sock SEC(".maps");

/* thread -> socket it last read from. node reads ciphertext from the socket and then calls
 * SSL_read on the same thread, so this names the socket of an SSL_read with no inner read. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct sock_ref);
} last_ingress SEC(".maps");
static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);
	if (v)
		*v += 1;
}

static __always_inline bool traced(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;
	if (tgid == self_tgid)
		return false;
	if (pid_filter_on && !bpf_map_lookup_elem(&pid_allow, &tgid))
		return false;
	if (cgroup_filter && bpf_get_current_cgroup_id() != cgroup_filter)
		return false;
	return true;
}
#include "sock.bpf.h"

static __always_inline struct mtf_event *new_event(__u64 pid_tgid, int fd, __u8 kind, __u8 dir, __u8 call)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_buf, &zero);
	if (!s)
		return NULL;
	struct mtf_event *ev = (struct mtf_event *)s->bytes;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->ts_ns = bpf_ktime_get_ns();
	ev->pid = pid_tgid >> 32;
	ev->tid = (__u32)pid_tgid;
	ev->fd = fd;
	ev->kind = kind;
	ev->direction = dir;
	ev->call = call;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	return ev;
}

/* Appends up to `len` user bytes at `off`, never past capture_bytes; returns the new length. */
static __always_inline __u32 copy_user(struct mtf_event *ev, __u32 off, __u64 ubuf, __u64 len)
{
	__u32 cap = capture_bytes > MTF_MAX_CAPTURE ? MTF_MAX_CAPTURE : capture_bytes;
	if (off >= cap || !ubuf)
		return off;
	__u64 n = cap - off;
	if (len < n)
		n = len;
	off &= MTF_MAX_CAPTURE - 1; /* no-op (off < cap <= MAX), tells the verifier the bound */
	if (n > MTF_MAX_CAPTURE)
		n = MTF_MAX_CAPTURE;
	if (bpf_probe_read_user(&ev->data[off], n, (void *)ubuf))
		return off;
	return off + n;
}

static __always_inline __u32 copy_iovecs(struct mtf_event *ev, __u64 iovs, __u32 vlen, __u64 total)
{
	__u32 off = 0;
	for (int i = 0; i < MAX_IOV; i++) {
		if (i >= vlen || total == 0)
			break;
		struct iovec iov;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(iovs + i * sizeof(iov))))
			break;
		__u64 len = iov.iov_len < total ? iov.iov_len : total;
		off = copy_user(ev, off, (__u64)iov.iov_base, len);
		total -= len;
	}
	return off;
}

static __always_inline void submit(struct mtf_event *ev)
{
	__u64 size = sizeof(*ev) + ev->cap_len;
	if (size > sizeof(struct scratch))
		size = sizeof(struct scratch);
	/* Waking the reader for every record costs more than producing it: wake it only when a
	 * good part of the ring is filled; the reader polls with a short timeout otherwise. */
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, ev, size, flags))
		count(MTF_CNT_DROPS);
	else
		count(MTF_CNT_EVENTS);
}
#endif
