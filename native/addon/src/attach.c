#include "attach.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void push_failure(napi_env env, napi_value failed, const char *program, const char *target, int err)
{
	char tail[512];
	mtf_log_tail(tail, sizeof(tail));
	char text[1024];
	snprintf(text, sizeof(text), "%s%s%s", strerror(err < 0 ? -err : err), tail[0] ? "; libbpf: " : "", tail);
	napi_value item;
	napi_create_object(env, &item);
	napi_set_named_property(env, item, "program", mtf_string(env, program));
	napi_set_named_property(env, item, "target", mtf_string(env, target));
	napi_set_named_property(env, item, "error", mtf_string(env, text));
	uint32_t len;
	napi_get_array_length(env, failed, &len);
	napi_set_element(env, failed, len, item);
}

static void push_string(napi_env env, napi_value arr, const char *s)
{
	uint32_t len;
	napi_get_array_length(env, arr, &len);
	napi_set_element(env, arr, len, mtf_string(env, s));
}

bool mtf_is_uprobe(const struct bpf_program *prog)
{
	return strncmp(bpf_program__section_name(prog), "uprobe", 6) == 0 ||
	       strncmp(bpf_program__section_name(prog), "uretprobe", 9) == 0;
}

static bool keep_link(struct mtf_links *links, struct bpf_link *link)
{
	struct bpf_link **grown = realloc(links->items, (links->count + 1) * sizeof(*grown));
	if (grown == NULL) {
		bpf_link__destroy(link);
		return false;
	}
	links->items = grown;
	links->items[links->count++] = link;
	return true;
}

void mtf_links_destroy(struct mtf_links *links)
{
	for (size_t i = 0; i < links->count; i++)
		bpf_link__destroy(links->items[i]);
	free(links->items);
	links->items = NULL;
	links->count = 0;
}

void mtf_attach_tracepoints(napi_env env, struct bpf_object *obj, struct mtf_links *links,
			    napi_value attached, napi_value failed)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (mtf_is_uprobe(prog))
			continue;
		mtf_log_clear();
		struct bpf_link *link = bpf_program__attach(prog);
		if (link == NULL) {
			push_failure(env, failed, bpf_program__name(prog), bpf_program__section_name(prog), errno);
			continue;
		}
		if (keep_link(links, link))
			push_string(env, attached, bpf_program__section_name(prog));
	}
}

void mtf_attach_uprobes(napi_env env, const struct mtf_uprobe *probes, size_t count, const char *binary,
			struct mtf_links *links, napi_value attached, napi_value failed)
{
	for (size_t i = 0; i < count; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = probes[i].func, .retprobe = probes[i].retprobe);
		mtf_log_clear();
		struct bpf_link *link = bpf_program__attach_uprobe_opts(probes[i].prog, -1, binary, 0, &opts);
		char what[4200];
		snprintf(what, sizeof(what), "%s:%s%s", binary, probes[i].func, probes[i].retprobe ? " (return)" : "");
		if (link == NULL) {
			push_failure(env, failed, bpf_program__name(probes[i].prog), what, errno);
			continue;
		}
		if (keep_link(links, link))
			push_string(env, attached, what);
	}
}
