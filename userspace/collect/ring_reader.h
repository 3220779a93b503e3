/* ring_reader.h: reading a BPF ring buffer whose programs wake the reader
 * only when it fills up (ringbuf_submit_batched in bpf/maps.bpf.h). */
#ifndef RING_READER_H
#define RING_READER_H

struct ring_buffer;

/* Waits for a wakeup or timeout_ms, whichever comes first, then hands every
 * waiting record to the ring's callback. Returns the records read, or a
 * negative errno (never -EINTR: an interrupted wait just reads). */
int ring_read(struct ring_buffer *ring, int timeout_ms);

#endif
