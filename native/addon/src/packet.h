#ifndef METAFLOW_PACKET_H
#define METAFLOW_PACKET_H
#include <node_api.h>
#include <stdint.h>

/* Record header of one captured frame in a packet batch (little endian, 24 bytes), followed by
 * cap_len bytes of the frame starting at its link-layer header. */
struct mtf_frame {
	uint64_t ts_ns;    /* CLOCK_REALTIME, from the kernel's receive timestamp */
	uint32_t ifindex;
	uint32_t cap_len;
	uint32_t orig_len;
	uint16_t hatype;   /* ARPHRD_* of the interface (1 = Ethernet, 772 = loopback) */
	uint8_t pkttype;   /* PACKET_HOST, PACKET_OUTGOING, ... */
	uint8_t reserved;
};

napi_value mtf_open_packet(napi_env env, napi_callback_info info);
napi_value mtf_packet_stats(napi_env env, napi_callback_info info);
napi_value mtf_packet_close(napi_env env, napi_callback_info info);
#endif
