/*
 * case_index.c — reading and building the case indexes (see
 * case_index.h).
 */
#include "case_index.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "store.h"
#include "wl.h"

#define CASE_INDEX_PAGE 500
/* A bound on the build loop: 500 x 200000 cases is more than any street
 * will ever hold. */
#define CASE_INDEX_MAX_PAGES 200000

int case_index_build(void)
{
	char off[32], cnt[32];
	const char *argv[3] = {store_prefix(), off, cnt};
	long long done = 0, indexed = 0;
	redisReply *r = NULL;
	int rc = WL_OK;

	snprintf(cnt, sizeof(cnt), "%d", CASE_INDEX_PAGE);
	for (long page = 0; !done && page < CASE_INDEX_MAX_PAGES; page++) {
		snprintf(off, sizeof(off), "%ld", page * CASE_INDEX_PAGE);
		rc = store_eval(STORE_CASE_REINDEX, 3, argv, NULL, &r);
		if (rc != WL_OK)
			goto out;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_INTEGER ||
		    r->element[1]->type != REDIS_REPLY_INTEGER) {
			rc = WL_EINTERNAL;
			goto out;
		}
		indexed += r->element[0]->integer;
		done = r->element[1]->integer;
		freeReplyObject(r);
		r = NULL;
	}
	if (indexed)
		log_info("store", "case indexes built cases=%lld", indexed);
out:
	if (r)
		freeReplyObject(r);
	return rc;
}

int case_index_query(const json_t *q, json_t **counts, json_t **cases)
{
	char *doc = json_dumps(q, JSON_COMPACT);
	const char *argv[2] = {store_prefix(), doc};
	redisReply *r = NULL;
	const redisReply *n, *page;
	int rc = WL_ENOMEM;

	*counts = *cases = NULL;
	if (!doc)
		goto out;
	rc = store_eval(STORE_CASE_INDEX, 2, argv, NULL, &r);
	if (rc != WL_OK)
		goto out;
	rc = WL_EINTERNAL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_ARRAY ||
	    r->element[1]->type != REDIS_REPLY_ARRAY)
		goto out;
	n = r->element[0];
	page = r->element[1];
	rc = WL_ENOMEM;
	*counts = json_array();
	*cases = json_array();
	if (!*counts || !*cases)
		goto out;
	for (size_t i = 0; i < n->elements; i++)
		if (json_array_append_new(
			*counts,
			json_integer(n->element[i]->type == REDIS_REPLY_INTEGER
					 ? n->element[i]->integer
					 : 0)))
			goto out;
	for (size_t i = 0; i < page->elements; i++)
		if (json_array_append_new(*cases,
					  store_hash_object(page->element[i])))
			goto out;
	rc = WL_OK;
out:
	if (rc != WL_OK) {
		json_decref(*counts);
		json_decref(*cases);
		*counts = *cases = NULL;
	}
	if (r)
		freeReplyObject(r);
	free(doc);
	return rc;
}
