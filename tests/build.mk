# tests/build.mk: cmocka unit tests, each built plain (also run under
# valgrind) and with ASan+UBSan.

UNIT_TESTS := test_hex test_request test_encrypt
test_hex_SRCS := demo-server/hex.c
test_request_SRCS := demo-server/request.c
test_encrypt_SRCS := $(ENCRYPT_SRCS)

define unit_test_rules
$(BUILD)/tests/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,tests/unit/$(1).c $$($(1)_SRCS))
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$^ -o $$@ -lcmocka $$(ENCRYPT_LIBS)
$(BUILD)/tests/asan/$(1): $$(patsubst %.c,$(BUILD)/asan/%.o,tests/unit/$(1).c $$($(1)_SRCS))
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(SANITIZE) $$^ -o $$@ -lcmocka $$(ENCRYPT_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rules,$(t))))

TEST_BINARIES := $(foreach t,$(UNIT_TESTS),$(BUILD)/tests/$(t) $(BUILD)/tests/asan/$(t))
