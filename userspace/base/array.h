/* array.h: growth of the plain (items, count, capacity) arrays used throughout. */
#ifndef ARRAY_H
#define ARRAY_H

#include <stdlib.h>

/* Makes room for `need` items; 0, or -1 (array untouched) when out of memory. */
static inline int array_reserve(void **items, size_t *cap, size_t need, size_t item_size)
{
	if (need <= *cap)
		return 0;
	size_t new_cap = *cap ? *cap : 16;
	while (new_cap < need)
		new_cap *= 2;
	void *grown = realloc(*items, new_cap * item_size);
	if (grown == NULL)
		return -1;
	*items = grown;
	*cap = new_cap;
	return 0;
}

/* ARRAY_PUSH(array, count, cap): a pointer to a new zeroed last item, or NULL. */
#define ARRAY_PUSH(items, count, cap)                                                                  \
	(array_reserve((void **)&(items), &(cap), (count) + 1, sizeof(*(items))) != 0                     \
		 ? NULL                                                                                 \
		 : memset(&(items)[(count)++], 0, sizeof(*(items))))

#endif
