/* proc_maps.c: /proc/PID/maps as a sorted list of executable mappings. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "proc_maps.h"

int map_entry_parse(const char *line, struct map_entry *entry)
{
	char perms[5];
	unsigned dev_major, dev_minor;
	int path_at = 0;

	memset(entry, 0, sizeof(*entry));
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", &entry->start, &entry->end,
		   perms, &entry->offset, &dev_major, &dev_minor, &entry->inode, &path_at) < 7 ||
	    entry->end <= entry->start || strlen(perms) != 4)
		return -1;
	entry->executable = perms[2] == 'x';

	const char *path = line + path_at;
	size_t len = strcspn(path, "\n");
	static const char deleted[] = " (deleted)";
	if (len >= sizeof(deleted) - 1 && strncmp(path + len - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1) == 0) {
		entry->deleted = true;
		len -= sizeof(deleted) - 1;
	}
	if (len >= sizeof(entry->path))
		len = sizeof(entry->path) - 1;
	memcpy(entry->path, path, len);
	entry->path[len] = '\0';
	return 0;
}

int map_list_read(pid_t pid, struct map_list *list)
{
	char path[64], line[512];

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "re");
	if (maps == NULL)
		return -1;
	list->count = 0;
	while (fgets(line, sizeof(line), maps) != NULL) {
		struct map_entry entry;
		/* Anonymous executable memory (JIT code) stays in: nothing
		 * symbolizes it, but its addresses are real frames. */
		if (map_entry_parse(line, &entry) != 0 || !entry.executable)
			continue;
		struct map_entry *slot = ARRAY_PUSH(list->entries, list->count, list->cap);
		if (slot == NULL) {
			fclose(maps);
			return -1;
		}
		*slot = entry;
	}
	fclose(maps);
	return 0;
}

const struct map_entry *map_list_find(const struct map_list *list, uint64_t addr)
{
	size_t low = 0, high = list->count;

	while (low < high) {
		size_t mid = low + (high - low) / 2;
		const struct map_entry *entry = &list->entries[mid];
		if (addr < entry->start)
			high = mid;
		else if (addr >= entry->end)
			low = mid + 1;
		else
			return entry;
	}
	return NULL;
}

void map_list_free(struct map_list *list)
{
	free(list->entries);
	list->entries = NULL;
	list->count = list->cap = 0;
}
