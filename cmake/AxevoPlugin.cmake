# axevo_add_multiplier_plugin(NAME SOURCES file.c [file.cpp ...] [LIBRARIES lib ...])
#
# Builds a multiplier-library plugin: a MODULE shared object named axevo_<NAME>.so
# that exports the C entry points declared in <axevo/plugin_abi.h>.  Works inside the
# axevo tree and out of it (include() this file from your own CMakeLists.txt): the
# plugin only needs the C header, not the axevo libraries.
get_filename_component(_AXEVO_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

function(axevo_add_plugin NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "axevo_add_plugin(${NAME}): no SOURCES given")
  endif()
  add_library(${NAME} MODULE ${ARG_SOURCES})
  target_include_directories(${NAME} PRIVATE "${_AXEVO_SOURCE_ROOT}/core/include")
  if(ARG_LIBRARIES)
    target_link_libraries(${NAME} PRIVATE ${ARG_LIBRARIES})
  endif()
  if(DEFINED AXEVO_PLUGIN_OUTPUT_DIR)
    set(_out "${AXEVO_PLUGIN_OUTPUT_DIR}")
  else()
    set(_out "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set_target_properties(${NAME} PROPERTIES
    PREFIX "" OUTPUT_NAME "axevo_${NAME}"
    LIBRARY_OUTPUT_DIRECTORY "${_out}"
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  set_property(GLOBAL APPEND PROPERTY AXEVO_PLUGIN_TARGETS ${NAME})
endfunction()

function(axevo_add_multiplier_plugin NAME)
  axevo_add_plugin(${NAME} ${ARGN})
endfunction()
