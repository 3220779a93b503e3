/*
 * proc_maps.h: parsing /proc/PID/maps. Pure text handling; opening the
 * objects behind the mappings is the symbolizer's business.
 */
#ifndef PROC_MAPS_H
#define PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct map_entry {
	uint64_t start, end, offset;
	uint64_t inode;
	bool executable;
	bool deleted;   /* the path ended in " (deleted)", stripped from path */
	char path[256]; /* "" for anonymous memory; "[vdso]", "[stack]" ... as the kernel names them */
};

struct map_list {
	struct map_entry *entries;
	size_t count, cap;
};

/* Removes the " (deleted)" the kernel appends to the path of a file
 * replaced or removed since it was mapped; true when it was there. */
bool strip_deleted_suffix(char *path);

/* Parses one maps line; 0, or -1 when it is not a maps line. */
int map_entry_parse(const char *line, struct map_entry *entry);
/* Reads /proc/PID/maps; 0, or -1 with errno set. Keeps executable mappings only. */
int map_list_read(pid_t pid, struct map_list *list);
/* The mapping holding addr, or NULL. The list is sorted as the kernel prints it. */
const struct map_entry *map_list_find(const struct map_list *list, uint64_t addr);
void map_list_free(struct map_list *list);

#endif
