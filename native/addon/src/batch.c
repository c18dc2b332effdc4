#include "batch.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mtf_batch {
	size_t len;
	size_t records;
	uint8_t bytes[];
};

/* Runs on the JS thread: copies the batch into an ArrayBuffer of V8's own and frees it at
 * once. Handing JS the malloc'd batch (no copy) kept every batch until a garbage collection
 * freed it, in the capture thread's malloc arena, which grew to 30 MiB at 10k requests/s;
 * the copy costs a memcpy of ~100 KiB per 20 ms. */
static void call_js(napi_env env, napi_value js_cb, void *context, void *data)
{
	(void)context;
	struct mtf_batch *batch = data;
	if (env == NULL || js_cb == NULL) {
		free(batch);
		return;
	}
	napi_value ab, undefined;
	void *bytes = NULL;
	napi_status st = napi_create_arraybuffer(env, batch->len, &bytes, &ab);
	if (st == napi_ok)
		memcpy(bytes, batch->bytes, batch->len);
	free(batch);
	if (st != napi_ok)
		return;
	napi_get_undefined(env, &undefined);
	napi_call_function(env, undefined, js_cb, 1, &ab, NULL);
}

napi_status mtf_batcher_init(struct mtf_batcher *b, napi_env env, napi_value on_batch,
			     const char *name, napi_finalize on_finalize, void *finalize_data)
{
	memset(b, 0, sizeof(*b));
	napi_value resource_name;
	napi_status st = napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
	if (st != napi_ok)
		return st;
	return napi_create_threadsafe_function(env, on_batch, NULL, resource_name, MTF_BATCH_QUEUE, 1,
					       finalize_data, on_finalize, NULL, call_js, &b->tsfn);
}

/* The working buffer is reused; each flush copies out an exactly-sized batch so that a small
 * batch held by JS until garbage collection does not pin a full-size buffer. When the JS queue
 * is full the records stay in the working buffer for the next try. */
bool mtf_batcher_flush(struct mtf_batcher *b)
{
	struct mtf_batch *work = b->current;
	if (work == NULL || work->len == 0)
		return true;
	struct mtf_batch *batch = malloc(sizeof(struct mtf_batch) + work->len);
	if (batch == NULL)
		return false;
	batch->len = work->len;
	batch->records = work->records;
	memcpy(batch->bytes, work->bytes, work->len);
	if (napi_call_threadsafe_function(b->tsfn, batch, napi_tsfn_nonblocking) != napi_ok) {
		free(batch);
		return false;
	}
	atomic_fetch_add(&b->records_delivered, work->records);
	work->len = 0;
	work->records = 0;
	return true;
}

size_t mtf_batcher_pending(const struct mtf_batcher *b)
{
	return b->current ? b->current->len : 0;
}

void mtf_batcher_append(struct mtf_batcher *b, const void *head, size_t head_len,
			const void *data, size_t data_len)
{
	size_t need = head_len + data_len;
	if (need > MTF_BATCH_BYTES) {
		atomic_fetch_add(&b->records_dropped, 1);
		return;
	}
	if (b->current != NULL && b->current->len + need > MTF_BATCH_BYTES && !mtf_batcher_flush(b)) {
		/* JS is behind by a full queue and a full buffer: drop the buffer, count it, go on */
		atomic_fetch_add(&b->batches_dropped, 1);
		atomic_fetch_add(&b->records_dropped, b->current->records);
		b->current->len = 0;
		b->current->records = 0;
	}
	if (b->current == NULL) {
		b->current = malloc(sizeof(struct mtf_batch) + MTF_BATCH_BYTES);
		if (b->current == NULL) {
			atomic_fetch_add(&b->records_dropped, 1);
			return;
		}
		b->current->len = 0;
		b->current->records = 0;
	}
	memcpy(b->current->bytes + b->current->len, head, head_len);
	if (data_len)
		memcpy(b->current->bytes + b->current->len + head_len, data, data_len);
	b->current->len += need;
	b->current->records++;
}

bool mtf_batcher_drain(struct mtf_batcher *b, int timeout_ms)
{
	for (int waited = 0; !mtf_batcher_flush(b); waited += 5) {
		if (waited >= timeout_ms)
			return false;
		usleep(5000);
	}
	return true;
}

void mtf_batcher_release(struct mtf_batcher *b)
{
	if (!mtf_batcher_flush(b) && b->current) {
		atomic_fetch_add(&b->batches_dropped, 1);
		atomic_fetch_add(&b->records_dropped, b->current->records);
	}
	free(b->current);
	b->current = NULL;
	napi_release_threadsafe_function(b->tsfn, napi_tsfn_release);
}

void mtf_batcher_stats(const struct mtf_batcher *b, napi_env env, napi_value obj)
{
	napi_set_named_property(env, obj, "recordsDelivered", mtf_number(env, (double)atomic_load(&b->records_delivered)));
	napi_set_named_property(env, obj, "batchesDropped", mtf_number(env, (double)atomic_load(&b->batches_dropped)));
	napi_set_named_property(env, obj, "recordsDropped", mtf_number(env, (double)atomic_load(&b->records_dropped)));
}
