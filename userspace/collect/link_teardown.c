/* link_teardown.c: many BPF links detached at once (link_teardown.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "link_teardown.h"

#define TEARDOWN_THREADS_MAX 64

static void *destroy_one(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

void links_destroy_all(struct bpf_link **links, size_t n)
{
	pthread_t threads[TEARDOWN_THREADS_MAX];
	bool started[TEARDOWN_THREADS_MAX];

	for (size_t first = 0; first < n; first += TEARDOWN_THREADS_MAX) {
		size_t batch = n - first < TEARDOWN_THREADS_MAX ? n - first : TEARDOWN_THREADS_MAX;
		for (size_t i = 0; i < batch; i++) {
			struct bpf_link *link = links[first + i];
			started[i] = link != NULL && pthread_create(&threads[i], NULL, destroy_one, link) == 0;
			if (!started[i] && link != NULL)
				bpf_link__destroy(link); /* no thread to be had: in turn */
		}
		for (size_t i = 0; i < batch; i++)
			if (started[i])
				pthread_join(threads[i], NULL);
	}
}
