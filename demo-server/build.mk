# demo-server/build.mk: the encrypt server, its benchmark and its unit tests
# (tests/build.mk makes their rules, like the agent's).

INCLUDES += -Idemo-server
ENCRYPT_SRCS := demo-server/encrypt_key.c demo-server/encrypt_naive.c demo-server/encrypt_fast.c \
	demo-server/hex.c demo-server/request.c
ENCRYPT_LIBS := -lcrypto -lpthread

$(BUILD)/encrypt-server: $(patsubst %.c,$(BUILD)/obj/%.o,$(ENCRYPT_SRCS) demo-server/server.c demo-server/main.c)
	$(CC) $(CFLAGS) $^ -o $@ -lmicrohttpd $(ENCRYPT_LIBS)

$(BUILD)/encrypt-bench: $(patsubst %.c,$(BUILD)/obj/%.o,$(ENCRYPT_SRCS) demo-server/bench.c demo-server/bench_alloc.c)
	$(CC) $(CFLAGS) $^ -o $@ $(ENCRYPT_LIBS)

all: $(BUILD)/encrypt-server $(BUILD)/encrypt-bench

DEMO_UNIT_TESTS := test_hex test_request test_encrypt
$(foreach t,$(DEMO_UNIT_TESTS),$(eval $(t)_DIR := demo-server/tests))
test_hex_SRCS := demo-server/hex.c
test_request_SRCS := demo-server/request.c
test_encrypt_SRCS := $(ENCRYPT_SRCS)
test_encrypt_LIBS := $(ENCRYPT_LIBS)
