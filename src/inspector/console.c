/*
 * See console.h. Win32 console calls, not escape sequences: a Windows
 * console before 10 and Wine's do not all read ANSI sequences.
 */
#include "console.h"

#include <windows.h>

int wst_console_out(void)
{
    DWORD mode;
    return GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) != 0;
}

void wst_console_home(FILE *out)
{
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
    CONSOLE_SCREEN_BUFFER_INFO info;
    fflush(out);
    if (!GetConsoleScreenBufferInfo(h, &info))
        return;
    COORD origin = {0, info.srWindow.Top};
    DWORD cells = (DWORD)info.dwSize.X * (DWORD)(info.dwSize.Y - info.srWindow.Top), written;
    FillConsoleOutputCharacterA(h, ' ', cells, origin, &written);
    FillConsoleOutputAttribute(h, info.wAttributes, cells, origin, &written);
    SetConsoleCursorPosition(h, origin);
}
