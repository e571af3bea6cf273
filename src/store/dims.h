/*
 * dims.h - the filter choices of a store (GET /v1/dimensions): per stream,
 * the columns it was given and the values of its dimension columns.
 * Part of the store module (it reads the `columns` table and the stream
 * tables); declared apart from store.h to keep that header's edits small.
 */
#ifndef CXM_STORE_DIMS_H
#define CXM_STORE_DIMS_H
#include <stddef.h>
#include <stdio.h>

#include "store.h"

/* 1 if column `name` of stream is a dimension (a label to filter and group
 * by: channel, team, agent, priority, status, survey, an extra column),
 * 0 for ids, instants, numbers, flags, tags and free text. */
int cxm_store_is_dimension(const char *stream, const char *name);

/* Writes {"tickets":{"rows":N,"columns":[..],"dimensions":{"COL":[{"value":"V","n":N},..],..},
 * "truncated":["COL",..],"multi":["tags"]},..} for each stream that has
 * columns: up to max_values values per dimension, most frequent first (ties
 * by value); a dimension with more values lists its first max_values and is
 * named in "truncated". Values are the stored text (empty and NULL left
 * out). The tickets' tags (when given) are a dimension too, named in
 * "multi": its values are the single tags of the ';'-separated lists,
 * trimmed of spaces as `--where tags=X` matches them, n the tickets having
 * each. Reads in one transaction. Sizes: one GROUP BY pass per dimension
 * column (for tags, one row per distinct list). */
int cxm_store_dimensions_json(cxm_store *s, size_t max_values, FILE *out, cxm_diag *diag) CXM_WUR;

#endif
