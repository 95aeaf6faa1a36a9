/*
 * Mutant fn-key-only (tests only): the timed function hooks telling frames
 * apart by their stack address alone (src/runtime/function_hooks.c with
 * WST_FN_MATCH_ACTIVATION 0), as they did before inlined copies were
 * matched: the entry of an instrumented function inlined into an
 * instrumented caller then drops the caller's frame as abandoned.
 * scenarios.MUTANTS says which scenario must catch it.
 */
#define WST_FN_TIMED 1
#define WST_FN_MATCH_ACTIVATION 0
#include "../../src/runtime/function_hooks.c"
