/*
 * flamegraph_svg.c: the SVG flamegraph encoder. Owns laying the flame tree
 * out, labelling frames and the document around them; frames are merged by
 * flame_tree, coloured by the palette, and zoomed and searched in the
 * browser by flamegraph_svg.js, which the document carries inline. It
 * carries its own style too, so it works offline, from file://, and pasted
 * inline into a page.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flame_tree.h"
#include "flamegraph_svg.h"
#include "flamegraph_svg_js.h"
#include "palette.h"
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
static void write_label(FILE *out, const struct flame_node *node, const struct canvas *canvas)
{
	char count[32];

	markup_write_text(out, node->frame.name, SIZE_MAX);
	fprintf(out, " (%s ", format_count(count, node->value[0]));
	markup_write_text(out, canvas->unit, SIZE_MAX);
	fprintf(out, ", %.1f%%)", 100.0 * (double)node->value[0] / (double)canvas->total);
}

/* ---- The document ---- */

static struct canvas canvas_plan(const struct flame_tree *tree, const struct flamegraph_options *options)
{
	struct canvas canvas = {
		.title = options && options->title ? options->title : "Flame Graph",
		.subtitle = options ? options->subtitle : NULL,
		.unit = options && options->unit ? options->unit : "samples",
		.icicle = options && options->icicle,
		.width = options && options->width > 0 ? options->width : DEFAULT_WIDTH,
		.total = tree->nodes[0].value[0],
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
 * One <g> per frame, depth first with siblings in order. data-x and data-w
 * are its extent in value units and data-d its depth: all the script needs
 * to zoom and to add up matches. Children start at their parent's left
 * edge; what is left on the right is the parent's own time.
 */
static void write_frame(FILE *out, const struct flame_tree *tree, uint32_t at, int64_t x, const struct canvas *canvas,
			size_t *omitted)
{
	const struct flame_node *node = &tree->nodes[at];
	double left = SIDE_MARGIN + (double)x * canvas->scale;
	double width = (double)node->value[0] * canvas->scale;
	int y = frame_y(canvas, node->depth);
	struct rgb fill = palette_colour(&node->frame, node->off_cpu);

	if (width < MIN_FRAME_PX) {
		(*omitted)++;
	} else {
		fprintf(out, "<g data-x=\"%" PRId64 "\" data-w=\"%" PRId64 "\" data-d=\"%" PRIu32 "\"><title>", x,
			node->value[0], node->depth);
		write_label(out, node, canvas);
		fprintf(out,
			"</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" "
			"fill=\"rgb(%d,%d,%d)\"/>"
			"<text x=\"%.2f\" y=\"%d\">",
			left, y, width, FRAME_HEIGHT - 1, fill.r, fill.g, fill.b, left + TEXT_PAD,
			y + FRAME_HEIGHT - 4);
		write_fitted_name(out, node->frame.name, width);
		fputs("</text></g>\n", out);
	}
	for (uint32_t i = 0; i < node->n_children; i++) {
		uint32_t child = tree->children[node->first_child + i];
		write_frame(out, tree, child, x, canvas, omitted);
		x += tree->nodes[child].value[0];
	}
}

static void write_frames(FILE *out, const struct flame_tree *tree, const struct canvas *canvas)
{
	size_t omitted = 0;

	fprintf(out,
		"<g class=\"fg-frames\" data-left=\"%d\" data-width=\"%d\" data-total=\"%" PRId64
		"\" data-char-width=\"%.1f\" data-text-pad=\"%.1f\">\n",
		SIDE_MARGIN, canvas->width - 2 * SIDE_MARGIN, canvas->total, CHAR_WIDTH, TEXT_PAD);
	write_frame(out, tree, 0, 0, canvas, &omitted);
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

int flamegraph_svg_write(FILE *out, const struct flame_stacks *stacks, const struct flamegraph_options *options)
{
	struct flame_tree tree;

	if (flame_tree_build(&tree, stacks, NULL) != 0) {
		flame_tree_free(&tree);
		return -1;
	}
	struct canvas canvas = canvas_plan(&tree, options);

	write_head(out, &canvas);
	if (canvas.total > 0) {
		write_frames(out, &tree, &canvas);
		write_controls(out, &canvas);
		/* Last, so every element it looks for is already in the document. */
		fprintf(out, "<script><![CDATA[\n%s]]></script>\n", flamegraph_svg_js);
	} else {
		write_no_samples(out, &canvas);
	}
	fputs("</svg>\n", out);
	flame_tree_free(&tree);
	/* Errors stick to the stream, so one check covers every write above. */
	return ferror(out) || fflush(out) != 0 ? -1 : 0;
}
