/* ring_reader.c: a ring buffer read on a timer, not on every record. */
#include <errno.h>

#include <bpf/libbpf.h>

#include "ring_reader.h"

int ring_read(struct ring_buffer *ring, int timeout_ms)
{
	/* Most records arrive without a wakeup, so poll's own count is no
	 * guide: wait, then take whatever is there. */
	int rc = ring_buffer__poll(ring, timeout_ms);

	if (rc >= 0 || rc == -EINTR)
		rc = ring_buffer__consume(ring);
	return rc == -EINTR ? 0 : rc;
}
