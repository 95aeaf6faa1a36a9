/*
 * Mutant fn-no-repair (tests only): the timed function hooks without their
 * repairs by stack address (src/runtime/function_hooks.c with
 * WST_FN_REPAIR_BY_ADDRESS 0). Frames abandoned by longjmp out of recursion,
 * or by jumps in a loop that never returns, then stay on the shadow stack;
 * scenarios.MUTANTS says which scenario must catch it.
 */
#define WST_FN_TIMED 1
#define WST_FN_REPAIR_BY_ADDRESS 0
#include "../../src/runtime/function_hooks.c"
