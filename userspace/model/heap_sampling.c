/* heap_sampling.c: the draw table and the scaling of heap samples. */
#include <math.h>

#include "heap_sampling.h"

void heap_fill_draw_table(uint32_t table[HEAP_DRAW_TABLE])
{
	for (int i = 0; i < HEAP_DRAW_TABLE; i++) {
		double u = (i + 0.5) / HEAP_DRAW_TABLE;
		table[i] = (uint32_t)lround(-log(u) * (1 << HEAP_DRAW_SHIFT));
	}
}

double heap_sample_scale(uint64_t size, uint64_t rate)
{
	if (rate <= 1 || size == 0)
		return 1;
	return 1 / -expm1(-(double)size / (double)rate);
}
