# Warning and sanitizer flags shared by every target (see docs/build.md).
set(CS_WARNING_FLAGS
    -Wall -Wextra -Wshadow -Wvla -Wformat=2 -Wstrict-prototypes
    -Wmissing-prototypes -Wundef -Wpointer-arith -Wimplicit-fallthrough)
if(CS_WERROR)
    list(APPEND CS_WARNING_FLAGS -Werror)
endif()
add_compile_options(${CS_WARNING_FLAGS})
add_compile_definitions(_GNU_SOURCE)

if(CS_SANITIZE)
    string(REPLACE ";" "," _cs_san "${CS_SANITIZE}")
    add_compile_options(-fsanitize=${_cs_san} -fno-omit-frame-pointer
                        -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=${_cs_san})
endif()

# Stricter numeric warnings for models/, where silent narrowing changes
# results. Call on model targets only.
function(cs_model_warnings target)
    target_compile_options(${target} PRIVATE -Wconversion -Wdouble-promotion)
endfunction()

# Add every immediate subfolder of the current source dir that holds a
# CMakeLists.txt, so independent modules can be added without editing a
# shared list.
# CS_SKIP_SUBDIRS (cache, paths relative to the top) leaves modules out of
# a local build, e.g. one that is half-written in another work tree.
set(CS_SKIP_SUBDIRS "" CACHE STRING "subfolders cs_add_subdirs leaves out")
function(cs_add_subdirs)
    file(GLOB _children LIST_DIRECTORIES true
         RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
    list(SORT _children)
    foreach(_c IN LISTS _children)
        if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${_c}
           AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_c}/CMakeLists.txt)
            file(RELATIVE_PATH _rel ${PROJECT_SOURCE_DIR}
                 ${CMAKE_CURRENT_SOURCE_DIR}/${_c})
            if(_rel IN_LIST CS_SKIP_SUBDIRS)
                continue()
            endif()
            add_subdirectory(${_c})
        endif()
    endforeach()
endfunction()
