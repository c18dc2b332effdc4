#ifndef METAFLOW_TRACER_H
#define METAFLOW_TRACER_H
#include <node_api.h>
napi_value mtf_open_tracer(napi_env env, napi_callback_info info);
napi_value mtf_tracer_stats(napi_env env, napi_callback_info info);
napi_value mtf_tracer_set_pids(napi_env env, napi_callback_info info);
napi_value mtf_tracer_set_cgroup(napi_env env, napi_callback_info info);
napi_value mtf_tracer_close(napi_env env, napi_callback_info info);
#endif
