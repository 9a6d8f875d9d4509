# embed_lua.cmake — run at build time (cmake -P) to turn src/lua/*.lua into
# one C source, so the daemon carries its scripts and never reads them from
# disk. A line "--@include lib/NAME.lua" is replaced by that file. The
# expanded scripts are also written to OUT_DIR, exactly as embedded, for the
# test that loads them into a real redis-server.
#
#   cmake -DLUA_DIR=src/lua -DOUT_C=store_scripts_lua.c -DOUT_DIR=lua -P this
cmake_minimum_required(VERSION 3.18)

file(GLOB scripts "${LUA_DIR}/*.lua")
list(SORT scripts)
file(GLOB stale "${OUT_DIR}/*.lua")
if(stale)
  file(REMOVE ${stale})
endif()
file(MAKE_DIRECTORY "${OUT_DIR}")
set(arrays "")
set(table "")
set(count 0)
foreach(path ${scripts})
  get_filename_component(name "${path}" NAME_WE)
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "${path}: a script name is lower case, digits and _")
  endif()
  file(READ "${path}" text)
  string(REGEX MATCHALL "--@include [^\n]+" incs "${text}")
  foreach(inc ${incs})
    string(REGEX REPLACE "^--@include " "" lib "${inc}")
    if(NOT EXISTS "${LUA_DIR}/${lib}")
      message(FATAL_ERROR "${path}: included file ${lib} does not exist")
    endif()
    file(READ "${LUA_DIR}/${lib}" libtext)
    string(REPLACE "${inc}\n" "${libtext}" text "${text}")
  endforeach()
  file(WRITE "${OUT_DIR}/${name}.lua.tmp" "${text}")
  file(SIZE "${OUT_DIR}/${name}.lua.tmp" len)
  file(READ "${OUT_DIR}/${name}.lua.tmp" hex HEX)
  file(RENAME "${OUT_DIR}/${name}.lua.tmp" "${OUT_DIR}/${name}.lua")
  # Every byte as a \x escape: no quoting rules to get wrong, and the
  # literal's own NUL ends the text.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" hex "${hex}")
  string(REPEAT "\\\\x.." 16 row)
  string(REGEX REPLACE "(${row})" "\\1\"\n\t\"" hex "${hex}")
  string(APPEND arrays "static const char lua_${name}[] =\n\t\"${hex}\";\n")
  string(APPEND table "\t{\"${name}\", lua_${name}, ${len}},\n")
  math(EXPR count "${count} + 1")
endforeach()

set(out "/* Generated from src/lua by cmake/embed_lua.cmake: do not edit. */\n")
string(APPEND out "#include \"store_scripts.h\"\n\n${arrays}\n")
string(APPEND out "const struct store_script_text store_script_texts[] = {\n${table}};\n")
string(APPEND out "const size_t store_script_text_count = ${count};\n")
# Rewrite only on change, so an unchanged tree does not recompile.
if(EXISTS "${OUT_C}")
  file(READ "${OUT_C}" old)
  if(old STREQUAL out)
    return()
  endif()
endif()
file(WRITE "${OUT_C}" "${out}")
