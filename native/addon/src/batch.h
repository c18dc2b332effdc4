/*
 * Hands records from a capture thread to JS in batches: records are appended to a buffer that
 * becomes one ArrayBuffer per flush, delivered through a thread-safe function. The JS queue is
 * bounded; when JS falls behind, whole batches are dropped and counted, so memory never grows.
 */
#ifndef METAFLOW_BATCH_H
#define METAFLOW_BATCH_H

#include <node_api.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MTF_BATCH_BYTES (1u << 20)
#define MTF_BATCH_QUEUE 64

struct mtf_batch;

struct mtf_batcher {
	napi_threadsafe_function tsfn;
	struct mtf_batch *current;
	_Atomic uint64_t records_delivered;
	_Atomic uint64_t batches_dropped;
	_Atomic uint64_t records_dropped;
};

/* Creates the thread-safe function calling `on_batch(ArrayBuffer)`; `on_finalize` runs on the JS
 * thread once the last batch was delivered after mtf_batcher_release. */
napi_status mtf_batcher_init(struct mtf_batcher *b, napi_env env, napi_value on_batch,
			     const char *name, napi_finalize on_finalize, void *finalize_data);

/* Capture thread only. Appends one record made of two parts (header, payload). */
void mtf_batcher_append(struct mtf_batcher *b, const void *head, size_t head_len,
			const void *data, size_t data_len);

/* Capture thread only. Sends the pending records, if any; false when JS's queue is full (the
 * records are kept and go with the next flush). */
bool mtf_batcher_flush(struct mtf_batcher *b);

/* Bytes waiting in the working buffer. */
size_t mtf_batcher_pending(const struct mtf_batcher *b);

/* Capture thread, at its end: flushes, waiting up to timeout_ms for room in JS's queue (the JS
 * thread keeps draining it meanwhile); false when records were left behind. */
bool mtf_batcher_drain(struct mtf_batcher *b, int timeout_ms);

/* JS thread. Adds recordsDelivered, batchesDropped and recordsDropped to a stats object. */
void mtf_batcher_stats(const struct mtf_batcher *b, napi_env env, napi_value obj);

/* Last call on a batcher: counts what could not be sent and lets the thread-safe function
 * finalize once JS has taken every queued batch. */
void mtf_batcher_release(struct mtf_batcher *b);

#endif
