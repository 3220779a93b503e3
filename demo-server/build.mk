# demo-server/build.mk: the encrypt server and its benchmark.

INCLUDES += -Idemo-server
ENCRYPT_SRCS := demo-server/encrypt_key.c demo-server/encrypt_naive.c demo-server/encrypt_fast.c \
	demo-server/hex.c demo-server/request.c
ENCRYPT_LIBS := -lcrypto -lpthread

$(BUILD)/encrypt-server: $(patsubst %.c,$(BUILD)/obj/%.o,$(ENCRYPT_SRCS) demo-server/server.c demo-server/main.c)
	$(CC) $(CFLAGS) $^ -o $@ -lmicrohttpd $(ENCRYPT_LIBS)

$(BUILD)/encrypt-bench: $(patsubst %.c,$(BUILD)/obj/%.o,$(ENCRYPT_SRCS) demo-server/bench.c demo-server/bench_alloc.c)
	$(CC) $(CFLAGS) $^ -o $@ $(ENCRYPT_LIBS)

all: $(BUILD)/encrypt-server $(BUILD)/encrypt-bench
