/*
 * flamegraph_svg.c: the SVG flamegraph encoder. Owns merging flame stacks
 * into a call tree, laying the tree out, colouring and labelling frames, and
 * the small embedded script that zooms and searches in the browser. The
 * document carries its own style and script so it works offline, from
 * file://, and pasted inline into a page.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "flamegraph_svg.h"
#include "text_escape.h"

#define DEFAULT_WIDTH 1200
#define MIN_WIDTH     200 /* below this the controls and the title collide */
#define SIDE_MARGIN   10
#define FRAME_HEIGHT  16 /* the rect is one pixel shorter, leaving a gap between rows */
#define FONT_SIZE     12
#define CHAR_WIDTH    7.0 /* rough advance of a character at FONT_SIZE, to elide names without measuring */
#define TEXT_PAD      3.0 /* between a frame's edge and its name */
#define MIN_FRAME_PX  0.1 /* narrower frames cannot be seen; leaving them out keeps big profiles small */
#define TITLE_Y	      24
#define SUBTITLE_Y    44
#define MATCH_FILL    "rgb(230,0,230)"

/* One frame of the merged call tree. */
struct node {
	const char *name;
	enum flame_frame_kind kind;
	size_t depth; /* 0 for the synthetic root */
	size_t parent;
	int64_t value;	      /* samples in this frame and in everything it called */
	int64_t x;	      /* left edge, in value units from the root's left edge */
	int64_t next_child_x; /* while laying out: where this node's next child starts */
};

struct tree {
	struct node *nodes; /* depth first, siblings in name order; nodes[0] is the root */
	size_t n_nodes, cap_nodes;
	size_t max_depth;
};

/* Everything about the picture that follows from the options and the tree. */
struct canvas {
	const char *title, *subtitle, *unit;
	bool icicle;
	int width, height;
	int frames_top; /* y of the topmost row of frames */
	int details_y;	/* baseline of the status line at the bottom */
	double scale;	/* pixels per value unit */
	int64_t total;	/* the root's value */
	size_t max_depth;
};

/* ---- Merging stacks into a tree ---- */

static int frame_compare(const struct flame_frame *a, const struct flame_frame *b)
{
	int by_name = strcmp(a->name, b->name);

	if (by_name != 0)
		return by_name;
	return (a->kind > b->kind) - (a->kind < b->kind);
}

/* Frames in common from the root down. */
static size_t shared_depth(const struct flame_stack *a, const struct flame_stack *b)
{
	size_t depth = 0;

	while (depth < a->depth && depth < b->depth && frame_compare(&a->frames[depth], &b->frames[depth]) == 0)
		depth++;
	return depth;
}

/* Frame by frame from the root, a prefix before its extensions. */
static int stack_compare(const void *pa, const void *pb)
{
	const struct flame_stack *a = *(const struct flame_stack *const *)pa;
	const struct flame_stack *b = *(const struct flame_stack *const *)pb;
	size_t shared = shared_depth(a, b);

	if (shared < a->depth && shared < b->depth)
		return frame_compare(&a->frames[shared], &b->frames[shared]);
	return (a->depth > b->depth) - (a->depth < b->depth);
}

static int tree_add(struct tree *tree, const char *name, enum flame_frame_kind kind, size_t parent, size_t depth)
{
	struct node *node = ARRAY_PUSH(tree->nodes, tree->n_nodes, tree->cap_nodes);

	if (node == NULL)
		return -1;
	node->name = name;
	node->kind = kind;
	node->parent = parent;
	node->depth = depth;
	if (depth > tree->max_depth)
		tree->max_depth = depth;
	return 0;
}

/*
 * Once the stacks are sorted, equal prefixes are adjacent: each stack walks
 * the path the previous one left and only adds nodes below the point where
 * the two differ. That merges equal stacks without any lookup, and the
 * nodes come out depth first with siblings already in order, which is what
 * makes the output the same whatever order the stacks arrived in.
 */
static int tree_build(struct tree *tree, const struct flame_stacks *stacks)
{
	size_t n_stacks = stacks ? stacks->n_stacks : 0, n_sorted = 0, max_depth = 0;
	const struct flame_stack **sorted = calloc(n_stacks + 1, sizeof(*sorted));
	size_t *path = NULL; /* path[d]: the node at depth d on the previous stack's path */
	int ret = -1;

	if (sorted == NULL || tree_add(tree, "all", FLAME_USER, 0, 0) != 0)
		goto out;
	for (size_t i = 0; i < n_stacks; i++) {
		const struct flame_stack *stack = &stacks->stacks[i];
		/* A width cannot be negative, and a zero-width frame shows nothing. */
		if (stack->value <= 0)
			continue;
		sorted[n_sorted++] = stack;
		if (stack->depth > max_depth)
			max_depth = stack->depth;
	}
	path = calloc(max_depth + 1, sizeof(*path));
	if (path == NULL)
		goto out;
	qsort(sorted, n_sorted, sizeof(*sorted), stack_compare);

	for (size_t i = 0; i < n_sorted; i++) {
		const struct flame_stack *stack = sorted[i];
		size_t shared = i > 0 ? shared_depth(sorted[i - 1], stack) : 0;

		tree->nodes[0].value += stack->value;
		for (size_t d = 0; d < stack->depth; d++) {
			if (d >= shared) {
				const struct flame_frame *frame = &stack->frames[d];
				if (tree_add(tree, frame->name, frame->kind, path[d], d + 1) != 0)
					goto out;
				path[d + 1] = tree->n_nodes - 1;
			}
			tree->nodes[path[d + 1]].value += stack->value;
		}
	}
	ret = 0;
out:
	free(path);
	free(sorted);
	return ret;
}

/*
 * Children start at their parent's left edge, in sibling order; what is left
 * on the right is the parent's own time. Depth-first order means a parent is
 * always placed before its children.
 */
static void tree_layout(struct tree *tree)
{
	for (size_t i = 1; i < tree->n_nodes; i++) {
		struct node *node = &tree->nodes[i];
		struct node *parent = &tree->nodes[node->parent];

		node->x = parent->next_child_x;
		node->next_child_x = node->x;
		parent->next_child_x += node->value;
	}
}

/* ---- Text ---- */

/*
 * The name cut to what fits in width pixels, ending in ".." when cut, or
 * nothing when not even a few characters fit. The script applies the same
 * rule when a zoom changes the width.
 */
static void write_fitted_name(FILE *out, const char *name, double width)
{
	double room = (width - 2 * TEXT_PAD) / CHAR_WIDTH;
	size_t fits = room > 0 ? (size_t)room : 0;

	if (utf8_char_count(name) <= fits) {
		markup_write_text(out, name, SIZE_MAX);
	} else if (fits >= 3) {
		markup_write_text(out, name, fits - 2);
		fputs("..", out);
	}
}

/* 1234567 as "1,234,567", easier to read in a tooltip. */
static const char *format_count(char buf[static 32], int64_t value)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" PRId64, value);
	char *p = buf;

	for (int i = 0; i < n; i++) {
		if (i > 0 && digits[i - 1] != '-' && (n - i) % 3 == 0)
			*p++ = ',';
		*p++ = digits[i];
	}
	*p = '\0';
	return buf;
}

/* "name (1,234 samples, 12.5%)": the tooltip, and the script's status line on hover. */
static void write_label(FILE *out, const struct node *node, const struct canvas *canvas)
{
	char count[32];

	markup_write_text(out, node->name, SIZE_MAX);
	fprintf(out, " (%s ", format_count(count, node->value));
	markup_write_text(out, canvas->unit, SIZE_MAX);
	fprintf(out, ", %.1f%%)", 100.0 * (double)node->value / (double)canvas->total);
}

/* ---- Colour ---- */

struct rgb {
	int r, g, b;
};

/* FNV-1a: cheap, and stable across runs and machines, so a function keeps its colour. */
static uint32_t name_hash(const char *name)
{
	uint32_t hash = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		hash = (hash ^ *p) * 16777619u;
	return hash;
}

/* A shade within [low, high], picked by one byte of the hash. */
static int shade(uint32_t hash, int byte, int low, int high)
{
	return low + (int)((hash >> (8 * byte)) & 0xff) * (high - low) / 255;
}

/*
 * Each kind has its own family, disjoint from the others and from the search
 * highlight, so kernel time and inlined code stand out at a glance; within a
 * family the name picks the shade.
 */
static struct rgb frame_colour(const struct node *node)
{
	uint32_t hash = name_hash(node->name);

	if (node->depth == 0)
		return (struct rgb){200, 200, 205};
	switch (node->kind) {
	case FLAME_KERNEL: /* brown: red and green move together, so it never drifts to orange */
		return (struct rgb){shade(hash, 0, 165, 200), shade(hash, 0, 110, 140), shade(hash, 2, 60, 90)};
	case FLAME_PROCESS: /* grey-violet: a process, not a function */
		return (struct rgb){shade(hash, 0, 160, 190), shade(hash, 1, 150, 175), shade(hash, 2, 195, 225)};
	case FLAME_STATE: /* on-CPU green, off-CPU blue: the wall clock's two halves */
		return strcmp(node->name, "off-CPU") == 0 ? (struct rgb){110, 150, 220} : (struct rgb){120, 190, 120};
	case FLAME_INLINED: /* aqua: green and blue move together */
		return (struct rgb){shade(hash, 0, 40, 90), shade(hash, 1, 180, 220), shade(hash, 1, 175, 215)};
	case FLAME_USER:
	default: /* red through orange to yellow */
		return (struct rgb){shade(hash, 0, 215, 255), shade(hash, 1, 40, 215), shade(hash, 2, 20, 70)};
	}
}

/* ---- The document ---- */

static struct canvas canvas_plan(const struct tree *tree, const struct flamegraph_options *options)
{
	struct canvas canvas = {
		.title = options && options->title ? options->title : "Flame Graph",
		.subtitle = options ? options->subtitle : NULL,
		.unit = options && options->unit ? options->unit : "samples",
		.icicle = options && options->icicle,
		.width = options && options->width > 0 ? options->width : DEFAULT_WIDTH,
		.total = tree->nodes[0].value,
		.max_depth = tree->max_depth,
	};

	if (canvas.width < MIN_WIDTH)
		canvas.width = MIN_WIDTH;
	canvas.frames_top = canvas.subtitle ? SUBTITLE_Y + 14 : TITLE_Y + 14;
	/* With no samples the rows make way for a single line saying so. */
	int rows = canvas.total > 0 ? (int)canvas.max_depth + 1 : 2;
	canvas.details_y = canvas.frames_top + rows * FRAME_HEIGHT + 20;
	canvas.height = canvas.details_y + 12;
	if (canvas.total > 0)
		canvas.scale = (canvas.width - 2.0 * SIDE_MARGIN) / (double)canvas.total;
	return canvas;
}

static void write_head(FILE *out, const struct canvas *canvas)
{
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"Verdana, 'DejaVu Sans', sans-serif\" font-size=\"%d\">\n",
		canvas->width, canvas->height, canvas->width, canvas->height, FONT_SIZE);
	/* Class names carry a prefix: inline in a page this style applies to the whole page. */
	fputs("<style>\n"
	      ".fg-frames g { cursor: pointer; }\n"
	      ".fg-frames g:hover rect { stroke: #222; stroke-width: 0.6; }\n"
	      ".fg-frames text { pointer-events: none; }\n"
	      ".fg-control { cursor: pointer; fill: #1f4e99; }\n"
	      ".fg-control:hover { text-decoration: underline; }\n"
	      "</style>\n",
	      out);
	fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#fbfbf8\"/>\n", canvas->width, canvas->height);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"17\">", canvas->width / 2, TITLE_Y);
	markup_write_text(out, canvas->title, SIZE_MAX);
	fputs("</text>\n", out);
	if (canvas->subtitle) {
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">", canvas->width / 2,
			SUBTITLE_Y);
		markup_write_text(out, canvas->subtitle, SIZE_MAX);
		fputs("</text>\n", out);
	}
}

static void write_no_samples(FILE *out, const struct canvas *canvas)
{
	fprintf(out,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" fill=\"#555\">No samples</text>\n",
		canvas->width / 2, canvas->frames_top + FRAME_HEIGHT + 4);
}

static int frame_y(const struct canvas *canvas, size_t depth)
{
	size_t row = canvas->icicle ? depth : canvas->max_depth - depth;
	return canvas->frames_top + (int)row * FRAME_HEIGHT;
}

/*
 * One <g> per frame. data-x and data-w are its extent in value units and
 * data-d its depth: all the script needs to zoom and to add up matches.
 */
static void write_frames(FILE *out, const struct tree *tree, const struct canvas *canvas)
{
	size_t omitted = 0;

	fprintf(out,
		"<g class=\"fg-frames\" data-left=\"%d\" data-width=\"%d\" data-total=\"%" PRId64
		"\" data-char-width=\"%.1f\" data-text-pad=\"%.1f\">\n",
		SIDE_MARGIN, canvas->width - 2 * SIDE_MARGIN, canvas->total, CHAR_WIDTH, TEXT_PAD);
	for (size_t i = 0; i < tree->n_nodes; i++) {
		const struct node *node = &tree->nodes[i];
		double x = SIDE_MARGIN + (double)node->x * canvas->scale;
		double width = (double)node->value * canvas->scale;
		int y = frame_y(canvas, node->depth);
		struct rgb fill = frame_colour(node);

		if (width < MIN_FRAME_PX) {
			omitted++;
			continue;
		}
		fprintf(out, "<g data-x=\"%" PRId64 "\" data-w=\"%" PRId64 "\" data-d=\"%zu\"><title>", node->x,
			node->value, node->depth);
		write_label(out, node, canvas);
		fprintf(out,
			"</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" "
			"fill=\"rgb(%d,%d,%d)\"/>"
			"<text x=\"%.2f\" y=\"%d\">",
			x, y, width, FRAME_HEIGHT - 1, fill.r, fill.g, fill.b, x + TEXT_PAD, y + FRAME_HEIGHT - 4);
		write_fitted_name(out, node->name, width);
		fputs("</text></g>\n", out);
	}
	fputs("</g>\n", out);
	if (omitted > 0)
		fprintf(out, "<!-- %zu frames narrower than %.1f px omitted -->\n", omitted, MIN_FRAME_PX);
}

/* The controls start hidden where they only make sense in a state the script creates. */
static void write_controls(FILE *out, const struct canvas *canvas)
{
	int right = canvas->width - SIDE_MARGIN;

	fprintf(out, "<text class=\"fg-control fg-reset\" x=\"%d\" y=\"%d\" visibility=\"hidden\">Reset Zoom</text>\n",
		SIDE_MARGIN, TITLE_Y);
	fprintf(out, "<text class=\"fg-control fg-search\" x=\"%d\" y=\"%d\" text-anchor=\"end\">Search</text>\n",
		right, TITLE_Y);
	fprintf(out,
		"<text class=\"fg-control fg-clear\" x=\"%d\" y=\"%d\" text-anchor=\"end\" visibility=\"hidden\">"
		"Clear search</text>\n",
		right - 60, TITLE_Y);
	fprintf(out, "<text class=\"fg-details\" x=\"%d\" y=\"%d\">Click a frame to zoom, Ctrl-F to search</text>\n",
		SIDE_MARGIN, canvas->details_y);
	fprintf(out, "<text class=\"fg-matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\" visibility=\"hidden\"></text>\n",
		right, canvas->details_y);
}

/*
 * The browser side. It finds everything through its own <svg> and prefixed
 * class names rather than ids, so two graphs inline in one page don't clash.
 * Names reach it only through the DOM (the <title> text), never spliced into
 * the code, so no symbol can break it.
 */
static const char script[] =
	"(function () {\n"
	"'use strict';\n"
	"const script = document.currentScript;\n"
	"const svg = (script && script.ownerSVGElement) || document.documentElement;\n"
	"const find = (name) => svg.querySelector('.fg-' + name);\n"
	"const layer = find('frames');\n"
	"const num = (el, name) => Number(el.getAttribute('data-' + name));\n"
	"const left = num(layer, 'left'), width = num(layer, 'width'), total = num(layer, 'total');\n"
	"const charWidth = num(layer, 'char-width'), textPad = num(layer, 'text-pad');\n"
	"const resetControl = find('reset'), searchControl = find('search'), clearControl = find('clear');\n"
	"const details = find('details'), matched = find('matched');\n"
	"const hint = details.textContent;\n"
	"const matchFill = '" MATCH_FILL "';\n"
	"\n"
	"const frames = Array.from(layer.querySelectorAll('g[data-d]'), (g) => {\n"
	"\tconst label = g.querySelector('title').textContent;\n"
	"\tconst rect = g.querySelector('rect');\n"
	"\treturn {g, rect, text: g.querySelector('text'), label,\n"
	"\t\tname: label.slice(0, label.lastIndexOf(' (')),\n"
	"\t\tx: num(g, 'x'), w: num(g, 'w'), depth: num(g, 'd'), fill: rect.getAttribute('fill')};\n"
	"});\n"
	"const frameOf = new Map(frames.map((f) => [f.g, f]));\n"
	"\n"
	"/* The same rule the encoder used: cut to fit, marked with '..'. */\n"
	"function fit(name, w) {\n"
	"\tconst chars = Array.from(name);\n"
	"\tconst room = Math.max(0, Math.floor((w - 2 * textPad) / charWidth));\n"
	"\tif (chars.length <= room)\n"
	"\t\treturn name;\n"
	"\treturn room >= 3 ? chars.slice(0, room - 2).join('') + '..' : '';\n"
	"}\n"
	"\n"
	"function place(f, x, w) {\n"
	"\tf.rect.setAttribute('x', x.toFixed(2));\n"
	"\tf.rect.setAttribute('width', w.toFixed(2));\n"
	"\tf.text.setAttribute('x', (x + textPad).toFixed(2));\n"
	"\tf.text.textContent = fit(f.name, w);\n"
	"}\n"
	"\n"
	"/* The target spans the full width; its ancestors stay, full width and\n"
	"   faded, for context; frames beside it are hidden. Extents are in value\n"
	"   units, so containment is exact. */\n"
	"function zoom(target) {\n"
	"\tconst zoomed = target && target.depth > 0 ? target : null;\n"
	"\tconst from = zoomed ? zoomed.x : 0, span = zoomed ? zoomed.w : total, depth = zoomed ? zoomed.depth : 0;\n"
	"\tfor (const f of frames) {\n"
	"\t\tconst ancestor = f.depth < depth && f.x <= from && f.x + f.w >= from + span;\n"
	"\t\tconst inside = f.depth >= depth && f.x >= from && f.x + f.w <= from + span;\n"
	"\t\tf.g.style.display = ancestor || inside ? '' : 'none';\n"
	"\t\tf.g.style.opacity = ancestor ? '0.6' : '';\n"
	"\t\tif (ancestor)\n"
	"\t\t\tplace(f, left, width);\n"
	"\t\telse if (inside)\n"
	"\t\t\tplace(f, left + (f.x - from) * width / span, f.w * width / span);\n"
	"\t}\n"
	"\tresetControl.setAttribute('visibility', zoomed ? 'visible' : 'hidden');\n"
	"}\n"
	"\n"
	"/* A match inside a matching frame is part of the same samples, so\n"
	"   overlapping extents are merged before they are added up. */\n"
	"function coveredValue(extents) {\n"
	"\textents.sort((a, b) => a[0] - b[0]);\n"
	"\tlet sum = 0, end = -Infinity;\n"
	"\tfor (const [start, stop] of extents) {\n"
	"\t\tif (stop > end) {\n"
	"\t\t\tsum += stop - Math.max(start, end);\n"
	"\t\t\tend = stop;\n"
	"\t\t}\n"
	"\t}\n"
	"\treturn sum;\n"
	"}\n"
	"\n"
	"let term = '';\n"
	"function search(pattern) {\n"
	"\tlet re;\n"
	"\ttry {\n"
	"\t\tre = new RegExp(pattern);\n"
	"\t} catch (e) {\n"
	"\t\tdetails.textContent = 'Not a regular expression: ' + pattern;\n"
	"\t\treturn;\n"
	"\t}\n"
	"\tterm = pattern;\n"
	"\tconst extents = [];\n"
	"\tfor (const f of frames) {\n"
	"\t\tconst hit = f.depth > 0 && re.test(f.name);\n"
	"\t\tf.rect.setAttribute('fill', hit ? matchFill : f.fill);\n"
	"\t\tif (hit)\n"
	"\t\t\textents.push([f.x, f.x + f.w]);\n"
	"\t}\n"
	"\tmatched.textContent = 'Matched: ' + (100 * coveredValue(extents) / total).toFixed(1) + '%';\n"
	"\tmatched.setAttribute('visibility', 'visible');\n"
	"\tclearControl.setAttribute('visibility', 'visible');\n"
	"}\n"
	"\n"
	"function clearSearch() {\n"
	"\tterm = '';\n"
	"\tfor (const f of frames)\n"
	"\t\tf.rect.setAttribute('fill', f.fill);\n"
	"\tmatched.setAttribute('visibility', 'hidden');\n"
	"\tclearControl.setAttribute('visibility', 'hidden');\n"
	"}\n"
	"\n"
	"function askForSearch() {\n"
	"\tconst pattern = window.prompt('Search frames for a regular expression:', term);\n"
	"\tif (pattern === null)\n"
	"\t\treturn;\n"
	"\tif (pattern === '')\n"
	"\t\tclearSearch();\n"
	"\telse\n"
	"\t\tsearch(pattern);\n"
	"}\n"
	"\n"
	"const hovered = (event) => frameOf.get(event.target.closest('g[data-d]'));\n"
	"layer.addEventListener('click', (event) => {\n"
	"\tconst f = hovered(event);\n"
	"\tif (f)\n"
	"\t\tzoom(f);\n"
	"});\n"
	"layer.addEventListener('mouseover', (event) => {\n"
	"\tconst f = hovered(event);\n"
	"\tdetails.textContent = f ? f.label : hint;\n"
	"});\n"
	"layer.addEventListener('mouseout', () => {\n"
	"\tdetails.textContent = hint;\n"
	"});\n"
	"resetControl.addEventListener('click', () => zoom(null));\n"
	"searchControl.addEventListener('click', askForSearch);\n"
	"clearControl.addEventListener('click', clearSearch);\n"
	"window.addEventListener('keydown', (event) => {\n"
	"\tif ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {\n"
	"\t\tevent.preventDefault();\n"
	"\t\taskForSearch();\n"
	"\t} else if (event.key === 'Escape') {\n"
	"\t\tclearSearch();\n"
	"\t}\n"
	"});\n"
	"})();\n";

int flamegraph_svg_write(FILE *out, const struct flame_stacks *stacks, const struct flamegraph_options *options)
{
	struct tree tree = {0};

	if (tree_build(&tree, stacks) != 0) {
		free(tree.nodes);
		return -1;
	}
	tree_layout(&tree);
	struct canvas canvas = canvas_plan(&tree, options);

	write_head(out, &canvas);
	if (canvas.total > 0) {
		write_frames(out, &tree, &canvas);
		write_controls(out, &canvas);
		/* Last, so every element it looks for is already in the document. */
		fprintf(out, "<script><![CDATA[\n%s]]></script>\n", script);
	} else {
		write_no_samples(out, &canvas);
	}
	fputs("</svg>\n", out);
	free(tree.nodes);
	/* Errors stick to the stream, so one check covers every write above. */
	return ferror(out) || fflush(out) != 0 ? -1 : 0;
}
