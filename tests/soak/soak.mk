# tests/soak/soak.mk: the `soak` target, included by the Makefile. Long (12
# minutes by default, SOAK_MINUTES=N) and root only, so not part of `make test`.
soak: all $(WORKLOADS)
	bash tests/soak/soak.sh
