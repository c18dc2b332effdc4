/* SPDX-License-Identifier: GPL-2.0 */
/* From a file descriptor to the kernel socket and its addresses, with CO-RE reads. */
#ifndef METAFLOW_SOCK_BPF_H
#define METAFLOW_SOCK_BPF_H

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
#endif
