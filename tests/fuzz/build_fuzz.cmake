# build_fuzz.cmake - run by the CTest test fuzz_build (tests/fuzz/
# CMakeLists.txt): configures a clang build of the source tree SRC in BIN
# with ASan, UBSan and libFuzzer coverage instrumentation on every
# library, and builds only TARGETS there. Re-running reuses BIN, so only
# what changed is rebuilt.
foreach(_v SRC BIN CLANG GENERATOR TARGETS)
    if(NOT DEFINED ${_v})
        message(FATAL_ERROR "build_fuzz.cmake: -D${_v}=... missing")
    endif()
endforeach()
execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${BIN} -G ${GENERATOR}
            -DCMAKE_C_COMPILER=${CLANG} -DCMAKE_BUILD_TYPE=Debug
            -DCS_WERROR=ON "-DCS_SANITIZE=address;undefined"
            "-DCMAKE_C_FLAGS=-O1 -fsanitize=fuzzer-no-link"
            -DCS_FUZZ_SUBBUILD=ON
    RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "configuring the clang fuzz build in ${BIN} failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BIN} --target ${TARGETS}
                RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "building ${TARGETS} with clang failed")
endif()
