# The cross toolchains, one per target architecture: mingw-w64's GCC and ar,
# as Debian's gcc-mingw-w64-x86-64 and gcc-mingw-w64-i686 install them
# (scripts/install-deps.sh). The architecture names are the ones used in
# build/<arch>/, in the zips' names and by wst-cc --wst-arch.
ARCHS := x86_64 i686

CC_x86_64 := x86_64-w64-mingw32-gcc
AR_x86_64 := x86_64-w64-mingw32-ar
# -static-libgcc: Debian 13's mingw-w64 GCC 14 links i686 programs and DLLs
# against libgcc's DLL (libgcc_s_dw2-1.dll), which is on no target's path, so
# LoadLibrary fails with 126 (docs/platforms.md); x86_64 links libgcc
# statically already. A link option: compile lines ignore it.
CC_i686 := i686-w64-mingw32-gcc -static-libgcc
AR_i686 := i686-w64-mingw32-ar

# The platform-free parsers also build for the machine itself (sanitizers,
# fuzzing).
CC_native := cc
