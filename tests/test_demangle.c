/*
 * src/inspector/demangle.c: ordinary C++ names demangle exactly as
 * __cxa_demangle demangles them, and names whose output explodes (nested
 * template back references, issue 23 F1) come back promptly as the marked
 * mangled name, with the demangler's output held under its bound.
 *
 * Before the bound, the 26-level name took 6.4 s and 532 MB under Wine and
 * the 40-level one did not finish in 45 s (4 GB), so the hostile cases here
 * time out or fail their checks against an unbounded wrapper.
 *
 * Runs on the test thread only.
 */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demangle.h"

/* libsupc++: the unbounded reference, called here only on names whose output
 * is known to be small. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *length, int *status);

/* A test must not pass by luck of a fast machine, nor fail on a loaded one:
 * the bound checked exactly is the output printed; this wall-clock limit is
 * only a backstop, 1000 times what the bounded wrapper takes. */
#define PROMPT_SECONDS 2.0
/* The demangler hands its output over in chunks of up to 255 bytes, so it may
 * print one chunk past the bound before it is stopped. */
#define PRINTED_MAX (WST_DEMANGLE_OUT_MAX + 256)

static const struct {
    const char *mangled, *demangled;
} ordinary[] = {
    {"_Z3fooi", "foo(int)"},
    {"_ZL11cxx_throweri", "cxx_thrower(int)"},
    {"_ZN2ns3barEv", "ns::bar()"},
    {"_Z3maxIiET_S0_S0_", "int max<int>(int, int)"},
    {"_ZN2ns5inner4funcIJicEEEvDpT_", "void ns::inner::func<int, char>(int, char)"},
    {"_ZN3FooplERKS_", "Foo::operator+(Foo const&)"},
    {"_ZN3FooixEi", "Foo::operator[](int)"},
    {"_ZNK3FoocvbEv", "Foo::operator bool() const"},
    {"_Znwy", "operator new(unsigned long long)"},
    {"_ZdlPv", "operator delete(void*)"},
    {"_ZN3FooC2Ev", "Foo::Foo()"},
    {"_ZN3FooD0Ev", "Foo::~Foo()"},
    {"_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const"},
    {"_ZTV3Foo", "vtable for Foo"},
    {"_ZNSt6vectorIiSaIiEE9push_backERKi",
     "std::vector<int, std::allocator<int> >::push_back(int const&)"},
    {"_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4sizeEv",
     "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::size() "
     "const"},
    /* Pack expansions with back references, under the bound (8 and 0). */
    {"_ZSt11make_sharedI3FooJiEESt10shared_ptrIT_EDpOT0_",
     "std::shared_ptr<Foo> std::make_shared<Foo, int>(int&&)"},
    {"_ZNSt8_Rb_treeIiSt4pairIKiiESt10_Select1stIS2_ESt4lessIiESaIS2_EE17_M_emplace_uniqueIJS0_IiiE"
     "EEES0_ISt17_Rb_tree_iteratorIS2_EbEDpOT_",
     NULL},
    {"_ZSt4endlIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_",
     "std::basic_ostream<char, std::char_traits<char> >& std::endl<char, std::char_traits<char> "
     ">(std::basic_ostream<char, std::char_traits<char> >&)"},
};

static double now(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

/* The substitution naming candidate i: S_, S0_, ..., S9_, SA_, ..., SZ_, S10_. */
static void put_sub(char *s, size_t i)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char tmp[16];
    size_t n = 0;
    strcat(s, "S");
    if (i > 0) {
        i--;
        do {
            tmp[n++] = digits[i % 36];
            i /= 36;
        } while (i != 0);
        while (n > 0) {
            size_t len = strlen(s);
            s[len] = tmp[--n];
            s[len + 1] = '\0';
        }
    }
    strcat(s, "_");
}

/* The issue's name: f(A<A<A<...A<A, A>..., S1_>, S2_>), each level a template
 * whose second argument is a back reference to its first, so the output
 * doubles at each level: _Z1f1AIS_IS_IS_IS_S_ES0_ES1_ES2_E for 4 levels (159
 * bytes for 22 levels, 187 for 26, 288 for 40). */
static char *nested_name(size_t levels)
{
    char *s = malloc(16 + levels * 12);
    assert_non_null(s);
    strcpy(s, "_Z1f1AI");
    for (size_t j = 1; j < levels; j++)
        strcat(s, "S_I");
    strcat(s, "S_");
    for (size_t j = 1; j < levels; j++) {
        put_sub(s, j > 1 ? j - 1 : 0);
        strcat(s, "E");
    }
    put_sub(s, levels - 1);
    strcat(s, "E");
    return s;
}

static void ordinary_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ordinary / sizeof ordinary[0]; i++) {
        char out[1024];
        size_t printed = 0;
        assert_int_equal(wst_demangle_measured(ordinary[i].mangled, out, sizeof out, &printed),
                         WST_DEMANGLE_OK);
        if (ordinary[i].demangled != NULL)
            assert_string_equal(out, ordinary[i].demangled);
        assert_int_equal(printed, strlen(out));
        /* And exactly what the unbounded demangler says, as before. */
        int status = -1;
        char *ref = __cxa_demangle(ordinary[i].mangled, NULL, NULL, &status);
        assert_int_equal(status, 0);
        assert_string_equal(out, ref);
        free(ref);
    }
}

static void not_demangled(void **state)
{
    (void)state;
    static const char *names[] = {"main", "foo", "_Z", "_Zbad", "_Z3foo@", "Z3fooi", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char out[64];
        memset(out, 'x', sizeof out);
        assert_int_equal(wst_demangle(names[i], out, sizeof out), WST_DEMANGLE_NONE);
        assert_string_equal(out, "");
    }
    char one = 'x';
    assert_int_equal(wst_demangle("_Z3fooi", &one, 0), WST_DEMANGLE_NONE);
    assert_int_equal(one, 'x');
}

static void cut_to_fit(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(wst_demangle("_ZN2ns3barEv", out, sizeof out), WST_DEMANGLE_OK);
    assert_string_equal(out, "ns::bar");
}

static void check_refused(const char *name, const char *mark, size_t size)
{
    char *out = malloc(size);
    assert_non_null(out);
    size_t printed = 0;
    double t0 = now();
    assert_int_equal(wst_demangle_measured(name, out, size, &printed), WST_DEMANGLE_REFUSED);
    double took = now() - t0;
    assert_true(took < PROMPT_SECONDS);
    assert_in_range(printed, 0, PRINTED_MAX);
    /* The mark is always whole, after as much of the name as fits. */
    size_t m = strlen(mark), n = strlen(out);
    assert_true(n >= m && n < size);
    assert_string_equal(out + n - m, mark);
    assert_memory_equal(out, name, n - m);
    if (strlen(name) + m < size)
        assert_int_equal(n - m, strlen(name));
    free(out);
}

static void hostile_levels(void **state)
{
    (void)state;
    static const size_t levels[] = {22, 26, 40, 100};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        char *name = nested_name(levels[i]);
        print_message("%u levels, %u bytes\n", (unsigned)levels[i], (unsigned)strlen(name));
        check_refused(name, WST_DEMANGLE_MARK_OUT, 1024);
        /* A buffer smaller than the name still keeps the mark whole. */
        check_refused(name, WST_DEMANGLE_MARK_OUT, strlen(WST_DEMANGLE_MARK_OUT) + 10);
        /* The verbs' entry point gives the same marked fallback. */
        char out[1024];
        assert_int_equal(wst_demangle(name, out, sizeof out), WST_DEMANGLE_REFUSED);
        free(name);
    }
    /* Too small for the mark: nothing is shown rather than a cut mark. */
    char *name = nested_name(26);
    char small[8];
    assert_int_equal(wst_demangle(name, small, sizeof small), WST_DEMANGLE_NONE);
    assert_string_equal(small, "");
    free(name);
}

/* The same nesting with its outermost argument list a pack expansion ("Dp"):
 * the demangler searches the whole pattern for a pack before printing a
 * byte, so the output bound cannot stop it (40 levels take hours). Refused
 * from the count of back references, without running the demangler. */
static char *pack_name(size_t levels)
{
    char *s = nested_name(levels);
    size_t n = strlen(s);
    char *p = malloc(n + 3);
    assert_non_null(p);
    /* "_Z1f1AI" then "Dp" then the rest. */
    memcpy(p, s, 7);
    memcpy(p + 7, "Dp", 2);
    memcpy(p + 9, s + 7, n - 7 + 1);
    free(s);
    return p;
}

static void hostile_pack_expansion(void **state)
{
    (void)state;
    static const size_t levels[] = {22, 26, 40, 100};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        char *name = pack_name(levels[i]);
        size_t printed = 1;
        char out[1024];
        assert_int_equal(wst_demangle_measured(name, out, sizeof out, &printed),
                         WST_DEMANGLE_REFUSED);
        assert_int_equal(printed, 0);
        check_refused(name, WST_DEMANGLE_MARK_REFS, sizeof out);
        free(name);
    }
    /* Few levels: under the bound, demangled exactly. */
    char *name = pack_name(4);
    char out[1024];
    int status = -1;
    char *ref = __cxa_demangle(name, NULL, NULL, &status);
    assert_int_equal(status, 0);
    assert_int_equal(wst_demangle(name, out, sizeof out), WST_DEMANGLE_OK);
    assert_string_equal(out, ref);
    free(ref);
    free(name);
}

/* The bound sits between two levels: 13 levels print about 53 KB, which is
 * shown (cut to the buffer) exactly as __cxa_demangle would; 14 print about
 * 106 KB, past WST_DEMANGLE_OUT_MAX, and are refused. */
static void bound_is_exact(void **state)
{
    (void)state;
    for (size_t levels = 13; levels <= 14; levels++) {
        char *name = nested_name(levels);
        int status = -1;
        char *ref = __cxa_demangle(name, NULL, NULL, &status);
        assert_int_equal(status, 0);
        size_t full = strlen(ref);
        char out[1024];
        size_t printed = 0;
        enum wst_demangle_result r = wst_demangle_measured(name, out, sizeof out, &printed);
        if (full <= WST_DEMANGLE_OUT_MAX) {
            assert_int_equal(levels, 13);
            assert_int_equal(r, WST_DEMANGLE_OK);
            assert_int_equal(printed, full);
            assert_memory_equal(out, ref, sizeof out - 1);
            assert_int_equal(strlen(out), sizeof out - 1);
        } else {
            assert_int_equal(levels, 14);
            assert_int_equal(r, WST_DEMANGLE_REFUSED);
            assert_in_range(printed, WST_DEMANGLE_OUT_MAX + 1, PRINTED_MAX);
        }
        free(ref);
        free(name);
    }
}

/* A name over WST_DEMANGLE_NAME_MAX never reaches the demangler, even one
 * that would demangle (a long identifier); one at the bound does. */
static void long_name(void **state)
{
    (void)state;
    char name[WST_DEMANGLE_NAME_MAX + 16], out[2048];
    for (size_t extra = 0; extra <= 1; extra++) {
        /* "_Z1018bbb...": 6 bytes of prefix, then the identifier. */
        size_t id = WST_DEMANGLE_NAME_MAX - 6 + extra;
        int k = snprintf(name, 16, "_Z%u", (unsigned)id);
        assert_int_equal(k, 6);
        memset(name + k, 'b', id);
        name[k + id] = '\0';
        assert_int_equal(strlen(name), WST_DEMANGLE_NAME_MAX + extra);
        size_t printed = 1;
        enum wst_demangle_result r = wst_demangle_measured(name, out, sizeof out, &printed);
        if (extra == 0) {
            assert_int_equal(r, WST_DEMANGLE_OK);
            assert_int_equal(printed, id);
            assert_memory_equal(out, name + k, id);
        } else {
            assert_int_equal(r, WST_DEMANGLE_REFUSED);
            assert_int_equal(printed, 0);
            check_refused(name, WST_DEMANGLE_MARK_NAME, sizeof out);
            check_refused(name, WST_DEMANGLE_MARK_NAME, 1024);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ordinary_names), cmocka_unit_test(not_demangled),
        cmocka_unit_test(cut_to_fit),     cmocka_unit_test(hostile_levels),
        cmocka_unit_test(bound_is_exact), cmocka_unit_test(long_name),
        cmocka_unit_test(hostile_pack_expansion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
