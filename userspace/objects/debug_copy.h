/*
 * debug_copy.h: separate debug files kept uncompressed in the agent's
 * cache, by build ID, like the copies in perf's build-id cache.
 *
 * Distributions compress debug sections (Debian's libc6-dbg: 2.3 MB of
 * .debug_info inflating to 5.8 MB), and libdw inflates all of them when it
 * opens the file: 70 ms for libc, on every attach, before the first line
 * is named. A copy with the sections inflated once opens in under a
 * millisecond and names every address exactly as the original does.
 */
#ifndef DEBUG_COPY_H
#define DEBUG_COPY_H

#include <libelf.h>
#include <stdint.h>

#include "table_cache.h"

/* A descriptor for the uncompressed copy of the debug file whose build ID
 * is build_id (hex), its path into *path (malloc'd), or -1 when the cache
 * holds none: a file that is not ELF, or is another object's, counts as
 * none. */
int debug_copy_open(const struct table_cache *cache, const char *build_id, char **path);

/* Keeps an uncompressed copy of debug_file, whose build ID must be
 * build_id; inflated, when not NULL, is an open handle on the same file
 * whose sections are already inflated in memory (libdw's, once it has
 * opened the DWARF), taken instead of inflating them again. 1 when it was
 * written, 0 when there is nothing to gain (no
 * compressed section, or the copy would pass DEBUG_COPY_MAX_BYTES), -1 on
 * failure (the cache is only an optimisation: the caller counts it). */
int debug_copy_store(const struct table_cache *cache, const char *build_id, const char *debug_file, Elf *inflated);

#define DEBUG_COPY_MAX_BYTES (1ull << 30)

#endif
