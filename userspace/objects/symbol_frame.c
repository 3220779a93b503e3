/* symbol_frame.c: the strings named frames point into. */
#include <string.h>

#include "hashmap.h"
#include "symbol_frame.h"

const char *symbol_intern(struct hashmap *strings, const char *s)
{
	if (s == NULL)
		return "";
	struct hashmap_entry *entry = hashmap_upsert(strings, s, strlen(s) + 1, NULL);
	return entry != NULL ? entry->key : "";
}
