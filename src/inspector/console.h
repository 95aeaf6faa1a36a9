/*
 * The console's side of `watch`: whether stdout is a console, and blanking
 * it so that the next interval is drawn in place, as `top` does. Main
 * thread only.
 */
#ifndef WST_INSPECTOR_CONSOLE_H
#define WST_INSPECTOR_CONSOLE_H

#include <stdio.h>

/* 1 when stdout is a console (not a file or a pipe). */
int wst_console_out(void);

/* Flushes `out`, blanks the console window and puts the cursor at its
 * top-left corner. */
void wst_console_home(FILE *out);

#endif
