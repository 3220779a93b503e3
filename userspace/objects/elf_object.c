/*
 * elf_object.c: one object file's names: its segments, PLT, symbol table
 * and CFI, the DWARF behind them opened on first need, and the names it
 * has already given, by link-time address.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cfi_check.h"
#include "demangle.h"
#include "dwarf_frames.h"
#include "elf_object.h"
#include "hashmap.h"

struct load_segment {
	uint64_t offset, filesz, vaddr;
};

struct cached_result {
	uint32_t first_frame, n_frames;
};

/* A range of PLT stubs: entry i (after header bytes) jumps through the
 * slot of relocation i of .rela.plt, so it is named after that symbol. */
struct plt_range {
	uint64_t start, end, header;
};

struct elf_object {
	const char *path;
	Dwfl *dwfl;
	Dwfl_Module *module;
	struct load_segment *segments;
	size_t n_segments, cap_segments;
	char build_id[129];
	bool has_symbols;
	enum { DWARF_UNKNOWN, DWARF_PRESENT, DWARF_ABSENT } dwarf; /* see elf_object_has_dwarf() */
	elf_object_dwarf_opened *on_dwarf;
	void *on_dwarf_ctx;
	struct plt_range plt[2]; /* .plt and .plt.sec */
	const char **plt_names;  /* "symbol@plt" per .rela.plt entry */
	size_t n_plt_names;
	/* Read on first need, and again of a replaced module: */
	uint64_t *fde_starts; /* sorted link-time starts of the CFI's functions */
	size_t n_fde_starts;
	bool fde_starts_read;
	bool cfi_checked, cfi_usable; /* cfi_check.h's verdict on the CFI */
	struct dwarf_units units;
	/* What it has named: */
	struct hashmap *cache; /* link-time address -> index into results */
	struct cached_result *results;
	size_t n_results, cap_results;
	struct symbol_frame *frames;
	size_t n_frames, cap_frames;
	struct hashmap *strings; /* the names and paths handed out for it: they go with it */
};

#define CACHED_ADDRESSES_MAX (64 * 1024) /* resolved addresses one object remembers */

/* The object's GNU build ID in hex into hex ("" when it has none). */
void elf_module_build_id(Dwfl_Module *module, char *hex, size_t size)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(module, &bits, &vaddr);

	hex[0] = '\0';
	for (int i = 0; i < n && (size_t)i * 2 + 2 < size; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
}

static int read_load_segments(struct elf_object *object)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(object->module, &bias);
	size_t n_phdrs;

	if (elf == NULL || elf_getphdrnum(elf, &n_phdrs) != 0)
		return -1;
	for (size_t i = 0; i < n_phdrs; i++) {
		GElf_Phdr phdr;
		if (gelf_getphdr(elf, (int)i, &phdr) == NULL || phdr.p_type != PT_LOAD)
			continue;
		struct load_segment *segment = ARRAY_PUSH(object->segments, object->n_segments, object->cap_segments);
		if (segment == NULL)
			return -1;
		*segment = (struct load_segment){.offset = phdr.p_offset, .filesz = phdr.p_filesz, .vaddr = phdr.p_vaddr};
	}
	return object->n_segments > 0 ? 0 : -1;
}

/* Names the PLT stubs from .rela.plt, as perf does ("printf@plt"): no
 * symbol table covers them. */
static void read_plt(struct elf_object *object)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(object->module, &bias);
	size_t shstrndx;
	Elf_Scn *rela = NULL;

	if (elf == NULL || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		const char *name = gelf_getshdr(scn, &shdr) != NULL ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
		if (name == NULL)
			continue;
		if (strcmp(name, ".rela.plt") == 0)
			rela = scn;
		else if (strcmp(name, ".plt") == 0) /* begins with the 16-byte resolver stub */
			object->plt[0] = (struct plt_range){shdr.sh_addr, shdr.sh_addr + shdr.sh_size, 16};
		else if (strcmp(name, ".plt.sec") == 0)
			object->plt[1] = (struct plt_range){shdr.sh_addr, shdr.sh_addr + shdr.sh_size, 0};
	}
	GElf_Shdr rela_shdr;
	if (rela == NULL || gelf_getshdr(rela, &rela_shdr) == NULL || rela_shdr.sh_entsize == 0)
		return;
	Elf_Data *data = elf_getdata(rela, NULL);
	Elf_Scn *symtab = elf_getscn(elf, rela_shdr.sh_link);
	GElf_Shdr symtab_shdr;
	Elf_Data *syms = symtab != NULL ? elf_getdata(symtab, NULL) : NULL;
	if (data == NULL || syms == NULL || gelf_getshdr(symtab, &symtab_shdr) == NULL)
		return;
	size_t n = rela_shdr.sh_size / rela_shdr.sh_entsize;
	object->plt_names = calloc(n, sizeof(*object->plt_names));
	if (object->plt_names == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *name = NULL;
		if (gelf_getrela(data, (int)i, &r) != NULL && gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym) != NULL)
			name = elf_strptr(elf, symtab_shdr.sh_link, sym.st_name);
		char plt_name[256];
		snprintf(plt_name, sizeof(plt_name), "%s@plt", name != NULL && name[0] != '\0' ? name : "unknown");
		object->plt_names[i] = symbol_intern(object->strings, plt_name);
	}
	object->n_plt_names = n;
}

/* "symbol@plt" for an address in a PLT stub, or NULL. */
static const char *plt_name(const struct elf_object *object, uint64_t vaddr)
{
	for (size_t i = 0; i < 2; i++) {
		const struct plt_range *r = &object->plt[i];
		if (vaddr >= r->start + r->header && vaddr < r->end) {
			size_t entry = (vaddr - r->start - r->header) / 16;
			return entry < object->n_plt_names ? object->plt_names[entry] : NULL;
		}
	}
	return NULL;
}

static void describe_object(struct elf_object *object)
{
	elf_module_build_id(object->module, object->build_id, sizeof(object->build_id));
	object->has_symbols = dwfl_module_getsymtab(object->module) > 0;
	object->dwarf = DWARF_UNKNOWN;
}

/* Found out the first time it is asked: that opens the debug file and
 * inflates its compressed sections, most of an attach's user time once
 * its unwind tables come from the cache, and needed only to name lines. */
bool elf_object_has_dwarf(struct elf_object *object)
{
	Dwarf_Addr bias;

	if (object->dwarf == DWARF_UNKNOWN) {
		object->dwarf = dwfl_module_getdwarf(object->module, &bias) != NULL ? DWARF_PRESENT : DWARF_ABSENT;
		if (object->dwarf == DWARF_PRESENT && object->on_dwarf != NULL)
			object->on_dwarf(object->on_dwarf_ctx, object);
	}
	return object->dwarf == DWARF_PRESENT;
}

/* Empties the object's cache of resolved addresses; -1 when out of memory
 * (the cache is then kept). */
static int forget_resolved(struct elf_object *object)
{
	struct hashmap *cache = hashmap_new();

	if (cache == NULL)
		return -1;
	hashmap_free(object->cache);
	object->cache = cache;
	object->n_results = object->n_frames = 0;
	return 0;
}

int elf_object_replace_module(struct elf_object *object, Dwfl *dwfl, Dwfl_Module *module)
{
	if (forget_resolved(object) != 0) {
		dwfl_end(dwfl); /* out of memory: the symbol table stays */
		return -1;
	}
	dwfl_end(object->dwfl);
	object->dwfl = dwfl;
	object->module = module;
	free(object->fde_starts);
	object->fde_starts = NULL;
	object->n_fde_starts = 0;
	object->fde_starts_read = false;
	object->cfi_checked = false;
	dwarf_units_forget(&object->units);
	describe_object(object);
	return 0;
}

/* Reads the function starts of .eh_frame_hdr's search table, in the
 * encoding every linker writes (pc-relative pointer, 4-byte count,
 * table of 4-byte offsets from the section). */
static void read_fde_starts(struct elf_object *object)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(object->module, &bias);
	size_t shstrndx;

	object->fde_starts_read = true;
	if (elf == NULL || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		const char *name = gelf_getshdr(scn, &shdr) != NULL ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
		if (name == NULL || strcmp(name, ".eh_frame_hdr") != 0)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		const unsigned char *hdr = data != NULL ? data->d_buf : NULL;
		uint32_t count;
		if (hdr == NULL || data->d_size < 12 || hdr[0] != 1 || hdr[1] != (DW_EH_PE_pcrel | DW_EH_PE_sdata4) ||
		    hdr[2] != DW_EH_PE_udata4 || hdr[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
			return;
		memcpy(&count, hdr + 8, sizeof(count));
		if ((data->d_size - 12) / 8 < count || (object->fde_starts = calloc(count, sizeof(uint64_t))) == NULL)
			return;
		for (uint32_t i = 0; i < count; i++) {
			int32_t start;
			memcpy(&start, hdr + 12 + (size_t)i * 8, sizeof(start));
			object->fde_starts[i] = shdr.sh_addr + (uint64_t)(int64_t)start;
		}
		object->n_fde_starts = count;
		return;
	}
}

/* For code no symbol names (static functions of a stripped object,
 * hand-written assembly): "object+0xSTART" after the start of the function
 * its CFI describes, so its addresses add up to one function, or the
 * signal trampoline, which glibc does not export. false when no CFI
 * covers vaddr. */
static bool name_by_cfi(struct elf_object *object, uint64_t vaddr,
			struct symbol_frame *out)
{
	Dwarf_Addr bias, from, to;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(object->module, &bias);
	Dwarf_Frame *frame;
	bool signal_frame;

	if (!object->cfi_checked) {
		GElf_Addr elf_bias;
		Elf *elf = dwfl_module_getelf(object->module, &elf_bias);
		uint64_t reg;
		object->cfi_usable = elf != NULL && cfi_plausible(elf, &reg);
		object->cfi_checked = true;
	}
	if (cfi == NULL || !object->cfi_usable || dwarf_cfi_addrframe(cfi, vaddr, &frame) != 0)
		return false;
	dwarf_frame_info(frame, &from, &to, &signal_frame);
	free(frame);
	if (!object->fde_starts_read)
		read_fde_starts(object);
	size_t low = 0, high = object->n_fde_starts;
	while (high - low > 1) { /* the last function starting at or below vaddr */
		size_t mid = low + (high - low) / 2;
		if (object->fde_starts[mid] <= vaddr)
			low = mid;
		else
			high = mid;
	}
	char name[PATH_MAX + 32];
	const char *base = strrchr(object->path, '/');
	if (signal_frame)
		snprintf(name, sizeof(name), "[signal trampoline]");
	else if (object->n_fde_starts > 0 && object->fde_starts[low] <= vaddr)
		snprintf(name, sizeof(name), "%s+0x%" PRIx64, base != NULL ? base + 1 : object->path,
			 object->fde_starts[low]);
	else
		return false;
	*out = (struct symbol_frame){
		.function = symbol_intern(object->strings, name),
		.system_name = symbol_intern(object->strings, name),
		.file = "",
		.decl_file = "",
	};
	return true;
}

static size_t resolve_uncached(struct elf_object *object, uint64_t vaddr,
			       struct symbol_frame *out, size_t max)
{
	const char *file = NULL;
	int line = 0;

	if (elf_object_has_dwarf(object)) {
		dwarf_line_at(object->module, &object->units, object->strings, vaddr, &file, &line);
		size_t n = dwarf_inlined_frames(object->module, &object->units, object->strings, vaddr, file, line, out,
						max);
		if (n > 0)
			return n;
	}

	const char *stub = plt_name(object, vaddr);
	if (stub != NULL) {
		out[0] = (struct symbol_frame){.function = stub, .system_name = stub, .file = "", .decl_file = ""};
		return 1;
	}
	/* No DWARF for this address: the symbol table (.symtab, or .dynsym
	 * in a stripped object) still names the function. */
	GElf_Off offset;
	GElf_Sym sym;
	const char *symbol = dwfl_module_addrinfo(object->module, vaddr, &offset, &sym, NULL, NULL, NULL);
	if (symbol == NULL)
		return name_by_cfi(object, vaddr, &out[0]) ? 1 : 0;
	char *demangled = demangle(symbol);
	out[0] = (struct symbol_frame){
		.function = symbol_intern(object->strings, demangled != NULL ? demangled : symbol),
		.system_name = symbol_intern(object->strings, symbol),
		.file = symbol_intern(object->strings, file),
		.line = line,
		.decl_file = "",
	};
	free(demangled);
	return 1;
}

void elf_object_resolve(struct elf_object *object, uint64_t vaddr, struct symbolization *out)
{
	struct hashmap_entry *entry = hashmap_find(object->cache, &vaddr, sizeof(vaddr));

	if (entry != NULL) {
		const struct cached_result *cached = &object->results[entry->value];
		out->n_frames = cached->n_frames;
		if (cached->n_frames > 0)
			memcpy(out->frames, object->frames + cached->first_frame,
			       cached->n_frames * sizeof(out->frames[0]));
		return;
	}
	out->n_frames = resolve_uncached(object, vaddr, out->frames, SYMBOL_MAX_FRAMES);
	/* A long-lived agent on a big program meets ever new addresses: the
	 * cache starts over rather than grow without end (its names stay). */
	if (object->n_results >= CACHED_ADDRESSES_MAX)
		forget_resolved(object);
	if (array_reserve((void **)&object->frames, &object->cap_frames, object->n_frames + out->n_frames,
			  sizeof(*object->frames)) != 0 ||
	    (entry = hashmap_upsert(object->cache, &vaddr, sizeof(vaddr), NULL)) == NULL)
		return;
	struct cached_result *cached = ARRAY_PUSH(object->results, object->n_results, object->cap_results);
	if (cached == NULL)
		return;
	cached->first_frame = (uint32_t)object->n_frames;
	cached->n_frames = (uint32_t)out->n_frames;
	if (out->n_frames > 0) /* frames may still be NULL when nothing resolved yet */
		memcpy(object->frames + object->n_frames, out->frames, out->n_frames * sizeof(out->frames[0]));
	object->n_frames += out->n_frames;
	entry->value = object->n_results - 1;
}

bool elf_object_link_time_address(const struct elf_object *object, uint64_t file_offset, uint64_t *vaddr)
{
	for (size_t i = 0; i < object->n_segments; i++) {
		const struct load_segment *s = &object->segments[i];
		if (file_offset >= s->offset && file_offset < s->offset + s->filesz) {
			*vaddr = file_offset - s->offset + s->vaddr;
			return true;
		}
	}
	return false;
}

bool elf_object_load_bias(const struct elf_object *object, uint64_t start, uint64_t offset, uint64_t length,
			  uint64_t *bias)
{
	/* The PT_LOAD whose file bytes the mapping shows; the mapping may
	 * begin up to a page before the segment's first byte. */
	for (size_t i = 0; i < object->n_segments; i++) {
		const struct load_segment *s = &object->segments[i];
		if (s->offset < offset + length && offset < s->offset + s->filesz) {
			*bias = start - offset + s->offset - s->vaddr;
			return true;
		}
	}
	return false;
}

struct elf_object *elf_object_new(Dwfl *dwfl, Dwfl_Module *module, const char *path,
				  elf_object_dwarf_opened *on_dwarf, void *ctx)
{
	struct elf_object *object = calloc(1, sizeof(*object));

	if (object == NULL || (object->cache = hashmap_new()) == NULL || (object->strings = hashmap_new()) == NULL) {
		if (object != NULL)
			hashmap_free(object->cache);
		free(object);
		dwfl_end(dwfl);
		return NULL;
	}
	object->dwfl = dwfl;
	object->module = module;
	object->path = symbol_intern(object->strings, path);
	object->on_dwarf = on_dwarf;
	object->on_dwarf_ctx = ctx;
	if (read_load_segments(object) != 0) {
		elf_object_free(object);
		return NULL;
	}
	describe_object(object);
	read_plt(object);
	return object;
}

void elf_object_free(struct elf_object *object)
{
	if (object == NULL)
		return;
	free(object->plt_names);
	free(object->fde_starts);
	dwarf_units_forget(&object->units);
	dwfl_end(object->dwfl);
	hashmap_free(object->cache);
	free(object->segments);
	free(object->results);
	free(object->frames);
	hashmap_free(object->strings);
	free(object);
}

const char *elf_object_path(const struct elf_object *object)
{
	return object->path;
}

Dwfl_Module *elf_object_module(const struct elf_object *object)
{
	return object->module;
}

const char *elf_object_build_id(const struct elf_object *object)
{
	return object->build_id;
}

bool elf_object_has_symbols(const struct elf_object *object)
{
	return object->has_symbols;
}
