/*
 * fuzz_proc_maps.c: /proc/PID/maps text, as the symbolizer reads it, through
 * map_entry_parse line by line, then the lookup of addresses in the list
 * of what parsed. The kernel writes this text, but a path is anything a
 * process named a file, spaces, " (deleted)" and newlines included.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "proc_maps.h"

#define MAX_ENTRIES 256

static void check_entry(const char *line, const struct map_entry *e)
{
	EXPECT(e->start < e->end);
	size_t len = strnlen(e->path, sizeof(e->path));
	EXPECT(len < sizeof(e->path));
	EXPECT(strchr(e->path, '\n') == NULL);
	/* The path is the line's own text, never bytes from elsewhere. */
	EXPECT(len == 0 || strstr(line, e->path) != NULL);
}

static int by_start(const void *a, const void *b)
{
	const struct map_entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* What map_list_find must answer, by looking at every entry. */
static const struct map_entry *find_by_scan(const struct map_list *list, uint64_t addr)
{
	for (size_t i = 0; i < list->count; i++)
		if (addr >= list->entries[i].start && addr < list->entries[i].end)
			return &list->entries[i];
	return NULL;
}

static void check_lookup(const struct map_list *list, uint64_t addr)
{
	EXPECT(map_list_find(list, addr) == find_by_scan(list, addr));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct map_entry entries[MAX_ENTRIES];
	struct map_list list = {.entries = entries, .cap = MAX_ENTRIES};
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* Lines as map_list_read sees them: fgets into 512 bytes, so a longer
	 * line arrives as pieces, each parsed on its own. */
	FILE *in = fmemopen(text, size + 1, "r");
	char line[512];
	while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
		struct map_entry e;
		if (map_entry_parse(line, &e) != 0)
			continue;
		check_entry(line, &e);
		if (e.executable && list.count < MAX_ENTRIES)
			entries[list.count++] = e;
	}
	if (in != NULL)
		fclose(in);
	/* The whole text as one line too: map_entry_parse takes any string. */
	struct map_entry whole;
	if (map_entry_parse(text, &whole) == 0)
		check_entry(text, &whole);
	bool stripped = strip_deleted_suffix(text);
	EXPECT(!stripped || strlen(text) + strlen(" (deleted)") <= size);

	/* The kernel lists mappings in address order without overlaps; the
	 * lookup may rely on it, so the list is made so. */
	qsort(entries, list.count, sizeof(entries[0]), by_start);
	size_t kept = 0;
	for (size_t i = 0; i < list.count; i++)
		if (kept == 0 || entries[i].start >= entries[kept - 1].end)
			entries[kept++] = entries[i];
	list.count = kept;
	for (size_t i = 0; i < list.count; i++) {
		check_lookup(&list, entries[i].start);
		check_lookup(&list, entries[i].end - 1);
		check_lookup(&list, entries[i].end);
		check_lookup(&list, entries[i].start - 1);
		check_lookup(&list, entries[i].start + (entries[i].end - entries[i].start) / 2);
	}
	check_lookup(&list, 0);
	check_lookup(&list, UINT64_MAX);
	free(text);
	return 0;
}
