# embed.cmake - cmake -DIN=file -DOUT=file.c -DNAME=sym -P embed.cmake
# writes a C file defining sym[] (the bytes of IN, NUL-terminated) and
# sym_len, so a document ships inside the binary.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}
     "/* generated from ${IN} by embed.cmake: do not edit */\n"
     "#include <stddef.h>\n"
     "extern const unsigned char ${NAME}[];\n"
     "extern const size_t ${NAME}_len;\n"
     "const unsigned char ${NAME}[] = {${bytes} 0x00};\n"
     "const size_t ${NAME}_len = ${len};\n")
