/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OpenSSL uprobes: plaintext at SSL_read/SSL_write (and the _ex variants) returns, tagged TLS.
 * The socket is the one a syscall inside the SSL call used, else the one learned earlier for
 * the same SSL object, else (memory BIOs, as in node) the one the thread last read from.
 * Included by socket_trace.bpf.c: the programs share its maps.
 */
#ifndef METAFLOW_SSL_TRACE_BPF_H
#define METAFLOW_SSL_TRACE_BPF_H

/* int SSL_read(SSL *, void *, int) / int SSL_write(SSL *, const void *, int) */

static __always_inline int ssl_enter(void *ssl, void *buf, void *len_ptr, __u8 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!traced(id))
		return 0;
	struct ssl_call c = {
		.buf = (__u64)buf, .ssl = (__u64)ssl, .len_ptr = (__u64)len_ptr, .sock = { .fd = -1 }, .call = call,
	};
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
	/* SSL_read/SSL_write return the byte count; the _ex variants return 1 and store it */
	long bytes = ret;
	if (c.len_ptr) {
		__u64 n = 0;
		if (ret != 1 || bpf_probe_read_user(&n, sizeof(n), (void *)c.len_ptr))
			return 0;
		bytes = n;
	}
	if (bytes <= 0 || c.call == MTF_CALL_SSL_HANDSHAKE)
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
	ev->byte_count = bytes;
	ev->cap_len = copy_user(ev, 0, c.buf, bytes);
	submit(ev);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num)
{
	return ssl_enter(ssl, (void *)buf, NULL, MTF_CALL_SSL_WRITE);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit, int ret) { return ssl_exit(ret); }

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return ssl_enter(ssl, buf, NULL, MTF_CALL_SSL_READ);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit, int ret) { return ssl_exit(ret); }

/* int SSL_write_ex(SSL *, const void *, size_t, size_t *written), SSL_read_ex likewise
 * (OpenSSL 1.1.1+; CPython's ssl module uses these). */
SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, size_t num, size_t *written)
{
	return ssl_enter(ssl, (void *)buf, written, MTF_CALL_SSL_WRITE);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_exit, int ret) { return ssl_exit(ret); }

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, size_t num, size_t *readbytes)
{
	return ssl_enter(ssl, buf, readbytes, MTF_CALL_SSL_READ);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_exit, int ret) { return ssl_exit(ret); }

/* SSL_do_handshake carries no payload; it only teaches ssl_sock the socket early, before a
 * client's first SSL_write (node drives the handshake with it over a memory BIO). */
SEC("uprobe")
int BPF_KPROBE(ssl_handshake_enter, void *ssl)
{
	return ssl_enter(ssl, NULL, NULL, MTF_CALL_SSL_HANDSHAKE);
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

#endif
