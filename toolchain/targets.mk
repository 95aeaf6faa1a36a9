# The cross toolchains, one per target architecture: mingw-w64's GCC and ar,
# as Debian's gcc-mingw-w64-x86-64 and gcc-mingw-w64-i686 install them
# (scripts/install-deps.sh). The architecture names are the ones used in
# build/<arch>/, in the zips' names and by wst-cc --wst-arch.
ARCHS := x86_64 i686

CC_x86_64 := x86_64-w64-mingw32-gcc
AR_x86_64 := x86_64-w64-mingw32-ar
# Every link adds $(LDFLAGS_WIN) (the Makefile's `link` recipe): libgcc
# statically, since i686 would otherwise import libgcc_s_dw2-1.dll.
CC_i686 := i686-w64-mingw32-gcc
AR_i686 := i686-w64-mingw32-ar

# The platform-free parsers also build for the machine itself (sanitizers,
# fuzzing).
CC_native := cc
