/*
 * table_cache.h: built unwind tables kept on disk by build ID, like perf's
 * build-id cache, so a second attach to the same binaries reads each table
 * instead of compiling its call frame information again. A file is named
 * by the object's build ID and records the agent's own build ID: a table
 * any other agent build wrote (whose table builder may differ) is a miss.
 * A file that fails any check is a miss too, never an error: the table is
 * built as if the cache were empty. The same directory keeps other files
 * by build ID for the symbolizer (debug_copy.h).
 */
#ifndef TABLE_CACHE_H
#define TABLE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "unwind_table.h"

struct table_cache;

/* The cache in dir (created 0700 with its parents when missing), for
 * tables built by the agent whose build ID is builder (hex). NULL with a
 * one-line reason when dir cannot be used: not a directory, not owned by
 * this user, or writable by others (their files would steer the walker). */
struct table_cache *table_cache_open(const char *dir, const char *builder, char *err, size_t err_len);
void table_cache_close(struct table_cache *cache);

/* Where the cache is unless BPFPROF_CACHE_DIR says otherwise:
 * $XDG_CACHE_HOME/bpfprof, else $HOME/.cache/bpfprof; "" when neither is
 * set. BPFPROF_CACHE_DIR=off turns the cache off (NULL). */
const char *table_cache_default_dir(void);

/* The table of the object whose build ID is build_id (hex), into *table
 * (to free with unwind_table_free): true on a hit. */
bool table_cache_load(struct table_cache *cache, const char *build_id, struct unwind_table *table);
/* Keeps table under build_id: 0, or -1 (the cache is only an
 * optimisation; the caller counts it). */
int table_cache_store(struct table_cache *cache, const char *build_id, const struct unwind_table *table);

/* Other files kept by build ID, named BUILD_ID + suffix (".debug"): */
/* The file's path into path: 0, or -1 when build_id is not hex or the
 * path does not fit. */
int table_cache_path(const struct table_cache *cache, const char *build_id, const char *suffix, char *path,
		     size_t size);
/* A read-only descriptor (its size into *size when not NULL), only for a
 * regular file this user alone may write, never through a symlink; -1. */
int table_cache_open_file(const struct table_cache *cache, const char *build_id, const char *suffix, off_t *size);
/* A new file under a temporary name (written into temporary), to fill and
 * close, then hand to table_cache_finish_file: its descriptor, or -1. */
int table_cache_create_file(const struct table_cache *cache, const char *build_id, const char *suffix,
			    char *temporary, size_t size);
/* Renames a complete file to its place, so readers see all of it or none;
 * removes an incomplete one. 0, or -1. */
int table_cache_finish_file(const struct table_cache *cache, const char *build_id, const char *suffix,
			    const char *temporary, bool complete);

/* This process's own GNU build ID in hex, from its program headers; ""
 * when it has none. */
const char *table_cache_own_build_id(void);

#endif
