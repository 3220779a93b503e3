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

	/* The suffix comes off before the path is cut to fit, so a long path
	 * still loses it. */
	size_t len = strcspn(line + path_at, "\n");
	char path[len + 1];
	memcpy(path, line + path_at, len);
	path[len] = '\0';
	entry->deleted = strip_deleted_suffix(path);
	snprintf(entry->path, sizeof(entry->path), "%s", path);
	return 0;
}

bool strip_deleted_suffix(char *path)
{
	static const char suffix[] = " (deleted)";
	size_t len = strlen(path), suffix_len = sizeof(suffix) - 1;

	if (len < suffix_len || strcmp(path + len - suffix_len, suffix) != 0)
		return false;
	path[len - suffix_len] = '\0';
	return true;
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
