/*
 * The socket tracer: loads socket_trace.bpf.c (embedded skeleton), attaches the syscall
 * tracepoints and the OpenSSL uprobes, and drains the ring buffer on its own thread into
 * batches for JS. JS API (see agent/capture/native-addon.ts for the types):
 *   openTracer(options, onBatch) -> { handle, attached, failed, clockOffsetNs, tracefs }
 *   tracerStats(handle), tracerSetPids(handle, pids|null), tracerSetCgroup(handle, id),
 *   tracerClose(handle) -> Promise (resolves after the last batch was delivered)
 */
#include "tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "batch.h"
#include "socket_trace.h"
#include "socket_trace.skel.h"
#include "util.h"

#define MAX_SSL_BINARIES 8
/* The ring's data pages are mapped twice into the reader (for records that wrap), so they
 * count twice in RSS: 4 MiB holds almost 1 s of events at 10k requests/s and costs 8 MiB. */
#define DEFAULT_RING_BYTES (4u << 20)
#define POLL_MS 50
#define TRIM_MS 1000

struct tracer {
	struct socket_trace *skel;
	struct ring_buffer *rb;
	struct mtf_links links;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	struct mtf_batcher batcher;
	napi_deferred closed;
};

/* What JS holds; outlives the tracer so a use after close is an error, not a crash. */
struct tracer_handle {
	struct tracer *t;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	mtf_batcher_append(&t->batcher, data, size, NULL, 0);
	return 0;
}

static void destroy_bpf(struct tracer *t)
{
	mtf_links_destroy(&t->links);
	ring_buffer__free(t->rb);
	t->rb = NULL;
	socket_trace__destroy(t->skel);
	t->skel = NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Batches are sent when the ring is drained, when 256 KiB are pending, or every 20 ms: large
 * enough to keep the JS boundary cheap under load, soon enough to keep latency low. */
static void *poll_loop(void *arg)
{
	struct tracer *t = arg;
	int64_t last_flush = now_ms(), last_trim = last_flush;
	while (!atomic_load(&t->stop)) {
		/* records are submitted without waking us until wakeup_bytes wait (see submit() in
		 * bpf/trace_common.bpf.h), so a poll that times out still has to consume */
		int n = ring_buffer__poll(t->rb, POLL_MS);
		if (n == 0)
			n = ring_buffer__consume(t->rb);
		if (n < 0 && n != -EINTR)
			break;
		int64_t now = now_ms();
		if (n == 0 || mtf_batcher_pending(&t->batcher) >= (256u << 10) || now - last_flush >= 20) {
			mtf_batcher_flush(&t->batcher);
			last_flush = now;
		}
		/* glibc keeps freed memory in its heap unless asked to return it: V8's threads free
		 * tens of MiB after bursts of compiling and collecting, and this keeps RSS near what
		 * is in use. Cheap once a second. */
		if (now - last_trim >= TRIM_MS) {
			malloc_trim(0);
			last_trim = now;
		}
	}
	/* Detach first (slow: the kernel waits for tracepoint users), so that the final drain
	 * sees everything captured up to this point; all of it off the JS thread. */
	mtf_links_destroy(&t->links);
	ring_buffer__consume(t->rb);
	mtf_batcher_drain(&t->batcher, 2000);
	destroy_bpf(t);
	mtf_batcher_release(&t->batcher);
	return NULL;
}

/* Runs on the JS thread after the last batch was delivered. */
static void on_tsfn_finalize(napi_env env, void *data, void *hint)
{
	(void)hint;
	struct tracer *t = data;
	if (t->thread_started)
		pthread_join(t->thread, NULL);
	if (t->closed) {
		napi_value undefined;
		napi_get_undefined(env, &undefined);
		napi_resolve_deferred(env, t->closed, undefined);
	}
	free(t);
}

static void on_handle_finalize(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	free(data);
}

static void attach_ssl(napi_env env, struct tracer *t, const char *binary, napi_value attached, napi_value failed)
{
	const struct mtf_uprobe probes[] = {
		{ t->skel->progs.ssl_write_enter, "SSL_write", false },
		{ t->skel->progs.ssl_write_exit, "SSL_write", true },
		{ t->skel->progs.ssl_read_enter, "SSL_read", false },
		{ t->skel->progs.ssl_read_exit, "SSL_read", true },
		{ t->skel->progs.ssl_write_ex_enter, "SSL_write_ex", false },
		{ t->skel->progs.ssl_write_ex_exit, "SSL_write_ex", true },
		{ t->skel->progs.ssl_read_ex_enter, "SSL_read_ex", false },
		{ t->skel->progs.ssl_read_ex_exit, "SSL_read_ex", true },
		{ t->skel->progs.ssl_handshake_enter, "SSL_do_handshake", false },
		{ t->skel->progs.ssl_handshake_exit, "SSL_do_handshake", true },
		{ t->skel->progs.ssl_free_enter, "SSL_free", false },
	};
	mtf_attach_uprobes(env, probes, sizeof(probes) / sizeof(probes[0]), binary, &t->links, attached, failed);
}

static int set_pid_filter(struct tracer *t, napi_env env, napi_value pids)
{
	int map_fd = bpf_map__fd(t->skel->maps.pid_allow);
	napi_valuetype type;
	napi_typeof(env, pids, &type);
	/* turn filtering off first so no traced process is missed while the set is rebuilt */
	t->skel->bss->pid_filter_on = 0;
	uint32_t next;
	/* the set shrinks as we delete: always restart from the first key */
	while (bpf_map_get_next_key(map_fd, NULL, &next) == 0)
		if (bpf_map_delete_elem(map_fd, &next))
			return -errno;
	if (type == napi_null || type == napi_undefined)
		return 0;
	uint32_t len = 0;
	if (napi_get_array_length(env, pids, &len) != napi_ok)
		return -EINVAL;
	uint8_t one = 1;
	for (uint32_t i = 0; i < len; i++) {
		napi_value v;
		uint32_t pid;
		napi_get_element(env, pids, i, &v);
		if (napi_get_value_uint32(env, v, &pid) != napi_ok)
			return -EINVAL;
		if (bpf_map_update_elem(map_fd, &pid, &one, BPF_ANY))
			return -errno;
	}
	t->skel->bss->pid_filter_on = 1;
	return 0;
}

static int64_t clock_offset_ns(void)
{
	struct timespec real, mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000LL + ((int64_t)real.tv_nsec - mono.tv_nsec);
}

napi_value mtf_open_tracer(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 2)
		return mtf_throw(env, "openTracer(options, onBatch) needs two arguments", 0, false);

	uint32_t self_pid = (uint32_t)getpid(), capture = 1024, ring = DEFAULT_RING_BYTES;
	mtf_get_u32(env, argv[0], "selfPid", &self_pid);
	mtf_get_u32(env, argv[0], "captureBytes", &capture);
	mtf_get_u32(env, argv[0], "ringBufferBytes", &ring);
	uint32_t wakeup = ring / 4;
	mtf_get_u32(env, argv[0], "wakeupBytes", &wakeup);
	if (capture == 0 || capture > MTF_MAX_CAPTURE)
		return mtf_throw(env, "captureBytes must be between 1 and 8192", 0, false);
	if (ring < 4096 || (ring & (ring - 1)) != 0)
		return mtf_throw(env, "ringBufferBytes must be a power of two of at least 4096", 0, false);

	napi_value ssl_list;
	uint32_t nssl = 0;
	bool has_ssl = false;
	if (napi_has_named_property(env, argv[0], "sslBinaries", &has_ssl) == napi_ok && has_ssl) {
		napi_get_named_property(env, argv[0], "sslBinaries", &ssl_list);
		if (napi_get_array_length(env, ssl_list, &nssl) != napi_ok)
			nssl = 0;
		if (nssl > MAX_SSL_BINARIES)
			nssl = MAX_SSL_BINARIES;
	}

	char tracefs[512];
	if (!mtf_ensure_tracefs(tracefs, sizeof(tracefs)))
		return mtf_throw(env, tracefs, 0, false);

	struct tracer *t = calloc(1, sizeof(*t));
	struct tracer_handle *h = malloc(sizeof(*h));
	if (t == NULL || h == NULL) {
		free(t);
		free(h);
		return mtf_throw(env, "out of memory", ENOMEM, false);
	}
	mtf_log_clear();
	t->skel = socket_trace__open();
	if (t->skel == NULL) {
		int err = errno;
		free(t);
		free(h);
		return mtf_throw(env, "opening the BPF object failed", err, true);
	}
	t->skel->rodata->self_tgid = self_pid;
	t->skel->rodata->capture_bytes = capture;
	t->skel->rodata->ssl_enabled = nssl > 0;
	t->skel->rodata->wakeup_bytes = wakeup;
	bpf_map__set_max_entries(t->skel->maps.events, ring);
	if (nssl == 0) {
		struct bpf_program *prog;
		bpf_object__for_each_program(prog, t->skel->obj)
			if (mtf_is_uprobe(prog))
				bpf_program__set_autoload(prog, false);
	}
	int err = socket_trace__load(t->skel);
	if (err) {
		socket_trace__destroy(t->skel);
		free(t);
		free(h);
		return mtf_throw(env, "the kernel refused to load the BPF programs", err, true);
	}
	napi_value pids;
	if (napi_get_named_property(env, argv[0], "pids", &pids) == napi_ok && (err = set_pid_filter(t, env, pids))) {
		destroy_bpf(t);
		free(t);
		free(h);
		return mtf_throw(env, "setting the pid filter failed", err, false);
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_record, t, NULL);
	if (t->rb == NULL) {
		err = errno;
		destroy_bpf(t);
		free(t);
		free(h);
		return mtf_throw(env, "creating the ring buffer reader failed", err, true);
	}

	napi_value attached, failed;
	napi_create_array(env, &attached);
	napi_create_array(env, &failed);
	mtf_attach_tracepoints(env, t->skel->obj, &t->links, attached, failed);
	for (uint32_t i = 0; i < nssl; i++) {
		napi_value v;
		char path[4096];
		size_t len;
		napi_get_element(env, ssl_list, i, &v);
		if (napi_get_value_string_utf8(env, v, path, sizeof(path), &len) == napi_ok)
			attach_ssl(env, t, path, attached, failed);
	}

	if (mtf_batcher_init(&t->batcher, env, argv[1], "metaflow-ebpf", on_tsfn_finalize, t) != napi_ok) {
		destroy_bpf(t);
		free(t);
		free(h);
		return mtf_throw(env, "creating the batch delivery failed", 0, false);
	}
	if (pthread_create(&t->thread, NULL, poll_loop, t) != 0) {
		err = errno;
		destroy_bpf(t);
		free(h);
		mtf_batcher_release(&t->batcher); /* on_tsfn_finalize frees t */
		return mtf_throw(env, "starting the ring-buffer thread failed", err, false);
	}
	t->thread_started = true;

	h->t = t;
	napi_value result, handle, offset;
	napi_create_object(env, &result);
	napi_create_external(env, h, on_handle_finalize, NULL, &handle);
	napi_create_bigint_int64(env, clock_offset_ns(), &offset);
	napi_set_named_property(env, result, "handle", handle);
	napi_set_named_property(env, result, "attached", attached);
	napi_set_named_property(env, result, "failed", failed);
	napi_set_named_property(env, result, "clockOffsetNs", offset);
	napi_set_named_property(env, result, "tracefs", mtf_string(env, tracefs));
	return result;
}

static struct tracer *live_tracer(napi_env env, napi_value v)
{
	struct tracer_handle *h = mtf_handle(env, v);
	if (h == NULL)
		return NULL;
	if (h->t == NULL) {
		napi_throw_error(env, NULL, "the tracer is closed");
		return NULL;
	}
	return h->t;
}

napi_value mtf_tracer_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct tracer *t = argc ? live_tracer(env, argv[0]) : NULL;
	if (t == NULL)
		return NULL;
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(uint64_t));
	double sums[MTF_CNT_MAX] = { 0 };
	for (uint32_t key = 0; key < MTF_CNT_MAX && vals; key++) {
		if (bpf_map__lookup_elem(t->skel->maps.counters, &key, sizeof(key), vals, sizeof(uint64_t) * ncpu, 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			sums[key] += (double)vals[c];
	}
	free(vals);
	napi_value r;
	napi_create_object(env, &r);
	napi_set_named_property(env, r, "kernelDrops", mtf_number(env, sums[MTF_CNT_DROPS]));
	napi_set_named_property(env, r, "kernelEvents", mtf_number(env, sums[MTF_CNT_EVENTS]));
	mtf_batcher_stats(&t->batcher, env, r);
	return r;
}

napi_value mtf_tracer_set_pids(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct tracer *t = argc ? live_tracer(env, argv[0]) : NULL;
	if (t == NULL)
		return NULL;
	napi_value none;
	napi_get_null(env, &none);
	int err = set_pid_filter(t, env, argc > 1 ? argv[1] : none);
	if (err)
		return mtf_throw(env, "setting the pid filter failed", err, false);
	return NULL;
}

napi_value mtf_tracer_set_cgroup(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct tracer *t = argc ? live_tracer(env, argv[0]) : NULL;
	if (t == NULL)
		return NULL;
	int64_t id = 0;
	bool lossless;
	if (argc < 2 || napi_get_value_bigint_int64(env, argv[1], &id, &lossless) != napi_ok)
		return mtf_throw(env, "tracerSetCgroup(handle, id: bigint) needs a bigint cgroup id (0n turns the filter off)", 0, false);
	t->skel->bss->cgroup_filter = (uint64_t)id;
	return NULL;
}

napi_value mtf_tracer_close(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct tracer_handle *h = argc ? mtf_handle(env, argv[0]) : NULL;
	if (h == NULL)
		return NULL;
	struct tracer *t = h->t;
	if (t == NULL)
		return mtf_promise(env, NULL);
	h->t = NULL;
	napi_value promise = mtf_promise(env, &t->closed);
	atomic_store(&t->stop, true); /* poll_loop detaches, drains and releases; see on_tsfn_finalize */
	return promise;
}
