/*
 * wst_squatter.exe NAME: creates the named pipe NAME before its owner can,
 * prints "squatting" and holds it until stdin closes or a line arrives.
 * Deliberately not instrumented.
 */
#include <windows.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 2) {
        fprintf(stderr, "usage: wst_squatter PIPE\n");
        return 2;
    }
    HANDLE h = CreateNamedPipeA(argv[1], PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT,
                                PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        printf("squat-failed %lu\n", GetLastError());
        return 1;
    }
    printf("squatting\n");
    char line[16];
    fgets(line, sizeof line, stdin);
    CloseHandle(h);
    return 0;
}
