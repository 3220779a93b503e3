/* kallsyms.c: the kernel's text symbols, sorted for address lookup. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "kallsyms.h"

static const char *intern(struct kallsyms *table, const char *s, size_t len)
{
	char name[256];

	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, s, len);
	name[len] = '\0';
	struct hashmap_entry *entry = hashmap_upsert(table->names, name, len + 1, NULL);
	return entry != NULL ? entry->key : NULL;
}

static int by_address(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int kallsyms_load(struct kallsyms *table, FILE *in)
{
	char line[512];
	bool any_address = false;

	memset(table, 0, sizeof(*table));
	table->names = hashmap_new();
	if (table->names == NULL)
		return -1;
	while (fgets(line, sizeof(line), in) != NULL) {
		uint64_t addr;
		char type;
		int name_at = 0;
		if (sscanf(line, "%" SCNx64 " %c %n", &addr, &type, &name_at) < 2 || name_at == 0)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		const char *name = line + name_at;
		size_t name_len = strcspn(name, "\t \n");
		const char *module = strchr(name + name_len, '[');
		size_t module_len = module ? strcspn(module + 1, "]") : 0;

		const char *interned_name = intern(table, name, name_len);
		const char *interned_module = module ? intern(table, module + 1, module_len) : NULL;
		struct ksym *slot = ARRAY_PUSH(table->symbols, table->count, table->cap);
		if (interned_name == NULL || (module && interned_module == NULL) || slot == NULL) {
			kallsyms_free(table);
			errno = ENOMEM;
			return -1;
		}
		*slot = (struct ksym){.addr = addr, .name = interned_name, .module = interned_module};
		any_address |= addr != 0;
	}
	if (!any_address) {
		/* kptr_restrict hides every address from us. */
		kallsyms_free(table);
		errno = EPERM;
		return -1;
	}
	qsort(table->symbols, table->count, sizeof(*table->symbols), by_address);
	return 0;
}

const struct ksym *kallsyms_find(const struct kallsyms *table, uint64_t addr)
{
	size_t low = 0, high = table->count;

	if (table->count == 0 || addr < table->symbols[0].addr)
		return NULL;
	/* The last symbol at or below addr. */
	while (high - low > 1) {
		size_t mid = low + (high - low) / 2;
		if (table->symbols[mid].addr <= addr)
			low = mid;
		else
			high = mid;
	}
	return &table->symbols[low];
}

void kallsyms_free(struct kallsyms *table)
{
	free(table->symbols);
	hashmap_free(table->names);
	memset(table, 0, sizeof(*table));
}
