/* dwarf_frames.c: lines and inlined calls of one object from its DWARF. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "demangle.h"
#include "dwarf_frames.h"

/* The addresses one compilation unit covers. */
struct cu_range {
	uint64_t low, high;
	Dwarf_Off die; /* the unit's DIE */
};

/* One lookup's object: its module, its units and where its names go. */
struct lookup {
	Dwfl_Module *module;
	struct dwarf_units *units;
	struct hashmap *strings;
};

void dwarf_units_forget(struct dwarf_units *units)
{
	free(units->ranges);
	*units = (struct dwarf_units){0};
}

static const char *attr_string(Dwarf_Die *die, int name)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

/* Source paths may be relative to the compilation directory; pprof's
 * `list` wants them absolute. */
static const char *absolute_path(const struct lookup *at, const char *comp_dir, const char *file)
{
	char joined[PATH_MAX];

	if (file == NULL || file[0] == '/' || comp_dir == NULL || comp_dir[0] == '\0')
		return symbol_intern(at->strings, file);
	snprintf(joined, sizeof(joined), "%s/%s", comp_dir, file);
	return symbol_intern(at->strings, joined);
}

/* Fills a frame's function names from a subprogram or inlined-subroutine
 * DIE, following abstract origins and specifications. */
static bool name_function(const struct lookup *at, Dwarf_Die *die, const char *comp_dir, struct symbol_frame *frame)
{
	const char *linkage = attr_string(die, DW_AT_linkage_name);
	const char *name = attr_string(die, DW_AT_name);

	if (linkage == NULL)
		linkage = attr_string(die, DW_AT_MIPS_linkage_name);
	if (name == NULL && linkage == NULL)
		return false;
	char *demangled = linkage != NULL ? demangle(linkage) : NULL;
	frame->system_name = symbol_intern(at->strings, linkage != NULL ? linkage : name);
	frame->function = symbol_intern(at->strings, demangled != NULL ? demangled : name != NULL ? name : linkage);
	free(demangled);

	int decl_line = 0;
	frame->decl_file = absolute_path(at, comp_dir, dwarf_decl_file(die));
	dwarf_decl_line(die, &decl_line);
	frame->start_line = decl_line;
	return true;
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inlined)
{
	Dwarf_Attribute attr;
	Dwarf_Word index;
	Dwarf_Files *files;
	size_t n_files;

	if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &index) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &n_files) != 0 || index >= n_files)
		return NULL;
	return dwarf_filesrc(files, index, NULL, NULL);
}

static bool is_function(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

static int by_low(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->low < y->low ? -1 : x->low > y->low;
}

/* Every unit's ranges, from the units themselves: libdw finds a unit by
 * .debug_aranges, which Go's linker does not write. */
static void read_cu_ranges(const struct lookup *at)
{
	Dwarf_Addr bias;
	Dwarf *dwarf = dwfl_module_getdwarf(at->module, &bias);
	struct dwarf_units *units = at->units;
	Dwarf_Off offset = 0, next;
	size_t header, cap = 0;

	units->read = true;
	while (dwarf != NULL && dwarf_nextcu(dwarf, offset, &next, &header, NULL, NULL, NULL) == 0) {
		Dwarf_Die unit;
		Dwarf_Addr base, low, high;
		if (dwarf_offdie(dwarf, offset + header, &unit) != NULL)
			for (ptrdiff_t at = 0; (at = dwarf_ranges(&unit, at, &base, &low, &high)) > 0;) {
				struct cu_range *range = ARRAY_PUSH(units->ranges, units->n, cap);
				if (range == NULL)
					break;
				*range = (struct cu_range){.low = low, .high = high, .die = offset + header};
			}
		offset = next;
	}
	if (units->n > 0)
		qsort(units->ranges, units->n, sizeof(*units->ranges), by_low);
}

/* The compilation unit holding vaddr, into storage; NULL when none does. */
static Dwarf_Die *unit_at(const struct lookup *at, uint64_t vaddr, Dwarf_Die *storage, Dwarf_Addr *bias)
{
	Dwarf_Die *unit = dwfl_module_addrdie(at->module, vaddr, bias);
	const struct dwarf_units *units = at->units;

	if (unit != NULL)
		return unit;
	if (!units->read)
		read_cu_ranges(at);
	Dwarf *dwarf = dwfl_module_getdwarf(at->module, bias);
	size_t low = 0, high = units->n;
	while (low < high) { /* the last range starting at or below vaddr */
		size_t mid = low + (high - low) / 2;
		if (units->ranges[mid].low <= vaddr - *bias)
			low = mid + 1;
		else
			high = mid;
	}
	/* Ranges of different units do not overlap: the one below is the only candidate. */
	if (low == 0 || vaddr - *bias >= units->ranges[low - 1].high || dwarf == NULL)
		return NULL;
	return dwarf_offdie(dwarf, units->ranges[low - 1].die, storage);
}

#define SCOPE_MAX_DEPTH 64

/* The scopes holding pc, innermost first, found by descending from the
 * unit through the DIEs whose ranges hold it: for units dwarf_getscopes
 * finds nothing in (Go's, whose inlined subroutines it does not follow).
 * A malloc'd array and its length (0: none). */
static int descend_to(Dwarf_Die *unit, uint64_t pc, Dwarf_Die **chain)
{
	Dwarf_Die path[SCOPE_MAX_DEPTH], parent = *unit, child;
	int depth = 0;

	*chain = NULL;
	while (depth < SCOPE_MAX_DEPTH && dwarf_child(&parent, &child) == 0) {
		bool found = false;
		do {
			int tag = dwarf_tag(&child);
			if ((tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
			     tag == DW_TAG_lexical_block) &&
			    dwarf_haspc(&child, pc) > 0) {
				path[depth++] = parent = child;
				found = true;
			}
		} while (!found && dwarf_siblingof(&child, &child) == 0);
		if (!found)
			break;
	}
	if (depth == 0 || (*chain = malloc((size_t)depth * sizeof(**chain))) == NULL)
		return 0;
	for (int i = 0; i < depth; i++)
		(*chain)[i] = path[depth - 1 - i];
	return depth;
}

/* Each inlined call gets a frame whose line is where its callee was
 * called. */
size_t dwarf_inlined_frames(Dwfl_Module *module, struct dwarf_units *units, struct hashmap *strings,
			    uint64_t vaddr, const char *file, int line, struct symbol_frame *out, size_t max)
{
	const struct lookup at = {.module = module, .units = units, .strings = strings};
	Dwarf_Addr bias = 0;
	Dwarf_Die storage;
	Dwarf_Die *cu = unit_at(&at, vaddr, &storage, &bias);
	Dwarf_Die *scopes = NULL, *chain = NULL;
	size_t n = 0;

	if (cu == NULL)
		return 0;
	const char *comp_dir = attr_string(cu, DW_AT_comp_dir);
	int n_scopes = dwarf_getscopes(cu, vaddr - bias, &scopes);
	int innermost = 0;
	while (innermost < n_scopes && !is_function(&scopes[innermost]))
		innermost++;
	/* dwarf_getscopes continues an inlined subroutine with its abstract
	 * definition's scopes; the concrete callers come from the DIE's own
	 * containing scopes. */
	int n_chain = innermost < n_scopes ? dwarf_getscopes_die(&scopes[innermost], &chain)
					   : descend_to(cu, vaddr - bias, &chain);
	for (int i = 0; i < n_chain && n < max; i++) {
		if (!is_function(&chain[i]))
			continue;
		struct symbol_frame *frame = &out[n];
		if (!name_function(&at, &chain[i], comp_dir, frame))
			continue;
		frame->file = absolute_path(&at, comp_dir, file);
		frame->line = line;
		n++;
		if (dwarf_tag(&chain[i]) == DW_TAG_subprogram)
			break;
		Dwarf_Attribute attr;
		Dwarf_Word call_line = 0;
		dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &attr), &call_line);
		file = call_file(cu, &chain[i]);
		line = (int)call_line;
	}
	free(chain);
	free(scopes);
	return n;
}

void dwarf_line_at(Dwfl_Module *module, struct dwarf_units *units, struct hashmap *strings, uint64_t vaddr,
		   const char **file, int *line)
{
	const struct lookup at = {.module = module, .units = units, .strings = strings};
	Dwfl_Line *line_record = dwfl_module_getsrc(module, vaddr);

	*file = NULL;
	*line = 0;
	if (line_record != NULL) {
		*file = dwfl_lineinfo(line_record, NULL, line, NULL, NULL, NULL);
		*file = absolute_path(&at, dwfl_line_comp_dir(line_record), *file);
		return;
	}
	/* The unit by its own ranges, where libdw's lookup needs aranges. */
	Dwarf_Die storage, *unit;
	Dwarf_Addr bias = 0;
	Dwarf_Line *source = (unit = unit_at(&at, vaddr, &storage, &bias)) != NULL ? dwarf_getsrc_die(unit, vaddr - bias)
										   : NULL;
	if (source != NULL && dwarf_lineno(source, line) == 0)
		*file = absolute_path(&at, attr_string(unit, DW_AT_comp_dir), dwarf_linesrc(source, NULL, NULL));
}
