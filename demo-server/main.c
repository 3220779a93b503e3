/*
 * main.c: encrypt-server's command line, signal handling and lifetime.
 * The server runs until SIGINT or SIGTERM, then drains and exits 0.
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encrypt.h"
#include "server.h"

static const char usage[] =
	"usage: encrypt-server [--port N] [--bind ADDR] [--impl naive|fast] [--threads N] [--key HEX]\n"
	"\n"
	"An HTTP server that AES-CFB encrypts payloads: the target of the bpfprof lab.\n"
	"\n"
	"  --port N           TCP port, 0 for any free one (default 8080)\n"
	"  --bind ADDR        IPv4 address to listen on (default 127.0.0.1)\n"
	"  --impl naive|fast  encryptData implementation (default naive)\n"
	"  --threads N        worker threads (default: one per online CPU)\n"
	"  --key HEX          AES-128 or AES-256 key, 32 or 64 hex digits (default: random)\n"
	"\n"
	"Endpoints: GET /encrypt[?size=N], POST /encrypt (body up to 1 MiB), GET /stats, GET /healthz,\n"
	"GET /impl, POST /impl?name=naive|fast (switch the implementation while serving)\n";

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("encrypt-server: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(2);
}

/* A decimal integer in [min, max], or a usage error naming the flag. */
static long parse_number(const char *flag, const char *text, long min, long max)
{
	char *end;
	long value = strtol(text, &end, 10);

	if (*text == '\0' || *end != '\0' || value < min || value > max)
		die_usage("%s must be a whole number from %ld to %ld, not '%s'", flag, min, max, text);
	return value;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"port", required_argument, NULL, 'p'},
		{"bind", required_argument, NULL, 'b'},
		{"impl", required_argument, NULL, 'i'},
		{"threads", required_argument, NULL, 't'},
		{"key", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct server_config config = {
		.bind_address = "127.0.0.1",
		.port = 8080,
		.threads = online > 0 ? (unsigned)online : 1,
		.impl = &naive_encryptor,
	};
	const char *key_hex = NULL;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			config.port = (int)parse_number("--port", optarg, 0, 65535);
			break;
		case 'b':
			config.bind_address = optarg;
			break;
		case 'i':
			config.impl = encryptor_find(optarg);
			if (config.impl == NULL)
				die_usage("--impl must be naive or fast, not '%s'", optarg);
			break;
		case 't':
			config.threads = (unsigned)parse_number("--threads", optarg, 1, 1024);
			break;
		case 'k':
			key_hex = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			die_usage("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (key_hex != NULL ? encrypt_key_from_hex(&config.key, key_hex) != 0
			    : encrypt_key_random(&config.key, 16) != 0) {
		if (key_hex != NULL)
			die_usage("--key must be 32 or 64 hex digits (an AES-128 or AES-256 key)");
		fputs("encrypt-server: cannot generate a random key\n", stderr);
		return 1;
	}

	/* Block the stop signals before any worker thread exists, so they
	 * inherit the mask and only sigwait() below ever receives them. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	char err[256];
	struct server *server = server_start(&config, err, sizeof(err));
	if (server == NULL) {
		fprintf(stderr, "encrypt-server: %s\n", err);
		return 1;
	}
	printf("encrypt-server: listening on http://%s:%d impl=%s threads=%u key=AES-%zu\n", config.bind_address,
	       server_port(server), config.impl->name, config.threads, config.key.len * 8);
	fflush(stdout);

	int signo;
	sigwait(&stop_signals, &signo);
	unsigned long long served = server_requests(server);
	server_stop(server);
	printf("encrypt-server: %s received, stopped after %llu requests\n", strsignal(signo), served);
	return 0;
}
