/*
 * See pipe_name.h. Parsing is the exact inverse of formatting: a name is
 * accepted only if formatting its pid and instance writes the same bytes, so
 * "007", upper-case hex, 15 or 17 digits, a trailing ".." or a path after the
 * name are all refused.
 */
#include "pipe_name.h"

static const char hex_digits[] = "0123456789abcdef";

/* prefix, then the pid in decimal, '-', the instance in 16 hex digits. */
static void format_with(char out[WST_PIPE_NAME_MAX], const char *prefix, uint32_t pid,
                        uint64_t instance)
{
    char digits[10];
    size_t n = 0, at = 0;
    for (size_t i = 0; prefix[i] != '\0'; i++)
        out[at++] = prefix[i];
    do {
        digits[n++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid != 0);
    while (n > 0)
        out[at++] = digits[--n];
    out[at++] = '-';
    for (int shift = 60; shift >= 0; shift -= 4)
        out[at++] = hex_digits[(instance >> shift) & 0xf];
    out[at] = '\0';
}

void wst_pipe_name_format(char out[WST_PIPE_NAME_MAX], uint32_t pid, uint64_t instance)
{
    format_with(out, WST_PIPE_PREFIX, pid, instance);
}

void wst_trigger_name_format(char out[WST_PIPE_NAME_MAX], uint32_t pid, uint64_t instance)
{
    format_with(out, WST_TRIGGER_PREFIX, pid, instance);
}

int wst_pipe_name_parse(const char *name, size_t cap, uint32_t *pid, uint64_t *instance)
{
    static const char prefix[] = WST_PIPE_PREFIX;
    size_t at = 0;
    uint64_t p = 0, inst = 0;
    for (size_t i = 0; prefix[i] != '\0'; i++, at++) {
        if (at >= cap || name[at] != prefix[i])
            return 0;
    }
    /* pid: 1 to 10 digits, no leading zero; 0 is never a process's id. */
    size_t first = at;
    while (at < cap && name[at] >= '0' && name[at] <= '9' && at - first < 10)
        p = p * 10 + (uint64_t)(name[at++] - '0');
    if (at == first || name[first] == '0' || p > UINT32_MAX)
        return 0;
    if (at >= cap || name[at++] != '-')
        return 0;
    for (int i = 0; i < 16; i++, at++) {
        if (at >= cap)
            return 0;
        char ch = name[at];
        uint64_t v;
        if (ch >= '0' && ch <= '9')
            v = (uint64_t)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            v = (uint64_t)(ch - 'a' + 10);
        else
            return 0;
        inst = inst << 4 | v;
    }
    if (at >= cap || name[at] != '\0')
        return 0;
    if (pid != NULL)
        *pid = (uint32_t)p;
    if (instance != NULL)
        *instance = inst;
    return 1;
}

int wst_pipe_name_widen(const char *name, uint16_t out[WST_PIPE_NAME_MAX])
{
    size_t n = 0;
    while (n < WST_PIPE_NAME_MAX && name[n] != '\0') {
        if ((unsigned char)name[n] > 0x7f)
            return 0;
        n++;
    }
    if (n == WST_PIPE_NAME_MAX)
        return 0;
    for (size_t i = 0; i <= n; i++)
        out[i] = (unsigned char)name[i];
    return 1;
}
