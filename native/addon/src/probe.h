#ifndef METAFLOW_PROBE_H
#define METAFLOW_PROBE_H
#include <node_api.h>
napi_value mtf_probe_kernel(napi_env env, napi_callback_info info);
#endif
