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

#include "trace_common.bpf.h"

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

#include "fork_follow.bpf.h"

/* close is reported at enter: after it returns the fd no longer names the socket. */
SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!traced(id))
		return 0;
	int fd = ARG(0);
	struct sock *sk = inet_sock_of_fd(fd);
	if (sk && !fd_shared(fd))
		emit_conn(id, fd, sk, MTF_KIND_CLOSE, MTF_CALL_CLOSE, false);
	return 0;
}
#include "ssl_trace.bpf.h"
