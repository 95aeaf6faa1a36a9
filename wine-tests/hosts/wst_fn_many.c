/*
 * wst_fn_many.dll: 4,000 instrumented functions, more than a function table
 * takes (WST_FN_MAX_FUNCTIONS, include/winstrument/function_table.h), for
 * the functions-overflow scenario. many_call_all calls each once; the calls
 * of the functions that found no slot are counted as the table's overflow,
 * and every other function's count stays exact.
 */
#define API __declspec(dllexport)

#define F(n) __attribute__((noinline, noclone)) int many_##n(int x) { return x + n; }
#define F10(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define F100(p) F10(p##0) F10(p##1) F10(p##2) F10(p##3) F10(p##4) F10(p##5) F10(p##6) \
    F10(p##7) F10(p##8) F10(p##9)
#define F1000(p) F100(p##0) F100(p##1) F100(p##2) F100(p##3) F100(p##4) F100(p##5) F100(p##6) \
    F100(p##7) F100(p##8) F100(p##9)
F1000(1) F1000(2) F1000(3) F1000(4)

#define P(n) many_##n,
#define P10(p) P(p##0) P(p##1) P(p##2) P(p##3) P(p##4) P(p##5) P(p##6) P(p##7) P(p##8) P(p##9)
#define P100(p) P10(p##0) P10(p##1) P10(p##2) P10(p##3) P10(p##4) P10(p##5) P10(p##6) \
    P10(p##7) P10(p##8) P10(p##9)
#define P1000(p) P100(p##0) P100(p##1) P100(p##2) P100(p##3) P100(p##4) P100(p##5) P100(p##6) \
    P100(p##7) P100(p##8) P100(p##9)
static int (*const all[])(int) = {P1000(1) P1000(2) P1000(3) P1000(4)};

/* Calls each of the 4,000 once; returns how many it called. */
API __attribute__((noinline)) int many_call_all(void)
{
    volatile int sum = 0;
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sum += all[i]((int)i);
    return (int)(sizeof all / sizeof all[0]);
}
