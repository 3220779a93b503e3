/*
 * folded.c: the folded-stacks encoder. Stacks are merged by the flame tree
 * like every other flamegraph output; each frame with time of its own is
 * one line, its path from the root the stack.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "flame_tree.h"
#include "folded.h"

struct folded_line {
	char *stack;
	int64_t value;
};

struct folding {
	const struct flame_tree *tree;
	char *path; /* the current node's "root;...;frame" */
	size_t cap_path;
	struct folded_line *lines;
	size_t n_lines, cap_lines;
};

static const char *suffix(const struct flame_frame *frame)
{
	if (frame->role != FLAME_FUNCTION)
		return "";
	if (frame->inlined)
		return "_[i]";
	switch (frame->kind) {
	case FRAME_KERNEL:
		return "_[k]";
	case FRAME_JIT:
		return "_[j]";
	default:
		return "";
	}
}

/* Lines for the node at and below it; len is the length of its parent's path. */
static int fold(struct folding *f, uint32_t at, size_t len)
{
	const struct flame_node *node = &f->tree->nodes[at];

	if (at != 0) {
		const char *name = node->frame.name, *kind = suffix(&node->frame);
		size_t name_len = strlen(name), kind_len = strlen(kind);
		if (array_reserve((void **)&f->path, &f->cap_path, len + name_len + kind_len + 2, 1) != 0)
			return -1;
		if (len > 0)
			f->path[len++] = ';';
		memcpy(f->path + len, name, name_len);
		memcpy(f->path + len + name_len, kind, kind_len);
		len += name_len + kind_len;
		f->path[len] = '\0';
		if (node->self[0] > 0) {
			struct folded_line *line = ARRAY_PUSH(f->lines, f->n_lines, f->cap_lines);
			if (line == NULL || (line->stack = strdup(f->path)) == NULL)
				return -1;
			line->value = node->self[0];
		}
	}
	for (uint32_t i = 0; i < node->n_children; i++)
		if (fold(f, f->tree->children[node->first_child + i], len) != 0)
			return -1;
	return 0;
}

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

int folded_write(FILE *out, const struct flame_stacks *stacks)
{
	struct flame_tree tree;
	struct folding f = {.tree = &tree};
	int rc = flame_tree_build(&tree, stacks, NULL) == 0 && fold(&f, 0, 0) == 0 ? 0 : -1;

	if (rc == 0 && f.n_lines > 0) {
		/* Sorted as text, so equal profiles give equal files and diffs
		 * stay small; two frames can fold to the same text ("read" in
		 * the kernel and a function named "read_[k]"), so equal lines
		 * are added up. */
		qsort(f.lines, f.n_lines, sizeof(*f.lines), by_stack);
		for (size_t i = 0; rc == 0 && i < f.n_lines; i++) {
			int64_t value = f.lines[i].value;
			while (i + 1 < f.n_lines && strcmp(f.lines[i].stack, f.lines[i + 1].stack) == 0)
				value += f.lines[++i].value;
			if (fprintf(out, "%s %lld\n", f.lines[i].stack, (long long)value) < 0)
				rc = -1;
		}
	}
	for (size_t i = 0; i < f.n_lines; i++)
		free(f.lines[i].stack);
	free(f.lines);
	free(f.path);
	flame_tree_free(&tree);
	return rc;
}
