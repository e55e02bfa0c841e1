cmake_minimum_required(VERSION 3.25)
# The include graph of include/torchlet must follow the layer order of docs/architecture.md's
# diagram (its first line with arrows, `autograd/  ──►  tensor/  ──►  ...`): a header may include its own layer
# and the layers to its left, never one to its right. Below every layer ("base", rank 0):
# detail/, utils/ and the top-level headers that are not umbrellas (fwd.hpp, errors.hpp,
# version.hpp, parallel.hpp, backends.hpp); they may include only each other. Umbrella headers (torchlet.hpp,
# and X.hpp beside a folder X/: tensor.hpp, nn.hpp, ...) include their folder and nothing
# else, so they are not checked as includers; including one counts as including its folder
# (torchlet.hpp: everything). compiled.hpp (the compiled mode's lists) is above every layer:
# it may include any header, none may include it. A folder's subfolders (nn/functional/, data/detail/) belong to
# it. Fails naming every offending file and include.
# Run as: cmake -DSOURCE_DIR=<repo> -P check_layers.cmake
file(READ ${SOURCE_DIR}/docs/architecture.md doc)
string(REGEX MATCH "\n *[a-z_]+/ +──►[^\n]*" diagram "${doc}")
if(diagram STREQUAL "")
  message(FATAL_ERROR "docs/architecture.md has no diagram line `folder/  ──►  folder/ ...`")
endif()
string(STRIP "${diagram}" diagram)
# One rank per ──► step; names in one step share a rank.
string(REPLACE "──►" ";" steps "${diagram}")
set(rank 0)
set(layers "")
foreach(step IN LISTS steps)
  math(EXPR rank "${rank} + 1")
  string(REGEX MATCHALL "[a-z_]+/" names "${step}")
  if(names STREQUAL "")
    message(FATAL_ERROR "docs/architecture.md's diagram line has an empty step: ${diagram}")
  endif()
  foreach(name IN LISTS names)
    string(REPLACE "/" "" name "${name}")
    set(rank_of_${name} ${rank})
    list(APPEND layers ${name})
  endforeach()
endforeach()
set(top_rank ${rank})
foreach(base detail utils)
  set(rank_of_${base} 0)
endforeach()

set(root ${SOURCE_DIR}/include/torchlet)
# The layer rank of a header path relative to include/torchlet ("" if it is an umbrella).
function(layer_rank path out)
  if(path MATCHES "^([^/]+)/")
    set(folder ${CMAKE_MATCH_1})
    if(NOT DEFINED rank_of_${folder})
      message(FATAL_ERROR "include/torchlet/${folder}/ is in no layer of docs/architecture.md's "
        "diagram (${diagram}): add it there")
    endif()
    set(${out} ${rank_of_${folder}} PARENT_SCOPE)
  elseif(path STREQUAL "torchlet.hpp")
    set(${out} "umbrella:${top_rank}" PARENT_SCOPE)
  elseif(path STREQUAL "compiled.hpp")
    set(${out} ${top_rank} PARENT_SCOPE)  # names what it lists, from every layer
  else()
    string(REGEX REPLACE "\\.hpp$" "" stem "${path}")
    if(IS_DIRECTORY ${root}/${stem})
      if(NOT DEFINED rank_of_${stem})
        message(FATAL_ERROR "include/torchlet/${stem}/ is in no layer of docs/architecture.md's "
          "diagram (${diagram}): add it there")
      endif()
      set(${out} "umbrella:${rank_of_${stem}}" PARENT_SCOPE)
    else()
      set(${out} 0 PARENT_SCOPE)  # fwd.hpp, errors.hpp, version.hpp, parallel.hpp, backends.hpp
    endif()
  endif()
endfunction()

file(GLOB_RECURSE headers RELATIVE ${root} ${root}/*.hpp)
list(SORT headers)
set(bad "")
set(n 0)
foreach(h IN LISTS headers)
  layer_rank("${h}" from)
  if(from MATCHES "^umbrella:")
    continue()
  endif()
  math(EXPR n "${n} + 1")
  file(STRINGS ${root}/${h} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]torchlet/")
  foreach(line IN LISTS lines)
    string(REGEX MATCH "torchlet/([^\">]+)" _ "${line}")
    set(inc "${CMAKE_MATCH_1}")
    layer_rank("${inc}" to)
    string(REGEX REPLACE "^umbrella:" "" to "${to}")
    if(to GREATER from)
      list(APPEND bad "  include/torchlet/${h} (layer ${from}) includes torchlet/${inc} (layer ${to})")
    endif()
  endforeach()
endforeach()
list(JOIN layers " " layer_names)
if(bad)
  list(LENGTH bad nbad)
  list(JOIN bad "\n" bad_text)
  message(FATAL_ERROR "${nbad} include(s) go against the layer order of docs/architecture.md "
    "(0: detail/ utils/ fwd.hpp errors.hpp version.hpp parallel.hpp backends.hpp; then ${diagram}):\n"
    "${bad_text}")
endif()
message("include/torchlet: the includes of all ${n} headers follow docs/architecture.md's "
  "layers (${diagram})")
