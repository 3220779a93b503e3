/*
 * process_image.c: a process's mappings and which cached objects they
 * map. What a process maps changes (dlopen, exec); what an object's
 * addresses are called does not, so the names stay in the objects and an
 * image holds only references, taken and given back as mappings come and
 * go.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "process_image.h"

struct image_mapping {
	struct map_entry map; /* first, so a map_entry pointer leads back here */
	struct cached_object *object; /* NULL when the object could not be opened */
};

struct process_image {
	struct symbolizer *symbolizer;
	pid_t pid;
	char exe[PATH_MAX]; /* the executable's path as the process sees it */
	struct image_mapping *mappings; /* sorted by address */
	size_t n_mappings, cap_mappings;
};

/* The vDSO is an ELF image the kernel maps into every process, with no
 * file behind it: copy the target's own from its memory into a memfd. */
static int open_vdso_copy(pid_t pid, const struct map_entry *map)
{
	char path[64];
	size_t size = map->end - map->start;
	unsigned char *image = size <= (1 << 20) ? malloc(size) : NULL;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int mem = image != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	int fd = mem >= 0 ? memfd_create("vdso", MFD_CLOEXEC) : -1;
	bool copied = fd >= 0 && pread(mem, image, size, (off_t)map->start) == (ssize_t)size &&
		      write(fd, image, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0;
	if (mem >= 0)
		close(mem);
	free(image);
	if (!copied && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A new descriptor for the file behind a mapping, or -1. map_files names
 * the very file mapped, even when it was deleted or replaced on disk
 * since; root/ sees the path as the process does. */
static int open_mapped_file(pid_t pid, const struct map_entry *map)
{
	char path[PATH_MAX];

	if (strcmp(map->path, "[vdso]") == 0)
		return open_vdso_copy(pid, map);
	if (map->path[0] != '/')
		return -1; /* other kernel-provided code ([vsyscall]) */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, map->start, map->end);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, map->path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	return fd;
}

static struct cached_object *open_mapped_object(struct symbolizer *symbolizer, pid_t pid, const struct map_entry *map)
{
	int fd = open_mapped_file(pid, map);

	return fd >= 0 ? symbolizer_open_object(symbolizer, fd, map->path) : NULL;
}

static const struct image_mapping *find_image_mapping(const struct process_image *image, uint64_t addr)
{
	size_t low = 0, high = image->n_mappings;

	while (low < high) {
		size_t mid = low + (high - low) / 2;
		const struct image_mapping *m = &image->mappings[mid];
		if (addr < m->map.start)
			high = mid;
		else if (addr >= m->map.end)
			low = mid + 1;
		else
			return m;
	}
	return NULL;
}

static bool same_mapping(const struct map_entry *a, const struct map_entry *b)
{
	return a->start == b->start && a->end == b->end && a->offset == b->offset && a->inode == b->inode &&
	       strcmp(a->path, b->path) == 0;
}

/* Replaces the image's mappings with the current maps, reusing objects of
 * mappings that did not change. */
static int load_mappings(struct process_image *image)
{
	struct map_list maps = {0};
	struct image_mapping *fresh = NULL;

	if (map_list_read(image->pid, &maps) != 0)
		return -1;
	if (maps.count > 0 && (fresh = calloc(maps.count, sizeof(*fresh))) == NULL) {
		map_list_free(&maps);
		return -1;
	}
	for (size_t i = 0; i < maps.count; i++) {
		const struct image_mapping *old = find_image_mapping(image, maps.entries[i].start);
		fresh[i].map = maps.entries[i];
		fresh[i].object = old != NULL && same_mapping(&old->map, &maps.entries[i])
					  ? old->object
					  : open_mapped_object(image->symbolizer, image->pid, &maps.entries[i]);
		symbolizer_hold(image->symbolizer, fresh[i].object);
	}
	/* Only now: an object still mapped is never idle in between. */
	for (size_t i = 0; i < image->n_mappings; i++)
		symbolizer_release(image->symbolizer, image->mappings[i].object);
	free(image->mappings);
	image->mappings = fresh;
	image->n_mappings = image->cap_mappings = maps.count;
	map_list_free(&maps);
	return 0;
}

static void read_exe_path(pid_t pid, char *exe, size_t len)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(link, exe, len - 1);
	exe[n > 0 ? n : 0] = '\0';
	strip_deleted_suffix(exe);
}

struct process_image *process_image_open(struct symbolizer *symbolizer, pid_t pid, char *err, size_t err_len)
{
	struct process_image *image = calloc(1, sizeof(*image));

	if (image == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	image->symbolizer = symbolizer;
	image->pid = pid;
	read_exe_path(pid, image->exe, sizeof(image->exe));
	if (load_mappings(image) != 0) {
		snprintf(err, err_len, "cannot read /proc/%d/maps: %s", (int)pid, strerror(errno));
		free(image);
		return NULL;
	}
	return image;
}

struct process_image *process_image_fork(const struct process_image *parent, pid_t pid)
{
	struct process_image *image = malloc(sizeof(*image));

	if (image == NULL)
		return NULL;
	*image = *parent;
	image->pid = pid;
	image->mappings = malloc((parent->n_mappings > 0 ? parent->n_mappings : 1) * sizeof(*image->mappings));
	if (image->mappings == NULL) {
		free(image);
		return NULL;
	}
	/* The objects are the symbolizer's, shared by every image. */
	memcpy(image->mappings, parent->mappings, parent->n_mappings * sizeof(*image->mappings));
	image->cap_mappings = parent->n_mappings;
	for (size_t i = 0; i < image->n_mappings; i++)
		symbolizer_hold(image->symbolizer, image->mappings[i].object);
	return image;
}

int process_image_refresh(struct process_image *image)
{
	return load_mappings(image);
}

void process_image_free(struct process_image *image)
{
	if (image == NULL)
		return;
	for (size_t i = 0; i < image->n_mappings; i++)
		symbolizer_release(image->symbolizer, image->mappings[i].object);
	free(image->mappings);
	free(image);
}

const struct map_entry *process_image_main_mapping(const struct process_image *image)
{
	for (size_t i = 0; i < image->n_mappings; i++)
		if (strcmp(image->mappings[i].map.path, image->exe) == 0)
			return &image->mappings[i].map;
	return image->n_mappings > 0 ? &image->mappings[0].map : NULL;
}

size_t process_image_count(const struct process_image *image)
{
	return image->n_mappings;
}

const struct map_entry *process_image_mapping_at(const struct process_image *image, size_t index)
{
	return index < image->n_mappings ? &image->mappings[index].map : NULL;
}

const struct map_entry *process_image_mapping(const struct process_image *image, uint64_t addr)
{
	const struct image_mapping *m = find_image_mapping(image, addr);

	return m != NULL ? &m->map : NULL;
}

void process_image_object_info(const struct process_image *image, const struct map_entry *mapping,
			       struct object_info *info)
{
	const struct cached_object *object = ((const struct image_mapping *)mapping)->object;
	const struct elf_object *names = object != NULL ? cached_object_names(object) : NULL;
	(void)image;

	*info = (struct object_info){
		.path = mapping->path,
		.build_id = names != NULL ? elf_object_build_id(names) : "",
		.has_symbols = names != NULL && elf_object_has_symbols(names),
		.identity = object,
		.serial = object != NULL ? cached_object_serial(object) : 0,
	};
}

bool process_image_object_has_dwarf(const struct process_image *image, const struct map_entry *mapping)
{
	const struct cached_object *object = ((const struct image_mapping *)mapping)->object;
	(void)image;

	return object != NULL && elf_object_has_dwarf(cached_object_names(object));
}

const struct map_entry *symbolize_user(struct process_image *image, uint64_t addr, struct symbolization *out)
{
	const struct image_mapping *m = find_image_mapping(image, addr);
	uint64_t vaddr;

	out->n_frames = 0;
	if (m == NULL)
		return NULL;
	/* The one place a user address is named: a frame source of the
	 * process's own (a perf map for a JIT's anonymous code) would be
	 * asked here, by mapping, before the mapped file. */
	struct elf_object *names = m->object != NULL ? cached_object_names(m->object) : NULL;
	if (names != NULL && elf_object_link_time_address(names, addr - m->map.start + m->map.offset, &vaddr))
		elf_object_resolve(names, vaddr, out);
	return &m->map;
}

int process_image_open_object(const struct process_image *image, const struct map_entry *mapping)
{
	return open_mapped_file(image->pid, mapping);
}

bool process_image_load_bias(const struct process_image *image, const struct map_entry *mapping, uint64_t *bias)
{
	const struct cached_object *object = ((const struct image_mapping *)mapping)->object;
	(void)image;

	return object != NULL && elf_object_load_bias(cached_object_names(object), mapping->start, mapping->offset,
						      mapping->end - mapping->start, bias);
}
