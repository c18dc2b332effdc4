#include "util.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_KEEP 2048

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[LOG_KEEP];
static size_t log_len;

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, args);
	if (n <= 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&log_lock);
	if (log_len + n >= LOG_KEEP) {
		/* keep the newest half: the failure reason is at the end of a verifier log */
		size_t keep = LOG_KEEP / 2;
		if (log_len > keep) {
			memmove(log_buf, log_buf + log_len - keep, keep);
			log_len = keep;
		}
		if ((size_t)n >= LOG_KEEP - log_len)
			n = LOG_KEEP - log_len - 1;
	}
	memcpy(log_buf + log_len, line, n);
	log_len += n;
	log_buf[log_len] = 0;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void mtf_log_install(void) { libbpf_set_print(on_libbpf_print); }

void mtf_log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_buf[0] = 0;
	pthread_mutex_unlock(&log_lock);
}

void mtf_log_tail(char *out, size_t max)
{
	pthread_mutex_lock(&log_lock);
	size_t start = log_len > max - 1 ? log_len - (max - 1) : 0;
	size_t n = log_len - start;
	memcpy(out, log_buf + start, n);
	out[n] = 0;
	pthread_mutex_unlock(&log_lock);
	/* trim trailing newlines, flatten the rest so the message stays one readable block */
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = 0;
}

bool mtf_ensure_tracefs(char *status, size_t max)
{
	static const char *roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[128];
	struct stat st;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/syscalls", roots[i]);
		/* stat, not access(): access() checks with the real uid and ignores our
		 * capabilities (CAP_DAC_READ_SEARCH is what lets a non-root agent in) */
		if (stat(path, &st) == 0) {
			snprintf(status, max, "tracefs present at %s", roots[i]);
			return true;
		}
	}
	if (mount("tracefs", roots[0], "tracefs", 0, NULL) == 0 &&
	    stat("/sys/kernel/tracing/events/syscalls", &st) == 0) {
		snprintf(status, max, "tracefs was not mounted; mounted it at %s", roots[0]);
		return true;
	}
	snprintf(status, max, "tracefs is not mounted and mounting it at %s failed: %s "
		 "(syscall tracepoints need tracefs; run `mount -t tracefs tracefs %s` as root)",
		 roots[0], strerror(errno), roots[0]);
	return false;
}

napi_value mtf_throw(napi_env env, const char *message, int err, bool with_log)
{
	char text[3072];
	size_t n = (size_t)snprintf(text, sizeof(text), "%s", message);
	if (err != 0 && n < sizeof(text))
		n += (size_t)snprintf(text + n, sizeof(text) - n, ": %s (errno %d)", strerror(err < 0 ? -err : err), err < 0 ? -err : err);
	if (with_log && n < sizeof(text)) {
		char tail[1536];
		mtf_log_tail(tail, sizeof(tail));
		if (tail[0])
			snprintf(text + n, sizeof(text) - n, "; libbpf: %s", tail);
	}
	napi_throw_error(env, NULL, text);
	return NULL;
}

static bool get_prop(napi_env env, napi_value obj, const char *key, napi_value *out)
{
	bool has = false;
	if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has)
		return false;
	if (napi_get_named_property(env, obj, key, out) != napi_ok)
		return false;
	napi_valuetype t;
	napi_typeof(env, *out, &t);
	return t != napi_undefined && t != napi_null;
}

bool mtf_get_u32(napi_env env, napi_value obj, const char *key, uint32_t *out)
{
	napi_value v;
	if (!get_prop(env, obj, key, &v))
		return false;
	return napi_get_value_uint32(env, v, out) == napi_ok;
}

bool mtf_get_string(napi_env env, napi_value obj, const char *key, char *out, size_t max)
{
	napi_value v;
	if (!get_prop(env, obj, key, &v))
		return false;
	size_t len;
	return napi_get_value_string_utf8(env, v, out, max, &len) == napi_ok;
}

napi_value mtf_number(napi_env env, double v)
{
	napi_value r;
	napi_create_double(env, v, &r);
	return r;
}

napi_value mtf_string(napi_env env, const char *s)
{
	napi_value r;
	napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
	return r;
}

void *mtf_handle(napi_env env, napi_value v)
{
	void *p = NULL;
	napi_valuetype t;
	if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
	    napi_get_value_external(env, v, &p) != napi_ok) {
		napi_throw_type_error(env, NULL, "expected a capture handle");
		return NULL;
	}
	return p;
}

napi_value mtf_promise(napi_env env, napi_deferred *deferred)
{
	napi_value promise;
	napi_deferred d;
	napi_create_promise(env, &d, &promise);
	if (deferred != NULL) {
		*deferred = d;
	} else {
		napi_value undefined;
		napi_get_undefined(env, &undefined);
		napi_resolve_deferred(env, d, undefined);
	}
	return promise;
}
