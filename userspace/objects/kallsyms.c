/*
 * kallsyms.c: the kernel's text symbols, sorted for address lookup.
 *
 * The first kernel frame of a profile waits for this table, and a kernel
 * has over 100,000 symbols: the file is read in one piece and cut up in
 * place, names pointing into it, with no per-line scanf or allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "kallsyms.h"

static int by_address(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The kernel lists its own symbols in address order (modules after):
 * nothing to sort, most of the time. */
static bool sorted(const struct kallsyms *table)
{
	for (size_t i = 1; i < table->count; i++)
		if (table->symbols[i - 1].addr > table->symbols[i].addr)
			return false;
	return true;
}

/* The stream's bytes, NUL-terminated; NULL when out of memory. */
static char *read_all(FILE *in, size_t *len)
{
	size_t cap = 1 << 20, used = 0;
	char *text = malloc(cap);

	while (text != NULL) {
		used += fread(text + used, 1, cap - used - 1, in);
		if (used < cap - 1)
			break;
		char *bigger = realloc(text, cap * 2);
		if (bigger == NULL)
			free(text);
		text = bigger;
		cap *= 2;
	}
	if (text != NULL)
		text[used] = '\0';
	*len = used;
	return text;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "ADDRESS TYPE NAME[\t[MODULE]]": the line's symbol, its text cut at
 * the name's and the module's ends; false for a line of another shape. */
static bool parse_line(char *line, struct ksym *sym, char *type)
{
	uint64_t addr = 0;
	int digits = 0;

	for (int d; (d = hex_digit(*line)) >= 0 && digits < 16; line++, digits++)
		addr = addr << 4 | (uint64_t)d;
	if (digits == 0 || line[0] != ' ' || line[1] == '\0' || line[2] != ' ' || line[3] == '\0')
		return false;
	*type = line[1];
	char *name = line + 3;
	size_t name_len = strcspn(name, "\t ");
	char *module = NULL;
	if (name[name_len] != '\0') {
		module = strchr(name + name_len + 1, '[');
		if (module != NULL) {
			module++;
			module[strcspn(module, "]")] = '\0';
		}
	}
	name[name_len] = '\0';
	*sym = (struct ksym){.addr = addr, .name = name, .module = module};
	return true;
}

int kallsyms_load(struct kallsyms *table, FILE *in)
{
	size_t len;
	bool any_address = false;

	memset(table, 0, sizeof(*table));
	table->text = read_all(in, &len);
	if (table->text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (char *line = table->text, *end; line < table->text + len; line = end + 1) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = table->text + len;
		*end = '\0';
		struct ksym sym;
		char type;
		if (!parse_line(line, &sym, &type) || (type != 't' && type != 'T' && type != 'w' && type != 'W'))
			continue;
		struct ksym *slot = ARRAY_PUSH(table->symbols, table->count, table->cap);
		if (slot == NULL) {
			kallsyms_free(table);
			errno = ENOMEM;
			return -1;
		}
		*slot = sym;
		any_address |= sym.addr != 0;
	}
	if (!any_address) {
		/* kptr_restrict hides every address from us. */
		kallsyms_free(table);
		errno = EPERM;
		return -1;
	}
	if (!sorted(table))
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
	free(table->text);
	memset(table, 0, sizeof(*table));
}
