/*
 * wst_pipe_client.exe PIPE ACTION: a hostile or awkward client of a worker's
 * pipe, for the scenarios. It speaks winstrument/protocol.h through the same
 * codec as the inspector, and reports on stdout, one line per event.
 *
 *   stall        sends half a header, prints "stalled", holds the connection
 *                until the server drops it ("dropped") or stdin closes
 *   mid-request  sends a whole SNAPSHOT request and never reads the reply
 *   malformed    one connection per bad frame (magic, version, type, length,
 *                oversized, garbage); each must get an error reply or a close;
 *                then a good HELLO must be answered: "good ok"
 *   fuzz N SEED  N random frames and connection floods, then a good HELLO
 *
 * Exit code 0 when every expectation held, 1 otherwise, 2 on usage.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_name.h"
#include "protocol_codec.h"

static const char *pipe_name;

/* The worker is on demand: if it stopped (idle) since the driver learned its
 * name, signal its trigger, as an inspector does, and try again. */
static int wake_worker(void)
{
    uint32_t pid;
    uint64_t instance;
    char trigger[WST_PIPE_NAME_MAX];
    if (!wst_pipe_name_parse(pipe_name, strlen(pipe_name) + 1, &pid, &instance))
        return 0;
    wst_trigger_name_format(trigger, pid, instance);
    HANDLE event = OpenEventA(EVENT_MODIFY_STATE, FALSE, trigger);
    if (event == NULL)
        return 0; /* the module is gone: so is its pipe */
    SetEvent(event);
    CloseHandle(event);
    return 1;
}

static HANDLE connect_pipe(void)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        HANDLE h = CreateFileA(pipe_name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                               0, NULL);
        if (h != INVALID_HANDLE_VALUE)
            return h;
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND) {
            if (!wake_worker())
                return INVALID_HANDLE_VALUE;
            Sleep(50);
            continue;
        }
        if (e != ERROR_PIPE_BUSY)
            return INVALID_HANDLE_VALUE;
        WaitNamedPipeA(pipe_name, 100);
    }
    return INVALID_HANDLE_VALUE;
}

static BOOL send_bytes(HANDLE h, const void *bytes, DWORD size)
{
    DWORD done;
    return WriteFile(h, bytes, size, &done, NULL) && done == size;
}

/* Reads one reply with a deadline, on a worker thread so a server that
 * neither answers nor closes cannot hang the client. */
struct reply {
    HANDLE pipe;
    struct wst_msg_header header;
    uint32_t error_code;
    int outcome; /* 1 reply read, 0 closed, -1 malformed */
};

static DWORD WINAPI read_reply_thread(void *arg)
{
    struct reply *r = arg;
    unsigned char buf[sizeof(struct wst_msg_header)];
    DWORD got = 0, done;
    while (got < sizeof buf) {
        if (!ReadFile(r->pipe, buf + got, sizeof buf - got, &done, NULL) || done == 0) {
            r->outcome = 0;
            return 0;
        }
        got += done;
    }
    if (wst_msg_header_decode(buf, sizeof buf, &r->header, NULL) != WST_OK) {
        r->outcome = -1;
        return 0;
    }
    static unsigned char payload[WST_MSG_MAX_PAYLOAD];
    got = 0;
    while (got < r->header.length) {
        if (!ReadFile(r->pipe, payload + got, r->header.length - got, &done, NULL) || done == 0) {
            r->outcome = -1;
            return 0;
        }
        got += done;
    }
    if (r->header.type == WST_MSG_ERROR && r->header.length >= sizeof(struct wst_msg_error))
        memcpy(&r->error_code, payload, sizeof r->error_code);
    r->outcome = 1;
    return 0;
}

/* 1 reply, 0 closed, -1 malformed, -2 no answer within the deadline. */
static int await_reply(HANDLE pipe, struct reply *r, DWORD deadline_ms)
{
    memset(r, 0, sizeof *r);
    r->pipe = pipe;
    HANDLE t = CreateThread(NULL, 0, read_reply_thread, r, 0, NULL);
    if (t == NULL)
        return -1;
    DWORD w = WaitForSingleObject(t, deadline_ms);
    if (w != WAIT_OBJECT_0) {
        CancelSynchronousIo(t);
        WaitForSingleObject(t, 1000);
        CloseHandle(t);
        return -2;
    }
    CloseHandle(t);
    return r->outcome;
}

static int good_hello(void)
{
    HANDLE h = connect_pipe();
    struct wst_msg_header req;
    struct reply r;
    if (h == INVALID_HANDLE_VALUE) {
        printf("good connect-failed %lu\n", GetLastError());
        return 0;
    }
    wst_msg_header_init(&req, WST_MSG_HELLO, 4242, 0);
    int ok = send_bytes(h, &req, sizeof req) && await_reply(h, &r, 5000) == 1 &&
             r.header.type == (WST_MSG_HELLO | WST_MSG_REPLY) && r.header.request_id == 4242;
    CloseHandle(h);
    printf("good %s\n", ok ? "ok" : "failed");
    return ok;
}

static int hold_until_dropped(HANDLE h)
{
    /* A read returns when the server drops us; stdin closing ends it too. */
    struct reply r;
    int outcome = await_reply(h, &r, 60000);
    printf("%s\n", outcome == 0 ? "dropped" : outcome == -2 ? "still-connected" : "answered");
    return outcome != -2;
}

/* Connects and sends `size` bytes of a SNAPSHOT request: all of it, or a part
 * that leaves the server waiting for the rest. */
static HANDLE send_snapshot_request(DWORD size)
{
    HANDLE h = connect_pipe();
    struct wst_msg_header req;
    if (h == INVALID_HANDLE_VALUE) {
        printf("connect-failed %lu\n", GetLastError());
        return h;
    }
    wst_msg_header_init(&req, WST_MSG_SNAPSHOT, 1, 0);
    send_bytes(h, &req, size);
    return h;
}

static int stall(void)
{
    HANDLE h = send_snapshot_request(sizeof(struct wst_msg_header) / 2);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    printf("stalled\n");
    return hold_until_dropped(h);
}

static int mid_request(void)
{
    HANDLE h = send_snapshot_request(sizeof(struct wst_msg_header));
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    printf("sent\n");
    /* Never read the reply: the server holds an unfinished write. */
    char line[16];
    fgets(line, sizeof line, stdin);
    CloseHandle(h);
    return 1;
}

struct bad_frame {
    const char *name;
    struct wst_msg_header header;
    uint32_t send_size; /* bytes of the header actually sent */
};

static int malformed(void)
{
    const struct bad_frame frames[] = {
        {"bad-magic", {0x12345678u, WST_PROTOCOL_VERSION, WST_MSG_HELLO, 1, 0}, 16},
        {"bad-version", {WST_MSG_MAGIC, 99, WST_MSG_HELLO, 2, 0}, 16},
        {"bad-type", {WST_MSG_MAGIC, WST_PROTOCOL_VERSION, 77, 3, 0}, 16},
        {"reply-type", {WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_HELLO | WST_MSG_REPLY, 4, 0}, 16},
        {"payload-on-hello", {WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_HELLO, 5, 8}, 16},
        {"oversized", {WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_SNAPSHOT, 6, 0xfffffff0u}, 16},
        {"error-type", {WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_ERROR, 7, 0}, 16},
    };
    int all_ok = 1;
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        HANDLE h = connect_pipe();
        struct reply r;
        if (h == INVALID_HANDLE_VALUE) {
            printf("malformed %s connect-failed %lu\n", frames[i].name, GetLastError());
            all_ok = 0;
            continue;
        }
        send_bytes(h, &frames[i].header, frames[i].send_size);
        int outcome = await_reply(h, &r, 5000);
        int ok = outcome == 0 || (outcome == 1 && r.header.type == WST_MSG_ERROR);
        printf("malformed %s %s code=%u\n", frames[i].name,
               outcome == 1 ? "error-reply" : outcome == 0 ? "closed" : "NO-ANSWER",
               r.error_code);
        all_ok &= ok;
        CloseHandle(h);
    }
    return good_hello() && all_ok;
}

static uint32_t rng_state;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* A good client is served throughout: one HELLO every this many rounds. */
#define FUZZ_GOOD_EVERY 25u

static int fuzz(unsigned rounds)
{
    unsigned answered = 0, closed = 0, silent = 0, good = 0, good_failed = 0;
    for (unsigned i = 0; i < rounds; i++) {
        if (i % FUZZ_GOOD_EVERY == 0) {
            if (good_hello())
                good++;
            else
                good_failed++;
        }
        HANDLE h = connect_pipe();
        if (h == INVALID_HANDLE_VALUE)
            continue;
        unsigned char frame[64];
        for (size_t k = 0; k < sizeof frame; k++)
            frame[k] = (unsigned char)rng();
        struct wst_msg_header *hdr = (struct wst_msg_header *)frame;
        if (rng() % 2)
            hdr->magic = WST_MSG_MAGIC; /* get past the first check half the time */
        if (rng() % 2)
            hdr->version = WST_PROTOCOL_VERSION;
        if (rng() % 3 == 0)
            hdr->length = rng() % 64;
        DWORD size = 1 + rng() % sizeof frame;
        if (rng() % 8 == 0) {
            CloseHandle(h); /* a flood of connections that say nothing */
            continue;
        }
        send_bytes(h, frame, size);
        struct reply r;
        int outcome = await_reply(h, &r, size < sizeof(struct wst_msg_header) ? 100 : 3000);
        if (outcome == 1)
            answered++;
        else if (outcome == 0)
            closed++;
        else
            silent++;
        CloseHandle(h);
    }
    printf("fuzz rounds=%u answered=%u closed=%u silent=%u good=%u good_failed=%u\n", rounds,
           answered, closed, silent, good, good_failed);
    return good_hello() && good_failed == 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 3) {
        fprintf(stderr, "usage: wst_pipe_client PIPE stall|mid-request|malformed|fuzz N SEED\n");
        return 2;
    }
    pipe_name = argv[1];
    if (strcmp(argv[2], "stall") == 0)
        return stall() ? 0 : 1;
    if (strcmp(argv[2], "mid-request") == 0)
        return mid_request() ? 0 : 1;
    if (strcmp(argv[2], "malformed") == 0)
        return malformed() ? 0 : 1;
    if (strcmp(argv[2], "fuzz") == 0 && argc >= 5) {
        rng_state = (uint32_t)strtoul(argv[4], NULL, 10) | 1u;
        return fuzz((unsigned)strtoul(argv[3], NULL, 10)) ? 0 : 1;
    }
    if (strcmp(argv[2], "good") == 0)
        return good_hello() ? 0 : 1;
    return 2;
}
