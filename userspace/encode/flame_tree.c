/*
 * flame_tree.c: merging stacks into a tree of frames keyed by (parent,
 * kind, name), with two value slots so a diff is the same walk as a plain
 * tree. Children are written sorted by name for stable output.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "flame_tree.h"
#include "hashmap.h"
#include "text_escape.h"

struct node {
	const char *name;
	enum flame_frame_kind kind;
	int64_t value[2], self[2];
	uint32_t parent;
	uint32_t first_child, n_children; /* a run in tree.children */
};

struct tree {
	struct node *nodes;
	size_t n_nodes, cap_nodes;
	uint32_t *children;
	struct hashmap *index; /* (parent, kind, name) -> node */
};

static const char *const kind_names[] = {
	[FLAME_USER] = "user",
	[FLAME_KERNEL] = "kernel",
	[FLAME_INLINED] = "inlined",
	[FLAME_STATE] = "state",
	[FLAME_PROCESS] = "process",
};

static int64_t child_of(struct tree *tree, uint32_t parent, const struct flame_frame *frame)
{
	size_t name_len = strlen(frame->name);
	char key[8 + 4096];
	uint32_t kind = frame->kind;

	if (name_len > sizeof(key) - 8)
		name_len = sizeof(key) - 8;
	memcpy(key, &parent, 4);
	memcpy(key + 4, &kind, 4);
	memcpy(key + 8, frame->name, name_len);
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(tree->index, key, 8 + name_len, &added);
	if (entry == NULL)
		return -1;
	if (!added)
		return (int64_t)entry->value;
	struct node *node = ARRAY_PUSH(tree->nodes, tree->n_nodes, tree->cap_nodes);
	if (node == NULL)
		return -1;
	node->name = frame->name;
	node->kind = frame->kind;
	node->parent = parent;
	entry->value = tree->n_nodes - 1;
	return (int64_t)entry->value;
}

static int add_stacks(struct tree *tree, const struct flame_stacks *stacks, int side)
{
	for (size_t s = 0; s < stacks->n_stacks; s++) {
		const struct flame_stack *stack = &stacks->stacks[s];
		uint32_t at = 0;
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

static int by_name_then_kind(const void *a, const void *b, void *nodes)
{
	const struct node *x = (const struct node *)nodes + *(const uint32_t *)a;
	const struct node *y = (const struct node *)nodes + *(const uint32_t *)b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (int)x->kind - (int)y->kind;
}

/* Lays out each node's children as a sorted run. */
static int link_children(struct tree *tree)
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
		struct node *parent = &tree->nodes[tree->nodes[i].parent];
		tree->children[parent->first_child + parent->n_children++] = (uint32_t)i;
	}
	for (size_t i = 0; i < tree->n_nodes; i++)
		qsort_r(tree->children + tree->nodes[i].first_child, tree->nodes[i].n_children, sizeof(uint32_t),
			by_name_then_kind, tree->nodes);
	return 0;
}

static int tree_build(struct tree *tree, const struct flame_stacks *a, const struct flame_stacks *b)
{
	memset(tree, 0, sizeof(*tree));
	tree->index = hashmap_new();
	struct node *root = tree->index != NULL ? ARRAY_PUSH(tree->nodes, tree->n_nodes, tree->cap_nodes) : NULL;
	if (root == NULL)
		return -1;
	root->name = "all";
	if (add_stacks(tree, a, 0) != 0 || (b != NULL && add_stacks(tree, b, 1) != 0))
		return -1;
	return link_children(tree);
}

static void tree_free(struct tree *tree)
{
	free(tree->nodes);
	free(tree->children);
	hashmap_free(tree->index);
}

static void write_node(FILE *out, const struct tree *tree, uint32_t at, bool diff)
{
	const struct node *node = &tree->nodes[at];

	fputs("{\"name\":", out);
	json_write_string(out, node->name);
	fprintf(out, ",\"kind\":\"%s\"", at == 0 ? "root" : kind_names[node->kind]);
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
	struct tree tree;
	int rc = tree_build(&tree, stacks, NULL);

	if (rc == 0) {
		fputs("{\"unit\":", out);
		json_write_string(out, unit);
		fprintf(out, ",\"total\":%lld,\"root\":", (long long)tree.nodes[0].value[0]);
		write_node(out, &tree, 0, false);
		fputs("}", out);
	}
	tree_free(&tree);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

int flame_diff_write_json(FILE *out, const struct flame_stacks *base, const struct flame_stacks *target,
			  const char *unit)
{
	struct tree tree;
	int rc = tree_build(&tree, base, target);

	if (rc == 0) {
		fputs("{\"unit\":", out);
		json_write_string(out, unit);
		fprintf(out, ",\"base_total\":%lld,\"target_total\":%lld,\"root\":", (long long)tree.nodes[0].value[0],
			(long long)tree.nodes[0].value[1]);
		write_node(out, &tree, 0, true);
		fputs("}", out);
	}
	tree_free(&tree);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
