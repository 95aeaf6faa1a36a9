/*
 * Ctrl+C, Ctrl+Break and closing the console, for the verbs that run until
 * told to stop (watch, serve): the console handler only records the request
 * and signals an event; the verb notices at its next wait and returns
 * normally, so the inspector exits 0. The handler runs on a thread that
 * the system creates; it touches nothing but the flag and the event.
 */
#ifndef WST_INSPECTOR_INTERRUPT_H
#define WST_INSPECTOR_INTERRUPT_H

#include <windows.h>

/* Installs the handler (once). */
void wst_interrupt_install(void);

/* 1 once an interrupt arrived. */
int wst_interrupted(void);

/* Waits up to ms; 1 if an interrupt arrived meanwhile (or before). */
int wst_interrupt_wait(DWORD ms);

#endif
