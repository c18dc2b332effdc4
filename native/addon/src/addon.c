/* Module entry: the eBPF socket tracer, the kernel feature probe and the AF_PACKET capture. */
#include <node_api.h>

#include "packet.h"
#include "probe.h"
#include "tracer.h"
#include "util.h"

static napi_value init(napi_env env, napi_value exports)
{
	mtf_log_install();
	napi_property_descriptor props[] = {
		{ "probeKernel", NULL, mtf_probe_kernel, NULL, NULL, NULL, napi_default, NULL },
		{ "openTracer", NULL, mtf_open_tracer, NULL, NULL, NULL, napi_default, NULL },
		{ "tracerStats", NULL, mtf_tracer_stats, NULL, NULL, NULL, napi_default, NULL },
		{ "tracerSetPids", NULL, mtf_tracer_set_pids, NULL, NULL, NULL, napi_default, NULL },
		{ "tracerSetCgroup", NULL, mtf_tracer_set_cgroup, NULL, NULL, NULL, napi_default, NULL },
		{ "tracerClose", NULL, mtf_tracer_close, NULL, NULL, NULL, napi_default, NULL },
		{ "openPacket", NULL, mtf_open_packet, NULL, NULL, NULL, napi_default, NULL },
		{ "packetStats", NULL, mtf_packet_stats, NULL, NULL, NULL, napi_default, NULL },
		{ "packetClose", NULL, mtf_packet_close, NULL, NULL, NULL, napi_default, NULL },
	};
	napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
