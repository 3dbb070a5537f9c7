/*
 * A stand-in for the 1Password app's libop_sdk_ipc_client, for tests only.
 *
 * It exports what onepassword-sdk-go v0.4.1 loads on its desktop-app path
 * (internal/shared_lib_core_unix.go):
 *   - the two symbols it dlsyms (:93-107): op_sdk_ipc_send_message and
 *     op_sdk_ipc_free_response, with the signatures of its typedefs (:15-27);
 *   - send_message takes the SDK's JSON Request (shared_lib_core.go:15-19)
 *     and returns 0 with a malloc'd JSON Response (:21-24) in out_buf, or a
 *     non-zero code, which the SDK maps in errorFromReturnCode
 *     (shared_lib_core.go:161-185): on Linux -2 is "channel closed"
 *     (integration off) and -5 "connection dropped"; on macOS -3 and -7;
 *   - free_response frees what send_message returned (:141-142).
 *
 * Like the real library it is an IPC client: it forwards each message to an
 * app, here the Go test server of optest (app.go) listening on the Unix socket
 * named by $ZOTKEY_TEST_OPAPP. Frame out: uint32 flags, uint32 length, bytes;
 * back: int32 return code, uint32 length, bytes. Flag 1 says that another call
 * of this process was inside the library at the same time: the SDK's desktop
 * path takes no lock (shared_lib_core_unix.go:113-160; upstream issue 290, where
 * overlapping calls get each other's answers), so the app refuses such a call
 * and records it.
 *
 * Built without ZOTKEY_STANDIN_SEND (-DZOTKEY_STANDIN_OLD_APP) it lacks
 * op_sdk_ipc_send_message, as an app from before the SDK integration would:
 * the SDK then fails with "failed to load send_message" (:98-100).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef __APPLE__
#define RC_DROPPED (-7)
#else
#define RC_DROPPED (-5)
#endif

static atomic_int inflight;

static int full_write(int fd, const void *buf, size_t n) {
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int full_read(int fd, void *buf, size_t n) {
	uint8_t *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int32_t forward(const uint8_t *msg, size_t len, uint32_t flags, uint8_t **out, size_t *out_len, size_t *out_cap) {
	const char *path = getenv("ZOTKEY_TEST_OPAPP");
	struct sockaddr_un addr;
	if (path == NULL || strlen(path) >= sizeof(addr.sun_path))
		return RC_DROPPED; /* no app to talk to */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return RC_DROPPED;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	strcpy(addr.sun_path, path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		return RC_DROPPED;
	}
	uint32_t hdr[2] = {flags, (uint32_t)len};
	int32_t rc;
	uint32_t n;
	if (full_write(fd, hdr, sizeof(hdr)) != 0 || full_write(fd, msg, len) != 0 ||
	    full_read(fd, &rc, sizeof(rc)) != 0 || full_read(fd, &n, sizeof(n)) != 0) {
		close(fd);
		return RC_DROPPED;
	}
	uint8_t *buf = malloc(n ? n : 1);
	if (buf == NULL || full_read(fd, buf, n) != 0) {
		free(buf);
		close(fd);
		return RC_DROPPED;
	}
	close(fd);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = n;
	*out_cap = n ? n : 1;
	return 0;
}

#ifndef ZOTKEY_STANDIN_OLD_APP
int32_t op_sdk_ipc_send_message(const uint8_t *msg, size_t len, uint8_t **out_buf, size_t *out_len, size_t *out_cap) {
	uint32_t flags = atomic_fetch_add(&inflight, 1) > 0 ? 1 : 0;
	int32_t rc = forward(msg, len, flags, out_buf, out_len, out_cap);
	atomic_fetch_sub(&inflight, 1);
	return rc;
}
#endif

void op_sdk_ipc_free_response(uint8_t *buf, size_t len, size_t cap) {
	(void)len;
	(void)cap;
	free(buf);
}
