/*
 * AF_PACKET capture: a raw socket bound to one interface, read on its own thread, frames
 * handed to JS in batches (struct mtf_frame + bytes). On loopback every packet passes the
 * interface twice (as PACKET_OUTGOING, then as PACKET_HOST); a classic BPF filter drops the
 * outgoing copy in the kernel when asked, so each packet is seen once.
 * JS API: openPacket({ interface, snapLength, dropOutgoing }, onBatch) -> { handle, ifindex },
 *         packetStats(handle), packetClose(handle) -> Promise.
 */
#include "packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "util.h"

#define MAX_SNAP 65535
#define RCVBUF_BYTES (16 << 20)

struct packet_capture {
	int fd;
	uint32_t snap;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	struct mtf_batcher batcher;
	napi_deferred closed;
	_Atomic uint64_t kernel_drops;
	_Atomic uint64_t kernel_packets;
};

struct packet_handle {
	struct packet_capture *c;
};

/* Accumulates PACKET_STATISTICS, which the kernel resets on every read. */
static void read_stats(struct packet_capture *c)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
		atomic_fetch_add(&c->kernel_packets, st.tp_packets);
		atomic_fetch_add(&c->kernel_drops, st.tp_drops);
	}
}

static uint64_t timestamp_of(struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		}
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
}

static void *read_loop(void *arg)
{
	struct packet_capture *c = arg;
	uint8_t *frame = malloc(c->snap);
	char control[CMSG_SPACE(sizeof(struct timespec))];
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	while (frame && !atomic_load(&c->stop)) {
		if (poll(&pfd, 1, 100) <= 0) {
			mtf_batcher_flush(&c->batcher); /* whatever waited for room in JS's queue */
			continue;
		}
		for (int burst = 0; burst < 4096; burst++) {
			struct sockaddr_ll from;
			struct iovec iov = { .iov_base = frame, .iov_len = c->snap };
			struct msghdr msg = {
				.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
				.msg_control = control, .msg_controllen = sizeof(control),
			};
			ssize_t n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
			if (n < 0)
				break;
			struct mtf_frame head = {
				.ts_ns = timestamp_of(&msg),
				.ifindex = (uint32_t)from.sll_ifindex,
				.orig_len = (uint32_t)n,
				.cap_len = (uint32_t)n < c->snap ? (uint32_t)n : c->snap,
				.hatype = from.sll_hatype,
				.pkttype = from.sll_pkttype,
			};
			mtf_batcher_append(&c->batcher, &head, sizeof(head), frame, head.cap_len);
		}
		mtf_batcher_flush(&c->batcher);
	}
	free(frame);
	read_stats(c);
	close(c->fd);
	mtf_batcher_drain(&c->batcher, 2000);
	mtf_batcher_release(&c->batcher);
	return NULL;
}

/* Attached before bind so no unfiltered packet is ever queued. */
static int attach_filter(int fd, bool drop_outgoing)
{
	struct sock_filter drop_out[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
	};
	struct sock_filter accept_all[] = { BPF_STMT(BPF_RET | BPF_K, 0x40000) };
	struct sock_fprog prog = drop_outgoing
		? (struct sock_fprog){ .len = 4, .filter = drop_out }
		: (struct sock_fprog){ .len = 1, .filter = accept_all };
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static void on_tsfn_finalize(napi_env env, void *data, void *hint)
{
	(void)hint;
	struct packet_capture *c = data;
	if (c->thread_started)
		pthread_join(c->thread, NULL);
	if (c->closed) {
		napi_value undefined;
		napi_get_undefined(env, &undefined);
		napi_resolve_deferred(env, c->closed, undefined);
	}
	free(c);
}

static void on_handle_finalize(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	free(data);
}

napi_value mtf_open_packet(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 2)
		return mtf_throw(env, "openPacket(options, onBatch) needs two arguments", 0, false);
	char ifname[IF_NAMESIZE + 1] = "lo";
	uint32_t snap = MAX_SNAP;
	bool drop_outgoing = false;
	mtf_get_string(env, argv[0], "interface", ifname, sizeof(ifname));
	mtf_get_u32(env, argv[0], "snapLength", &snap);
	napi_value v;
	if (napi_get_named_property(env, argv[0], "dropOutgoing", &v) == napi_ok)
		napi_get_value_bool(env, v, &drop_outgoing);
	if (snap < 64 || snap > MAX_SNAP)
		return mtf_throw(env, "snapLength must be between 64 and 65535", 0, false);
	unsigned int ifindex = if_nametoindex(ifname);
	if (ifindex == 0)
		return mtf_throw(env, "unknown network interface", errno, false);

	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mtf_throw(env, "socket(AF_PACKET, SOCK_RAW) failed (needs CAP_NET_RAW)", errno, false);
	int one = 1;
	/* Bursts on a busy interface outrun one reader thread with the default ~200 KiB buffer;
	 * FORCE (CAP_NET_ADMIN) may exceed net.core.rmem_max, plain SO_RCVBUF is capped by it. */
	int rcvbuf = RCVBUF_BYTES;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_ll addr = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)ifindex };
	if (attach_filter(fd, drop_outgoing) || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = errno;
		close(fd);
		return mtf_throw(env, "configuring the AF_PACKET socket failed", err, false);
	}
	struct packet_capture *c = calloc(1, sizeof(*c));
	struct packet_handle *h = malloc(sizeof(*h));
	if (c == NULL || h == NULL) {
		close(fd);
		free(c);
		free(h);
		return mtf_throw(env, "out of memory", ENOMEM, false);
	}
	c->fd = fd;
	c->snap = snap;
	if (mtf_batcher_init(&c->batcher, env, argv[1], "metaflow-afpacket", on_tsfn_finalize, c) != napi_ok) {
		close(fd);
		free(c);
		free(h);
		return mtf_throw(env, "creating the batch delivery failed", 0, false);
	}
	if (pthread_create(&c->thread, NULL, read_loop, c) != 0) {
		int err = errno;
		close(fd);
		free(h);
		mtf_batcher_release(&c->batcher);
		return mtf_throw(env, "starting the capture thread failed", err, false);
	}
	c->thread_started = true;
	h->c = c;
	napi_value result, handle;
	napi_create_object(env, &result);
	napi_create_external(env, h, on_handle_finalize, NULL, &handle);
	napi_set_named_property(env, result, "handle", handle);
	napi_set_named_property(env, result, "ifindex", mtf_number(env, ifindex));
	return result;
}

napi_value mtf_packet_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct packet_handle *h = argc ? mtf_handle(env, argv[0]) : NULL;
	if (h == NULL)
		return NULL;
	if (h->c == NULL) {
		napi_throw_error(env, NULL, "the packet capture is closed");
		return NULL;
	}
	struct packet_capture *c = h->c;
	read_stats(c);
	napi_value r;
	napi_create_object(env, &r);
	napi_set_named_property(env, r, "kernelPackets", mtf_number(env, (double)atomic_load(&c->kernel_packets)));
	napi_set_named_property(env, r, "kernelDrops", mtf_number(env, (double)atomic_load(&c->kernel_drops)));
	mtf_batcher_stats(&c->batcher, env, r);
	return r;
}

napi_value mtf_packet_close(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct packet_handle *h = argc ? mtf_handle(env, argv[0]) : NULL;
	if (h == NULL)
		return NULL;
	struct packet_capture *c = h->c;
	if (c == NULL)
		return mtf_promise(env, NULL);
	h->c = NULL;
	napi_value promise = mtf_promise(env, &c->closed);
	atomic_store(&c->stop, true); /* read_loop closes the socket and releases; see on_tsfn_finalize */
	return promise;
}
