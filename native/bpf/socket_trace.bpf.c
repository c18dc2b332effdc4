// SPDX-License-Identifier: GPL-2.0
/*
 * Socket payload capture on syscall tracepoints, plus OpenSSL uprobes for TLS plaintext.
 *
 * Every traced syscall is split in two: the enter program decides whether the call is worth
 * following (not the agent itself, allowed pid/cgroup, the fd is an AF_INET/AF_INET6 TCP/UDP
 * socket) and parks its arguments in `active_calls` keyed by thread; the exit program, which
 * knows how many bytes moved, copies the first `capture_bytes` of the user buffer and emits one
 * `struct mtf_event` to the ring buffer. Calls filtered at enter cost one fd lookup and nothing
 * at exit but a failed hash lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "socket_trace.h"

char LICENSE[] SEC("license") = "GPL";

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
	struct sock_ref sock; /* filled by a socket syscall made inside the SSL call */
	__u8 call;
};

struct scratch {
	__u8 bytes[sizeof(struct mtf_event) + 2 * MTF_MAX_CAPTURE];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
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
	__uint(type, BPF_MAP_TYPE_HASH);
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

/* fd -> struct sock, only for TCP/UDP over IPv4/IPv6; NULL for everything else. */
static __always_inline struct sock *inet_sock_of_fd(int fd)
{
	if (fd < 0)
		return NULL;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return NULL;
	if ((unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = (struct socket *)BPF_CORE_READ(file, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return NULL;
	return sk;
}

static __always_inline void fill_tuple(struct mtf_event *ev, struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	ev->family = family;
	ev->protocol = BPF_CORE_READ(sk, sk_protocol);
	ev->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	ev->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		BPF_CORE_READ_INTO((__be32 *)ev->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__be32 *)ev->daddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)ev->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)ev->daddr, sk, __sk_common.skc_v6_daddr);
	}
}

/* Unconnected UDP sockets have no peer in the sock: take it from the call's sockaddr. */
static __always_inline void fill_peer_from_user(struct mtf_event *ev, __u64 uaddr)
{
	if (!uaddr || ev->dport)
		return;
	__u16 family = 0;
	if (bpf_probe_read_user(&family, sizeof(family), (void *)uaddr))
		return;
	if (family == AF_INET) {
		struct sockaddr_in sin = {};
		if (bpf_probe_read_user(&sin, sizeof(sin), (void *)uaddr))
			return;
		ev->dport = bpf_ntohs(sin.sin_port);
		__builtin_memcpy(ev->daddr, &sin.sin_addr, 4);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 sin6 = {};
		if (bpf_probe_read_user(&sin6, sizeof(sin6), (void *)uaddr))
			return;
		ev->dport = bpf_ntohs(sin6.sin6_port);
		__builtin_memcpy(ev->daddr, &sin6.sin6_addr, 16);
	}
}

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

static __always_inline int enter_call(int fd, __u64 buf, __u64 addr, __u32 vlen, __u8 call, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!traced(id))
		return 0;
	struct sock *sk = inet_sock_of_fd(fd);
	if (!sk)
		return 0;
	struct call_args a = {
		.buf = buf, .addr = addr, .sk = (__u64)sk, .fd = fd, .vlen = vlen,
		.call = call, .direction = dir,
	};
	bpf_map_update_elem(&active_calls, &id, &a, BPF_ANY);
	return 0;
}

static __always_inline int enter_msg(int fd, __u64 umsg, __u8 call, __u8 dir)
{
	struct user_msghdr msg = {};
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)umsg))
		return 0;
	return enter_call(fd, (__u64)msg.msg_iov, (__u64)msg.msg_name, msg.msg_iovlen, call, dir);
}

/* A socket call inside SSL_read/SSL_write names the SSL object's socket. */
static __always_inline void note_ssl_socket(__u64 id, struct call_args *a)
{
	if (!ssl_enabled)
		return;
	struct ssl_call *c = bpf_map_lookup_elem(&ssl_calls, &id);
	if (c && !c->sock.sk) {
		c->sock.sk = a->sk;
		c->sock.fd = a->fd;
	}
}

static __always_inline void emit_payload(__u64 id, struct call_args *a, long ret)
{
	struct mtf_event *ev = new_event(id, a->fd, MTF_KIND_PAYLOAD, a->direction, a->call);
	if (!ev)
		return;
	ev->conn_id = a->sk;
	fill_tuple(ev, (struct sock *)a->sk);
	fill_peer_from_user(ev, a->addr);
	ev->byte_count = ret;
	if (a->call == MTF_CALL_READ || a->call == MTF_CALL_WRITE || a->call == MTF_CALL_SENDTO ||
	    a->call == MTF_CALL_RECVFROM)
		ev->cap_len = copy_user(ev, 0, a->buf, ret);
	else
		ev->cap_len = copy_iovecs(ev, a->buf, a->vlen, ret);
	submit(ev);
	if (ssl_enabled && a->direction == MTF_INGRESS) {
		struct sock_ref ref = { .sk = a->sk, .fd = a->fd };
		bpf_map_update_elem(&last_ingress, &id, &ref, BPF_ANY);
	}
}

/* sendmmsg/recvmmsg: one event per message; the kernel wrote each msg_len. */
static __always_inline void emit_mmsg(__u64 id, struct call_args *a, long ret)
{
	for (int j = 0; j < MAX_MMSG; j++) {
		if (j >= ret)
			break;
		struct mmsghdr m = {};
		if (bpf_probe_read_user(&m, sizeof(m), (void *)(a->buf + j * sizeof(m))))
			break;
		struct mtf_event *ev = new_event(id, a->fd, MTF_KIND_PAYLOAD, a->direction, a->call);
		if (!ev)
			return;
		ev->conn_id = a->sk;
		fill_tuple(ev, (struct sock *)a->sk);
		fill_peer_from_user(ev, (__u64)m.msg_hdr.msg_name);
		ev->byte_count = m.msg_len;
		ev->cap_len = copy_iovecs(ev, (__u64)m.msg_hdr.msg_iov, m.msg_hdr.msg_iovlen, m.msg_len);
		submit(ev);
	}
}

static __always_inline void emit_conn(__u64 id, int fd, struct sock *sk, __u8 kind, __u8 call, bool initiator)
{
	struct mtf_event *ev = new_event(id, fd, kind, MTF_EGRESS, call);
	if (!ev)
		return;
	fill_tuple(ev, sk);
	if (initiator)
		ev->flags |= MTF_FLAG_INITIATOR;
	ev->conn_id = (__u64)sk;
	submit(ev);
}

static __always_inline int exit_call(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_args *p = bpf_map_lookup_elem(&active_calls, &id);
	if (!p)
		return 0;
	struct call_args a = *p;
	bpf_map_delete_elem(&active_calls, &id);
	long ret = ctx->ret;
	switch (a.call) {
	case MTF_CALL_CONNECT:
		if (ret == 0 || ret == -EINPROGRESS)
			emit_conn(id, a.fd, (struct sock *)a.sk, MTF_KIND_OPEN, a.call, true);
		return 0;
	case MTF_CALL_ACCEPT: {
		if (ret < 0)
			return 0;
		struct sock *sk = inet_sock_of_fd(ret);
		if (sk)
			emit_conn(id, ret, sk, MTF_KIND_OPEN, a.call, false);
		return 0;
	}
	}
	note_ssl_socket(id, &a);
	if (ret <= 0)
		return 0;
	if (a.call == MTF_CALL_SENDMMSG || a.call == MTF_CALL_RECVMMSG)
		emit_mmsg(id, &a, ret);
	else
		emit_payload(id, &a, ret);
	return 0;
}

#define ARG(i) (ctx->args[i])

#define DATA_CALL(name, CALL, DIR)                                                          \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                          \
	int enter_##name(struct trace_event_raw_sys_enter *ctx)                              \
	{                                                                                    \
		return enter_call(ARG(0), ARG(1), 0, ARG(2), CALL, DIR);                     \
	}                                                                                    \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                           \
	int exit_##name(struct trace_event_raw_sys_exit *ctx) { return exit_call(ctx); }

/* read/write carry (fd, buf, count); readv/writev (fd, iov, iovcnt); mmsg (fd, vec, vlen). */
DATA_CALL(read, MTF_CALL_READ, MTF_INGRESS)
DATA_CALL(write, MTF_CALL_WRITE, MTF_EGRESS)
DATA_CALL(readv, MTF_CALL_READV, MTF_INGRESS)
DATA_CALL(writev, MTF_CALL_WRITEV, MTF_EGRESS)
DATA_CALL(sendmmsg, MTF_CALL_SENDMMSG, MTF_EGRESS)
DATA_CALL(recvmmsg, MTF_CALL_RECVMMSG, MTF_INGRESS)

#define ADDR_CALL(name, CALL, DIR)                                                          \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                          \
	int enter_##name(struct trace_event_raw_sys_enter *ctx)                              \
	{                                                                                    \
		return enter_call(ARG(0), ARG(1), ARG(4), 0, CALL, DIR);                     \
	}                                                                                    \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                           \
	int exit_##name(struct trace_event_raw_sys_exit *ctx) { return exit_call(ctx); }

/* sendto/recvfrom: (fd, buf, len, flags, addr, addrlen). */
ADDR_CALL(sendto, MTF_CALL_SENDTO, MTF_EGRESS)
ADDR_CALL(recvfrom, MTF_CALL_RECVFROM, MTF_INGRESS)

#define MSG_CALL(name, CALL, DIR)                                                           \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                          \
	int enter_##name(struct trace_event_raw_sys_enter *ctx)                              \
	{                                                                                    \
		return enter_msg(ARG(0), ARG(1), CALL, DIR);                                 \
	}                                                                                    \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                           \
	int exit_##name(struct trace_event_raw_sys_exit *ctx) { return exit_call(ctx); }

MSG_CALL(sendmsg, MTF_CALL_SENDMSG, MTF_EGRESS)
MSG_CALL(recvmsg, MTF_CALL_RECVMSG, MTF_INGRESS)

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(0), 0, 0, 0, MTF_CALL_CONNECT, MTF_EGRESS);
}
SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx) { return exit_call(ctx); }

/* accept's fd is the listener; the new socket is resolved from the returned fd at exit. */
SEC("tracepoint/syscalls/sys_enter_accept")
int enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(0), 0, 0, 0, MTF_CALL_ACCEPT, MTF_INGRESS);
}
SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct trace_event_raw_sys_exit *ctx) { return exit_call(ctx); }

SEC("tracepoint/syscalls/sys_enter_accept4")
int enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(0), 0, 0, 0, MTF_CALL_ACCEPT, MTF_INGRESS);
}
SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx) { return exit_call(ctx); }

/* close is reported at enter: after it returns the fd no longer names the socket. */
SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!traced(id))
		return 0;
	int fd = ARG(0);
	struct sock *sk = inet_sock_of_fd(fd);
	if (sk)
		emit_conn(id, fd, sk, MTF_KIND_CLOSE, MTF_CALL_CLOSE, false);
	return 0;
}

/* ---- OpenSSL: int SSL_read(SSL *, void *, int) / int SSL_write(SSL *, const void *, int) ---- */

static __always_inline int ssl_enter(void *ssl, void *buf, __u8 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!traced(id))
		return 0;
	struct ssl_call c = { .buf = (__u64)buf, .ssl = (__u64)ssl, .sock = { .fd = -1 }, .call = call };
	bpf_map_update_elem(&ssl_calls, &id, &c, BPF_ANY);
	return 0;
}

/* The SSL object's socket, when a cached one is still open at the same fd in this process. */
static __always_inline struct sock_ref *cached_ssl_sock(__u64 ssl)
{
	struct sock_ref *known = bpf_map_lookup_elem(&ssl_sock, &ssl);
	if (known && (__u64)inet_sock_of_fd(known->fd) != known->sk)
		return NULL;
	return known;
}

static __always_inline int ssl_exit(int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ssl_call *p = bpf_map_lookup_elem(&ssl_calls, &id);
	if (!p)
		return 0;
	struct ssl_call c = *p;
	bpf_map_delete_elem(&ssl_calls, &id);
	struct sock_ref ref = c.sock;
	if (!ref.sk) {
		struct sock_ref *known = cached_ssl_sock(c.ssl);
		/* With memory BIOs (node) the SSL call makes no syscall; it runs right after the
		 * socket read that fed it on this thread (for a client's first SSL_write: the read
		 * of the server's Finished). */
		if (!known)
			known = bpf_map_lookup_elem(&last_ingress, &id);
		if (known)
			ref = *known;
	}
	if (ref.sk)
		bpf_map_update_elem(&ssl_sock, &c.ssl, &ref, BPF_ANY);
	if (ret <= 0 || c.call == MTF_CALL_SSL_HANDSHAKE)
		return 0;
	__u8 dir = c.call == MTF_CALL_SSL_READ ? MTF_INGRESS : MTF_EGRESS;
	struct mtf_event *ev = new_event(id, ref.sk ? ref.fd : -1, MTF_KIND_PAYLOAD, dir, c.call);
	if (!ev)
		return 0;
	ev->flags = MTF_FLAG_TLS;
	if (ref.sk)
		fill_tuple(ev, (struct sock *)ref.sk);
	else
		ev->flags |= MTF_FLAG_TUPLE_UNKNOWN;
	ev->conn_id = ref.sk ? ref.sk : c.ssl;
	ev->byte_count = ret;
	ev->cap_len = copy_user(ev, 0, c.buf, ret);
	submit(ev);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num)
{
	return ssl_enter(ssl, (void *)buf, MTF_CALL_SSL_WRITE);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit, int ret) { return ssl_exit(ret); }

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return ssl_enter(ssl, buf, MTF_CALL_SSL_READ);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit, int ret) { return ssl_exit(ret); }

/* SSL_do_handshake carries no payload; it only teaches ssl_sock the socket early, before a
 * client's first SSL_write (node drives the handshake with it over a memory BIO). */
SEC("uprobe")
int BPF_KPROBE(ssl_handshake_enter, void *ssl)
{
	return ssl_enter(ssl, NULL, MTF_CALL_SSL_HANDSHAKE);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_handshake_exit, int ret) { return ssl_exit(ret); }

/* A freed SSL object's address is soon reused for another connection: forget its socket. */
SEC("uprobe")
int BPF_KPROBE(ssl_free_enter, void *ssl)
{
	__u64 key = (__u64)ssl;
	bpf_map_delete_elem(&ssl_sock, &key);
	return 0;
}
