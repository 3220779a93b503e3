/* test_flamegraph_svg.c: the SVG flamegraph encoder, checked on the document it writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flamegraph_svg.h"
#include "palette.h"

/*
 * Stacks written as folded lines, "root;...;leaf value", with the folded
 * suffixes "_[k]" for kernel frames and "_[i]" for inlined ones.
 */
static struct flame_stacks stacks_from(const char *const *lines, size_t n_lines)
{
	struct flame_stacks stacks = {0};
	size_t n_frames = 0;

	for (size_t i = 0; i < n_lines; i++)
		for (const char *p = lines[i]; *p; p++)
			n_frames += *p == ';' || *p == ' ';
	stacks.stacks = calloc(n_lines + 1, sizeof(*stacks.stacks));
	stacks.frames = calloc(n_frames + 1, sizeof(*stacks.frames));
	assert_non_null(stacks.stacks);
	assert_non_null(stacks.frames);

	for (size_t i = 0; i < n_lines; i++) {
		char *line = strdup(lines[i]);
		char *space = strrchr(line, ' ');
		struct flame_stack *stack = &stacks.stacks[stacks.n_stacks++];

		assert_non_null(space);
		*space = '\0';
		stack->value = strtoll(space + 1, NULL, 10);
		stack->frames = &stacks.frames[stacks.n_frames];
		for (char *save = NULL, *name = strtok_r(line, ";", &save); name; name = strtok_r(NULL, ";", &save)) {
			struct flame_frame *frame = &stacks.frames[stacks.n_frames++];
			size_t len = strlen(name);

			bool kernel = len > 4 && strcmp(name + len - 4, "_[k]") == 0;
			bool inlined = len > 4 && strcmp(name + len - 4, "_[i]") == 0;

			frame->role = FLAME_FUNCTION;
			frame->kind = kernel ? FRAME_KERNEL : FRAME_NATIVE;
			frame->inlined = inlined;
			frame->name = strndup(name, kernel || inlined ? len - 4 : len);
			stack->depth++;
		}
		stacks.total += stack->value;
		free(line);
	}
	return stacks;
}

static void stacks_free(struct flame_stacks *stacks)
{
	for (size_t i = 0; i < stacks->n_frames; i++)
		free((char *)stacks->frames[i].name);
	free(stacks->frames);
	free(stacks->stacks);
}

static char *render(const struct flame_stacks *stacks, const struct flamegraph_options *options)
{
	char *svg = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&svg, &len);

	assert_non_null(out);
	assert_int_equal(flamegraph_svg_write(out, stacks, options), 0);
	assert_int_equal(fclose(out), 0);
	return svg;
}

static char *render_lines(const char *const *lines, size_t n_lines, const struct flamegraph_options *options)
{
	struct flame_stacks stacks = stacks_from(lines, n_lines);
	char *svg = render(&stacks, options);

	stacks_free(&stacks);
	return svg;
}

#define RENDER(lines, options) render_lines(lines, sizeof(lines) / sizeof(*(lines)), options)

/* A real XML parser's verdict, not a guess: xmllint on the document. */
static void assert_well_formed(const char *svg)
{
	char path[] = "/tmp/test_flamegraph_svg.XXXXXX";
	char command[128];
	int fd;

	if (system("command -v xmllint >/dev/null 2>&1") != 0)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, svg, strlen(svg)), (ssize_t)strlen(svg));
	close(fd);
	snprintf(command, sizeof(command), "xmllint --noout %s", path);
	int status = system(command);
	unlink(path);
	assert_int_equal(status, 0);
}

static size_t count(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

struct frame {
	double x, y, width;
	int r, g, b;
	char text[128];
};

/* The frame whose tooltip starts with label (e.g. "main (" ), read back from its rect and text. */
static struct frame find_frame(const char *svg, const char *label)
{
	char needle[256];
	struct frame frame = {0};

	snprintf(needle, sizeof(needle), "<title>%s", label);
	const char *title = strstr(svg, needle);
	assert_non_null(title);
	const char *rect = strstr(title, "<rect ");
	assert_non_null(rect);
	assert_int_equal(
		sscanf(rect, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%*d\" rx=\"%*d\" fill=\"rgb(%d,%d,%d)\"",
		       &frame.x, &frame.y, &frame.width, &frame.r, &frame.g, &frame.b),
		6);
	const char *text = strstr(rect, "<text ");
	assert_non_null(text);
	text = strchr(text, '>') + 1;
	size_t len = strcspn(text, "<");
	assert_true(len < sizeof(frame.text));
	memcpy(frame.text, text, len);
	return frame;
}

static const char *const realistic[] = {
	"main;handle_request;encrypt_block;aes_round_[i] 40",
	"main;handle_request;encrypt_block 12",
	"main;handle_request;read_body;read;entry_SYSCALL_64_[k];ksys_read_[k];tcp_recvmsg_[k] 9",
	"main;handle_request;write_response;operator<<;std::ostream::write 5",
	"main;handle_request;std::vector<int>::push_back;operator new;malloc 4",
	"main;accept_loop;accept4;entry_SYSCALL_64_[k];__sys_accept4_[k] 3",
	"libc.so.6+0x1234;0x7f00deadbeef 1",
	"main;handle_request;encrypt_block;aes_round_[i] 2",
};

static void realistic_profile_is_well_formed(void **state)
{
	const struct flamegraph_options flame = {.title = "CPU profile of <demo> & co", .subtitle = "1 s at 99 Hz"};
	const struct flamegraph_options icicle = {.title = "x", .unit = "ns", .icicle = true, .width = 640};
	(void)state;

	char *svg = RENDER(realistic, &flame);
	assert_well_formed(svg);
	assert_non_null(strstr(svg, "<script><![CDATA["));
	assert_non_null(strstr(svg, "CPU profile of &lt;demo&gt; &amp; co"));
	assert_non_null(strstr(svg, ">1 s at 99 Hz<"));
	assert_non_null(strstr(svg, ">Reset Zoom<"));
	assert_non_null(strstr(svg, ">Search<"));
	/* Nothing comes from elsewhere: the only URL is the SVG namespace. */
	assert_int_equal(count(svg, "http"), 1);
	free(svg);

	svg = RENDER(realistic, &icicle);
	assert_well_formed(svg);
	free(svg);
}

static void every_group_is_closed(void **state)
{
	(void)state;
	char *svg = RENDER(realistic, NULL);

	/* The root and the frames' container, plus one group per distinct frame. */
	assert_int_equal(count(svg, "<g "), count(svg, "</g>"));
	assert_int_equal(count(svg, "<g data-x="), count(svg, "<title>"));
	assert_int_equal(count(svg, "<title>"), 22);
	free(svg);
}

static void identical_stacks_merge(void **state)
{
	static const char *const lines[] = {"main;work 2", "main;other 1", "main;work 3", "main;read 1",
					    "main;read_[k] 1"};
	(void)state;
	char *svg = RENDER(lines, NULL);

	assert_int_equal(count(svg, "<title>work ("), 1);
	assert_non_null(strstr(svg, "<title>work (5 samples, 62.5%)</title>"));
	assert_int_equal(count(svg, "<title>main ("), 1);
	assert_non_null(strstr(svg, "<title>main (8 samples, 100.0%)</title>"));
	/* The same name in the kernel is a different frame. */
	assert_int_equal(count(svg, "<title>read ("), 2);
	free(svg);
}

static void titles_give_counts_and_percentages(void **state)
{
	static const char *const lines[] = {"main;work 3", "idle 1"};
	static const char *const big[] = {"main 1234567", "idle 1234"};
	const struct flamegraph_options ns = {.unit = "ns"};
	(void)state;
	char *svg = RENDER(lines, NULL);

	assert_non_null(strstr(svg, "<title>all (4 samples, 100.0%)</title>"));
	assert_non_null(strstr(svg, "<title>main (3 samples, 75.0%)</title>"));
	assert_non_null(strstr(svg, "<title>work (3 samples, 75.0%)</title>"));
	assert_non_null(strstr(svg, "<title>idle (1 samples, 25.0%)</title>"));
	free(svg);

	svg = RENDER(big, &ns);
	assert_non_null(strstr(svg, "<title>main (1,234,567 ns, 99.9%)</title>"));
	assert_non_null(strstr(svg, "<title>idle (1,234 ns, 0.1%)</title>"));
	free(svg);
}

static void widths_follow_values(void **state)
{
	static const char *const lines[] = {"main;half 2", "main 2", "idle 4"};
	const struct flamegraph_options narrow = {.width = 600};
	(void)state;
	char *svg = RENDER(lines, NULL);

	struct frame all = find_frame(svg, "all ("), main = find_frame(svg, "main (");
	struct frame half = find_frame(svg, "half ("), idle = find_frame(svg, "idle (");
	assert_float_equal(all.width, 1180, 0.01);
	assert_float_equal(main.width, all.width / 2, 0.01);
	assert_float_equal(half.width, main.width / 2, 0.01);
	/* Siblings in name order, children from their parent's left edge. */
	assert_float_equal(idle.x, all.x, 0.01);
	assert_float_equal(main.x, idle.x + idle.width, 0.01);
	assert_float_equal(half.x, main.x, 0.01);
	free(svg);

	svg = RENDER(lines, &narrow);
	assert_float_equal(find_frame(svg, "all (").width, 580, 0.01);
	free(svg);
}

static void markup_in_names_is_escaped(void **state)
{
	static const char *const lines[] = {
		"main;operator<<;<&>\"' 1",
		"main;std::vector<int>::push_back 1",
		"main;bad\xff\x01utf8 1",
		"main;]]></script><script>alert(1)</script> 1",
	};
	(void)state;
	char *svg = RENDER(lines, NULL);

	assert_well_formed(svg);
	assert_non_null(strstr(svg, "<title>operator&lt;&lt; ("));
	assert_non_null(strstr(svg, "<title>&lt;&amp;&gt;&quot;&#39; ("));
	assert_non_null(strstr(svg, "<title>std::vector&lt;int&gt;::push_back ("));
	/* Bytes XML cannot carry become U+FFFD rather than breaking the document. */
	assert_non_null(strstr(svg, "<title>bad\xef\xbf\xbd\xef\xbf\xbdutf8 ("));
	assert_null(strstr(svg, "operator<<"));
	assert_null(strstr(svg, "\"'"));
	assert_int_equal(count(svg, "<script>"), 1);
	assert_int_equal(count(svg, "]]>"), 1);
	free(svg);
}

static void long_names_are_elided(void **state)
{
	static const char *const lines[] = {
		"main;a_rather_long_function_name_that_cannot_fit 1",
		"main;x 99",
	};
	const struct flamegraph_options narrow = {.width = 1020}; /* 10 px per sample */
	(void)state;
	char *svg = RENDER(lines, &narrow);

	struct frame longer = find_frame(svg, "a_rather_long_function_name_that_cannot_fit (1 samples, 1.0%)");
	assert_float_equal(longer.width, 10, 0.01);
	assert_string_equal(longer.text, ""); /* not even "a.." fits in 10 px */
	struct frame main = find_frame(svg, "main (");
	assert_string_equal(main.text, "main");
	free(svg);

	static const char *const wide[] = {"main;a_rather_long_function_name_that_cannot_fit 1", "main;x 9"};
	svg = RENDER(wide, &narrow); /* 100 px: room for 13 characters */
	longer = find_frame(svg, "a_rather_long_function_name_that_cannot_fit (");
	assert_string_equal(longer.text, "a_rather_lo..");
	free(svg);
}

static void kinds_have_their_own_colours(void **state)
{
	/* Siblings of one name sort user before kernel, so the user "read" comes first. */
	static const char *const lines[] = {"main;read_[k];inlined_[i] 1", "main;read 1"};
	(void)state;
	char *svg = RENDER(lines, NULL);

	struct frame root = find_frame(svg, "all (");
	struct frame user = find_frame(svg, "main (");
	struct frame user_read = find_frame(svg, "read (");
	struct frame kernel_read = find_frame(strstr(svg, "<title>read (") + 1, "read (");
	struct frame inlined = find_frame(svg, "inlined (");

	assert_true(root.r == root.g && abs(root.b - root.r) < 10);
	assert_true(user.r >= 215 && user.b < 80);
	assert_true(user_read.r >= 215 && user_read.b < 80);
	/* Brown: darker than any user frame, red over green over blue. */
	assert_true(kernel_read.r <= 200 && kernel_read.g < kernel_read.r && kernel_read.b < kernel_read.g);
	assert_true(inlined.g > inlined.r + 60 && inlined.b > inlined.r + 60);
	free(svg);
}

static void assert_colour(struct frame frame, struct rgb want)
{
	assert_int_equal(frame.r, want.r);
	assert_int_equal(frame.g, want.g);
	assert_int_equal(frame.b, want.b);
}

/* The UI takes its colours from the same palette, through the flame JSON. */
static void colours_are_the_palettes(void **state)
{
	static const char *const lines[] = {"main;read_[k] 1", "main;work;hash_[i] 1"};
	const struct flame_frame main_f = {.name = "main"}, read_f = {.name = "read", .kind = FRAME_KERNEL},
				 hash_f = {.name = "hash", .inlined = true}, all_f = {.name = "all", .role = FLAME_ROOT};
	(void)state;
	char *svg = RENDER(lines, NULL);

	assert_colour(find_frame(svg, "all ("), palette_colour(&all_f, false));
	assert_colour(find_frame(svg, "main ("), palette_colour(&main_f, false));
	assert_colour(find_frame(svg, "read ("), palette_colour(&read_f, false));
	assert_colour(find_frame(svg, "hash ("), palette_colour(&hash_f, false));
	free(svg);
}

/* Under the wall clock's off-CPU root every frame is drawn as waiting;
 * under on-CPU it keeps its kind's colour. */
static void off_cpu_frames_are_drawn_waiting(void **state)
{
	const struct flame_frame on = {.name = "on-CPU", .role = FLAME_STATE},
				 off = {.name = "off-CPU", .role = FLAME_STATE}, running = {.name = "spin"},
				 waiting = {.name = "futex_wait", .kind = FRAME_KERNEL};
	const struct flame_frame s1[] = {on, running}, s2[] = {off, waiting};
	struct flame_stack list[] = {{s1, 2, 1}, {s2, 2, 1}};
	struct flame_stacks stacks = {.stacks = list, .n_stacks = 2, .total = 2};
	(void)state;
	char *svg = render(&stacks, NULL);

	assert_colour(find_frame(svg, "spin ("), palette_colour(&running, false));
	assert_colour(find_frame(svg, "futex_wait ("), palette_colour(&waiting, true));
	struct frame off_frame = find_frame(svg, "off-CPU ("), wait_frame = find_frame(svg, "futex_wait (");
	assert_true(off_frame.b > off_frame.r + 60 && wait_frame.b > wait_frame.r + 60);
	struct rgb kernel = palette_colour(&waiting, false);
	assert_false(wait_frame.r == kernel.r && wait_frame.g == kernel.g && wait_frame.b == kernel.b);
	free(svg);
}

static void a_name_keeps_its_colour(void **state)
{
	static const char *const lines[] = {"a;shared 1", "b;c;shared 3"};
	static const char *const other[] = {"zzz;shared 7"};
	(void)state;
	char *svg = RENDER(lines, NULL), *svg2 = RENDER(other, NULL);

	struct frame first = find_frame(svg, "shared (1 ");
	struct frame second = find_frame(svg, "shared (3 ");
	struct frame third = find_frame(svg2, "shared (");
	assert_true(first.r == second.r && first.g == second.g && first.b == second.b);
	assert_true(first.r == third.r && first.g == third.g && first.b == third.b);
	free(svg);
	free(svg2);
}

static void output_is_deterministic(void **state)
{
	static const char *const shuffled[] = {
		"main;handle_request;encrypt_block;aes_round_[i] 2",
		"libc.so.6+0x1234;0x7f00deadbeef 1",
		"main;accept_loop;accept4;entry_SYSCALL_64_[k];__sys_accept4_[k] 3",
		"main;handle_request;std::vector<int>::push_back;operator new;malloc 4",
		"main;handle_request;encrypt_block;aes_round_[i] 40",
		"main;handle_request;write_response;operator<<;std::ostream::write 5",
		"main;handle_request;read_body;read;entry_SYSCALL_64_[k];ksys_read_[k];tcp_recvmsg_[k] 9",
		"main;handle_request;encrypt_block 12",
	};
	(void)state;
	char *once = RENDER(realistic, NULL), *twice = RENDER(realistic, NULL), *reordered = RENDER(shuffled, NULL);

	assert_string_equal(once, twice);
	assert_string_equal(once, reordered);
	free(once);
	free(twice);
	free(reordered);
}

static void empty_input_says_so(void **state)
{
	static const char *const zero[] = {"main 0", "main;neg -3"};
	struct flame_stacks none = {0};
	(void)state;
	char *svg = render(&none, NULL);

	assert_well_formed(svg);
	assert_non_null(strstr(svg, "No samples"));
	assert_null(strstr(svg, "<script"));
	free(svg);

	svg = render(NULL, NULL);
	assert_non_null(strstr(svg, "No samples"));
	free(svg);

	svg = RENDER(zero, NULL);
	assert_well_formed(svg);
	assert_non_null(strstr(svg, "No samples"));
	free(svg);
}

static void icicle_grows_down_flame_grows_up(void **state)
{
	static const char *const lines[] = {"main;work;leaf 1"};
	const struct flamegraph_options icicle = {.icicle = true};
	(void)state;
	char *flame = RENDER(lines, NULL), *down = RENDER(lines, &icicle);

	struct frame root = find_frame(flame, "all ("), leaf = find_frame(flame, "leaf (");
	assert_true(root.y > leaf.y);
	assert_float_equal(root.y - leaf.y, 3 * 16, 0.01);
	struct frame top = find_frame(down, "all ("), bottom = find_frame(down, "leaf (");
	assert_true(top.y < bottom.y);
	assert_float_equal(top.y, leaf.y, 0.01); /* both the topmost row */
	free(flame);
	free(down);
}

static void invisible_frames_still_count(void **state)
{
	static const char *const lines[] = {"main;big 1000000", "main;tiny 1"};
	(void)state;
	char *svg = RENDER(lines, NULL);

	assert_null(strstr(svg, "<title>tiny ("));
	assert_non_null(strstr(svg, "<!-- 1 frames narrower than 0.1 px omitted -->"));
	assert_non_null(strstr(svg, "<title>main (1,000,001 samples, 100.0%)</title>"));
	free(svg);
}

static void write_errors_are_reported(void **state)
{
	FILE *read_only = fopen("/dev/null", "r");
	struct flame_stacks stacks = stacks_from(realistic, sizeof(realistic) / sizeof(*realistic));
	(void)state;

	assert_non_null(read_only);
	assert_int_equal(flamegraph_svg_write(read_only, &stacks, NULL), -1);
	fclose(read_only);
	stacks_free(&stacks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(realistic_profile_is_well_formed),
		cmocka_unit_test(every_group_is_closed),
		cmocka_unit_test(identical_stacks_merge),
		cmocka_unit_test(titles_give_counts_and_percentages),
		cmocka_unit_test(widths_follow_values),
		cmocka_unit_test(markup_in_names_is_escaped),
		cmocka_unit_test(long_names_are_elided),
		cmocka_unit_test(kinds_have_their_own_colours),
		cmocka_unit_test(colours_are_the_palettes),
		cmocka_unit_test(off_cpu_frames_are_drawn_waiting),
		cmocka_unit_test(a_name_keeps_its_colour),
		cmocka_unit_test(output_is_deterministic),
		cmocka_unit_test(empty_input_says_so),
		cmocka_unit_test(icicle_grows_down_flame_grows_up),
		cmocka_unit_test(invisible_frames_still_count),
		cmocka_unit_test(write_errors_are_reported),
	};

	return cmocka_run_group_tests_name("flamegraph_svg", tests, NULL, NULL);
}
