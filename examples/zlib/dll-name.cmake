# Included by zlib's project() call (CMAKE_PROJECT_INCLUDE): CMake names a
# MinGW shared library lib<name>, so zlib's CMakeLists.txt would build
# libzlib1.dll. Upstream's Windows builds and every program linked against
# them call it zlib1.dll, which is also the name of Wine's builtin copy, so
# the example builds that name.
set(CMAKE_SHARED_LIBRARY_PREFIX "")
