/*
 * palette.c: the frame colours as a table. Each family gives, per channel,
 * a range and the byte of the name's hash that picks a value in it; a
 * range of one value is a fixed colour. Families are apart from each other
 * and from the highlights viewers draw over them (search matches in
 * magenta, a diff's reds and blues), so kernel time, inlined code and the
 * roots stand out at a glance.
 */
#include <stdint.h>
#include <string.h>

#include "palette.h"

struct channel {
	unsigned char byte; /* of the name's hash, 0 to 3 */
	unsigned char low, high;
};

struct family {
	struct channel r, g, b;
};

enum family_id {
	ROOT,
	NATIVE,
	KERNEL,
	INLINED,
	INTERPRETED,
	JIT,
	PROCESS,
	ON_CPU,
	OFF_CPU,
	WAITING,
};

static const struct family families[] = {
	[ROOT] = {{0, 200, 200}, {0, 200, 200}, {0, 205, 205}},	     /* grey: all samples */
	[NATIVE] = {{0, 215, 255}, {1, 40, 215}, {2, 20, 70}},	     /* red through orange to yellow */
	[KERNEL] = {{0, 165, 200}, {0, 110, 140}, {2, 60, 90}},	     /* brown: red and green move together */
	[INLINED] = {{0, 40, 90}, {1, 180, 220}, {1, 175, 215}},     /* aqua: green and blue move together */
	[INTERPRETED] = {{0, 150, 190}, {1, 195, 230}, {2, 40, 80}}, /* yellow-green */
	[JIT] = {{0, 50, 100}, {1, 170, 215}, {0, 60, 110}},	     /* green */
	[PROCESS] = {{0, 160, 190}, {1, 150, 175}, {2, 195, 225}},   /* grey-violet: a process, not a function */
	[ON_CPU] = {{0, 120, 120}, {0, 190, 190}, {0, 120, 120}},    /* the wall clock's running half */
	[OFF_CPU] = {{0, 110, 110}, {0, 150, 150}, {0, 220, 220}},   /* and its waiting half */
	[WAITING] = {{0, 95, 150}, {1, 160, 200}, {2, 215, 240}},    /* blues: any frame under off-CPU */
};

static const enum family_id by_kind[] = {
	[FRAME_NATIVE] = NATIVE,
	[FRAME_KERNEL] = KERNEL,
	[FRAME_INTERPRETED] = INTERPRETED,
	[FRAME_JIT] = JIT,
};

/* FNV-1a: cheap, and stable across runs and machines. */
static uint32_t name_hash(const char *name)
{
	uint32_t hash = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		hash = (hash ^ *p) * 16777619u;
	return hash;
}

static unsigned char shade(const struct channel *channel, uint32_t hash)
{
	unsigned pick = (hash >> (8 * channel->byte)) & 0xff;

	return (unsigned char)(channel->low + pick * (unsigned)(channel->high - channel->low) / 255);
}

static enum family_id family_of(const struct flame_frame *frame, bool off_cpu)
{
	switch (frame->role) {
	case FLAME_ROOT:
		return ROOT;
	case FLAME_PROCESS:
		return PROCESS;
	case FLAME_STATE:
		return strcmp(frame->name, PALETTE_OFF_CPU) == 0 ? OFF_CPU : ON_CPU;
	case FLAME_FUNCTION:
	default:
		if (off_cpu)
			return WAITING;
		if (frame->inlined)
			return INLINED;
		return (size_t)frame->kind < sizeof(by_kind) / sizeof(by_kind[0]) ? by_kind[frame->kind] : NATIVE;
	}
}

struct rgb palette_colour(const struct flame_frame *frame, bool off_cpu)
{
	const struct family *family = &families[family_of(frame, off_cpu)];
	uint32_t hash = name_hash(frame->name);

	return (struct rgb){shade(&family->r, hash), shade(&family->g, hash), shade(&family->b, hash)};
}
