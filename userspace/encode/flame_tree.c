/*
 * flame_tree.c: merging stacks into a tree of frames keyed by (parent,
 * frame), with two value slots so a diff is the same walk as a plain tree,
 * and the tree as the UI's JSON. Children are laid out sorted, so every
 * output is the same whatever order the stacks came in.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "flame_tree.h"
#include "hashmap.h"
#include "palette.h"
#include "text_escape.h"

#define KEY_NAME_MAX 4096 /* longer names are told apart by their first 4 KiB */

static int64_t child_of(struct flame_tree *tree, uint32_t parent, const struct flame_frame *frame)
{
	size_t name_len = strlen(frame->name);
	unsigned char key[8 + KEY_NAME_MAX];

	if (name_len > KEY_NAME_MAX)
		name_len = KEY_NAME_MAX;
	memcpy(key, &parent, 4);
	key[4] = (unsigned char)frame->role;
	key[5] = (unsigned char)frame->kind;
	key[6] = frame->inlined;
	key[7] = 0;
	memcpy(key + 8, frame->name, name_len);
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(tree->index, key, 8 + name_len, &added);
	if (entry == NULL)
		return -1;
	if (!added)
		return (int64_t)entry->value;
	struct flame_node *node = ARRAY_PUSH(tree->nodes, tree->n_nodes, tree->cap_nodes);
	if (node == NULL)
		return -1;
	const struct flame_node *up = &tree->nodes[parent];
	*node = (struct flame_node){
		.frame = *frame,
		.parent = parent,
		.depth = up->depth + 1,
		.off_cpu = up->off_cpu || (frame->role == FLAME_STATE && strcmp(frame->name, PALETTE_OFF_CPU) == 0),
	};
	if (node->depth > tree->max_depth)
		tree->max_depth = node->depth;
	entry->value = tree->n_nodes - 1;
	return (int64_t)entry->value;
}

static int add_stacks(struct flame_tree *tree, const struct flame_stacks *stacks, int side)
{
	for (size_t s = 0; stacks != NULL && s < stacks->n_stacks; s++) {
		const struct flame_stack *stack = &stacks->stacks[s];
		uint32_t at = 0;
		/* A width cannot be negative, and a zero-width frame shows nothing. */
		if (stack->value <= 0)
			continue;
		tree->nodes[0].value[side] += stack->value;
		for (size_t i = 0; i < stack->depth; i++) {
			int64_t child = child_of(tree, at, &stack->frames[i]);
			if (child < 0)
				return -1;
			at = (uint32_t)child;
			tree->nodes[at].value[side] += stack->value;
		}
		tree->nodes[at].self[side] += stack->value;
	}
	return 0;
}

static int by_frame(const void *a, const void *b, void *nodes)
{
	const struct flame_node *x = (const struct flame_node *)nodes + *(const uint32_t *)a;
	const struct flame_node *y = (const struct flame_node *)nodes + *(const uint32_t *)b;

	return flame_frame_compare(&x->frame, &y->frame);
}

/* Lays out each node's children as a sorted run. */
static int link_children(struct flame_tree *tree)
{
	tree->children = calloc(tree->n_nodes + 1, sizeof(*tree->children));
	if (tree->children == NULL)
		return -1;
	for (size_t i = 1; i < tree->n_nodes; i++)
		tree->nodes[tree->nodes[i].parent].n_children++;
	uint32_t next = 0;
	for (size_t i = 0; i < tree->n_nodes; i++) {
		tree->nodes[i].first_child = next;
		next += tree->nodes[i].n_children;
		tree->nodes[i].n_children = 0;
	}
	for (size_t i = 1; i < tree->n_nodes; i++) {
		struct flame_node *parent = &tree->nodes[tree->nodes[i].parent];
		tree->children[parent->first_child + parent->n_children++] = (uint32_t)i;
	}
	for (size_t i = 0; i < tree->n_nodes; i++)
		qsort_r(tree->children + tree->nodes[i].first_child, tree->nodes[i].n_children, sizeof(uint32_t),
			by_frame, tree->nodes);
	return 0;
}

int flame_tree_build(struct flame_tree *tree, const struct flame_stacks *a, const struct flame_stacks *b)
{
	memset(tree, 0, sizeof(*tree));
	tree->index = hashmap_new();
	struct flame_node *root = tree->index != NULL ? ARRAY_PUSH(tree->nodes, tree->n_nodes, tree->cap_nodes) : NULL;
	if (root == NULL)
		return -1;
	*root = (struct flame_node){.frame = {.name = "all", .role = FLAME_ROOT}};
	if (add_stacks(tree, a, 0) != 0 || add_stacks(tree, b, 1) != 0)
		return -1;
	/* The index is only for merging: the tree itself is the arrays. */
	hashmap_free(tree->index);
	tree->index = NULL;
	return link_children(tree);
}

void flame_tree_free(struct flame_tree *tree)
{
	free(tree->nodes);
	free(tree->children);
	hashmap_free(tree->index);
	memset(tree, 0, sizeof(*tree));
}

static const char *kind_name(const struct flame_frame *frame)
{
	switch (frame->role) {
	case FLAME_ROOT:
		return "root";
	case FLAME_STATE:
		return "state";
	case FLAME_PROCESS:
		return "process";
	case FLAME_FUNCTION:
	default:
		return frame_kind_name(frame->kind);
	}
}

static void write_node(FILE *out, const struct flame_tree *tree, uint32_t at, bool diff)
{
	const struct flame_node *node = &tree->nodes[at];
	struct rgb colour = palette_colour(&node->frame, node->off_cpu);

	fputs("{\"name\":", out);
	json_write_string(out, node->frame.name);
	fprintf(out, ",\"kind\":\"%s\"%s,\"colour\":\"#%02x%02x%02x\"", kind_name(&node->frame),
		node->frame.inlined ? ",\"inlined\":true" : "", colour.r, colour.g, colour.b);
	if (diff)
		fprintf(out, ",\"base\":%lld,\"target\":%lld", (long long)node->value[0], (long long)node->value[1]);
	else
		fprintf(out, ",\"value\":%lld,\"self\":%lld", (long long)node->value[0], (long long)node->self[0]);
	fputs(",\"children\":[", out);
	for (uint32_t i = 0; i < node->n_children; i++) {
		if (i > 0)
			fputc(',', out);
		write_node(out, tree, tree->children[node->first_child + i], diff);
	}
	fputs("]}", out);
}

int flame_tree_write_json(FILE *out, const struct flame_stacks *stacks, const char *unit)
{
	struct flame_tree tree;
	int rc = flame_tree_build(&tree, stacks, NULL);

	if (rc == 0) {
		fputs("{\"unit\":", out);
		json_write_string(out, unit);
		fprintf(out, ",\"total\":%lld,\"root\":", (long long)tree.nodes[0].value[0]);
		write_node(out, &tree, 0, false);
		fputs("}", out);
	}
	flame_tree_free(&tree);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

int flame_diff_write_json(FILE *out, const struct flame_stacks *base, const struct flame_stacks *target,
			  const char *unit)
{
	struct flame_tree tree;
	int rc = flame_tree_build(&tree, base, target);

	if (rc == 0) {
		fputs("{\"unit\":", out);
		json_write_string(out, unit);
		fprintf(out, ",\"base_total\":%lld,\"target_total\":%lld,\"root\":", (long long)tree.nodes[0].value[0],
			(long long)tree.nodes[0].value[1]);
		write_node(out, &tree, 0, true);
		fputs("}", out);
	}
	flame_tree_free(&tree);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
