# The other half of check_porting_names.cmake: every name in the "What has no twin yet"
# section of docs/porting-from-pytorch.md must be absent from include/torchlet, so the list
# cannot claim a gap that was closed. Each `code span` of the section that is a name
# (`topk`, `torch.autograd.grad`, `nn.LSTM`, `x.stride()`) is turned into the spelling
# torchlet would use (the prefixes torch., nn., F., optim. dropped, x. read as tensor.,
# `.` -> `::`): the name N is present when the headers (comments and strings removed)
# declare or call it (`N(`, `N{`, `struct N`, `class N`, `using N`); for a qualified name
# Q::N only the headers of folder Q/ (and Q.hpp) count. Spans that are not names (`x[mask]`, `.to("cuda")`) are skipped.
# Run as: cmake -DSOURCE_DIR=<repo> -P check_no_twin_names.cmake
file(GLOB_RECURSE headers ${SOURCE_DIR}/include/torchlet/*.hpp)

file(READ ${SOURCE_DIR}/docs/porting-from-pytorch.md doc)
string(FIND "${doc}" "## What has no twin yet" start)
if(start EQUAL -1)
  message(FATAL_ERROR "docs/porting-from-pytorch.md has no section 'What has no twin yet'")
endif()
string(SUBSTRING "${doc}" ${start} -1 section)
string(SUBSTRING "${section}" 10 -1 rest)
string(FIND "${rest}" "\n## " next)
if(NOT next EQUAL -1)
  math(EXPR len "${next} + 10")
  string(SUBSTRING "${section}" 0 ${len} section)
endif()
string(REPLACE ";" "," section "${section}")
string(REGEX MATCHALL "`[^`]*`" spans "${section}")

# The headers' text without comments, all of them and per top folder.
set(all "")
foreach(h IN LISTS headers)
  file(READ ${h} text)
  string(REPLACE ";" " " text "${text}")
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  string(REGEX REPLACE "\"[^\"\n]*\"" "\"\"" text "${text}")  # string literals
  string(APPEND all " ${text} ")
  file(RELATIVE_PATH rel ${SOURCE_DIR}/include/torchlet ${h})
  string(REGEX REPLACE "[/.].*" "" folder "${rel}")
  string(APPEND text_${folder} " ${text} ")
endforeach()

set(checked "")
set(present "")
foreach(span IN LISTS spans)
  string(REGEX REPLACE "^`|`$" "" name "${span}")
  string(REGEX REPLACE "\\(\\)$" "" name "${name}")
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_.]*$")
    continue()
  endif()
  string(REGEX REPLACE "^x\\." "tensor." name "${name}")  # a tensor method
  string(REGEX REPLACE "^(torch\\.nn\\.functional\\.|torch\\.nn\\.|torch\\.|nn\\.|F\\.|optim\\.)" "" name "${name}")
  string(REGEX REPLACE "^(torch\\.|nn\\.|F\\.|x\\.)" "" name "${name}")
  string(REPLACE "." "::" name "${name}")
  set(where "${all}")
  if(name MATCHES "^([A-Za-z_0-9]+)::([A-Za-z_0-9]+)$")
    set(where "${text_${CMAKE_MATCH_1}}")
    set(short "${CMAKE_MATCH_2}")
  elseif(name MATCHES "::")
    continue()
  else()
    set(short "${name}")
  endif()
  list(APPEND checked "${name}")
  if(where MATCHES "[^A-Za-z0-9_.>:~]${short} *[({]" OR
     where MATCHES "(struct|class|using|concept) ${short}[^A-Za-z0-9_]")
    list(APPEND present "${name}")
  endif()
endforeach()
list(REMOVE_DUPLICATES checked)
list(LENGTH checked n)
if(present)
  list(REMOVE_DUPLICATES present)
  message(FATAL_ERROR "docs/porting-from-pytorch.md lists under 'What has no twin yet' what "
    "include/torchlet has: ${present} (move them into the tables)")
endif()
message("checked ${n} names of the 'no twin yet' list: none is in include/torchlet")
