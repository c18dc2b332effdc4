/* Small helpers shared by the addon's parts: libbpf log capture, tracefs, N-API argument access. */
#ifndef METAFLOW_UTIL_H
#define METAFLOW_UTIL_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libbpf reports why a load or attach failed only through its print callback (the verifier log
 * included). We keep the tail of it so errors thrown to JS carry the kernel's own words. */
void mtf_log_install(void);
void mtf_log_clear(void);
/* Copies the last non-empty lines of libbpf output (at most `max` bytes). */
void mtf_log_tail(char *out, size_t max);

/* Makes sure tracefs (needed to attach syscall tracepoints) is mounted; mounts it at
 * /sys/kernel/tracing when absent and we may. Writes a one-line status; false when unusable. */
bool mtf_ensure_tracefs(char *status, size_t max);

/* Throws `Error(message)` with the libbpf log tail appended when there is one; returns NULL. */
napi_value mtf_throw(napi_env env, const char *message, int err, bool with_log);

bool mtf_get_u32(napi_env env, napi_value obj, const char *key, uint32_t *out);
bool mtf_get_string(napi_env env, napi_value obj, const char *key, char *out, size_t max);
napi_value mtf_number(napi_env env, double v);
napi_value mtf_string(napi_env env, const char *s);

/* Unwraps a handle created with napi_create_external; NULL (and a thrown error) otherwise. */
void *mtf_handle(napi_env env, napi_value v);

/* A new promise; *deferred settles it. With deferred == NULL it is resolved (undefined) at once,
 * for closing what is already closed. */
napi_value mtf_promise(napi_env env, napi_deferred *deferred);

#endif
