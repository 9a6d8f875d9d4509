/*
 * fuzz.h — what the fuzz targets share: CHECK, and loading the real flows
 * ($WL_FLOWS_DIR, else the source tree's, whose path the build passes as
 * WL_SOURCE_DIR).
 */
#ifndef WL_FUZZ_H
#define WL_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "flow.h"

/* abort() rather than assert(): the check must survive -DNDEBUG. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "check failed: %s (%s:%d)\n", #cond,   \
				__FILE__, __LINE__);                           \
			abort();                                               \
		}                                                              \
	} while (0)

#ifndef WL_SOURCE_DIR
#define WL_SOURCE_DIR "."
#endif

/* The real flows, loaded for cfg (NULL: none); aborts, with the loader's
 * messages, when they do not load. */
__attribute__((unused)) static struct flow_set *
fuzz_load_flows(const struct wl_config *cfg)
{
	const char *env = getenv("WL_FLOWS_DIR");
	struct flow_set *fs = NULL;
	struct wl_diag d;

	diag_init(&d);
	if (flow_set_load(env ? env : WL_SOURCE_DIR "/flows", cfg, &fs, &d) !=
	    0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.lines[i]);
		abort();
	}
	diag_release(&d);
	return fs;
}

#endif
