# Installation: the headers, a CMake package (megaport-webhooks, with one component per optional
# part) and pkg-config files. Included by the top-level CMakeLists.txt after every part is defined,
# when MEGAPORT_WEBHOOKS_INSTALL is on (the default only when this is the top-level project).
#
# The library is header-only, so everything goes to architecture-independent places:
# include/, share/cmake/megaport-webhooks/ and share/pkgconfig/.

include(CMakePackageConfigHelpers)

set(MEGAPORT_WEBHOOKS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/megaport-webhooks"
  CACHE STRING "Where the CMake package files go, relative to the prefix")
set(MEGAPORT_WEBHOOKS_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
  CACHE STRING "Where the pkg-config files go, relative to the prefix")
set(MEGAPORT_WEBHOOKS_INSTALL_PARTS "auto" CACHE STRING
  "Optional parts to install: auto (every part whose dependencies were found), none, or a list \
such as sqlite,redis,signature (each must have been found)")

# The parts asked for, or every known part in "auto" mode.
string(REPLACE "," ";" _mw_wanted_parts "${MEGAPORT_WEBHOOKS_INSTALL_PARTS}")
if(_mw_wanted_parts STREQUAL "none")
  set(_mw_wanted_parts "")
endif()
set(_mw_known_parts "")
set(_mw_installed_parts "")
set(_mw_config_parts "")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/megaport" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.hpp")

install(TARGETS megaport_webhooks EXPORT megaport-webhooks-targets)
install(EXPORT megaport-webhooks-targets NAMESPACE megaport::
  FILE megaport-webhooks-targets.cmake DESTINATION "${MEGAPORT_WEBHOOKS_INSTALL_CMAKEDIR}")

# The pkg-config files find the prefix from their own place, so that the prefix can be moved.
set(_mw_pc_dir "${CMAKE_INSTALL_PREFIX}/${MEGAPORT_WEBHOOKS_INSTALL_PKGCONFIGDIR}")
set(_mw_pc_prefix "${CMAKE_INSTALL_PREFIX}")
if(NOT IS_ABSOLUTE "${MEGAPORT_WEBHOOKS_INSTALL_PKGCONFIGDIR}"
   AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  file(RELATIVE_PATH _mw_pc_up "${_mw_pc_dir}" "${CMAKE_INSTALL_PREFIX}")
  string(REGEX REPLACE "/$" "" _mw_pc_up "${_mw_pc_up}")
  set(_mw_pc_prefix "\${pcfiledir}/${_mw_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(_mw_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(_mw_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

# Writes and installs one pkg-config file, NAME.pc.
function(_megaport_webhooks_pc name description requires libs)
  set(text "prefix=${_mw_pc_prefix}\nincludedir=${_mw_pc_includedir}\n\n")
  string(APPEND text "Name: ${name}\nDescription: ${description}\n")
  string(APPEND text "Version: ${PROJECT_VERSION}\nRequires: ${requires}\n")
  string(APPEND text "Cflags: -I\${includedir}\n")
  if(NOT libs STREQUAL "")
    string(APPEND text "Libs: ${libs}\n")
  endif()

  set(file "${PROJECT_BINARY_DIR}/megaport-webhooks-install/${name}.pc")
  file(WRITE "${file}" "${text}")
  install(FILES "${file}" DESTINATION "${MEGAPORT_WEBHOOKS_INSTALL_PKGCONFIGDIR}")
endfunction()

_megaport_webhooks_pc(megaport-webhooks "${PROJECT_DESCRIPTION}" "simdjson" "")

# Installs the optional part NAME (target megaport_webhooks_NAME) when it is wanted and exists.
#   FIND args...        a find_package call the installed config makes first (one per FIND)
#   PKG_CONFIG p mod... a pkg_check_modules(p IMPORTED_TARGET mod...) call it makes
#   PC_REQUIRES, PC_LIBS  what megaport-webhooks-NAME.pc adds (no .pc without PC_REQUIRES)
function(megaport_webhooks_install_part name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "PC_REQUIRES;PC_LIBS" "FIND;PKG_CONFIG")
  set(_mw_known_parts ${_mw_known_parts} ${name} PARENT_SCOPE)

  list(FIND _mw_wanted_parts "${name}" wanted)
  if(MEGAPORT_WEBHOOKS_INSTALL_PARTS STREQUAL "auto")
    if(NOT TARGET megaport_webhooks_${name})
      return()
    endif()
  elseif(wanted EQUAL -1)
    return()
  elseif(NOT TARGET megaport_webhooks_${name})
    message(FATAL_ERROR "megaport-webhooks: MEGAPORT_WEBHOOKS_INSTALL_PARTS asks for \"${name}\", "
      "but that part was not defined (its dependencies were not found; see the messages above)")
  endif()

  install(TARGETS megaport_webhooks_${name} EXPORT megaport-webhooks-${name}-targets)
  install(EXPORT megaport-webhooks-${name}-targets NAMESPACE megaport::
    FILE megaport-webhooks-${name}-targets.cmake
    DESTINATION "${MEGAPORT_WEBHOOKS_INSTALL_CMAKEDIR}")

  # The config's block for this part: find what it links, then load its target.
  set(code "_megaport_webhooks_part_begin(${name})\n")
  foreach(call IN LISTS arg_FIND)
    string(APPEND code "_megaport_webhooks_part_find(${call})\n")
  endforeach()
  if(arg_PKG_CONFIG)
    list(JOIN arg_PKG_CONFIG " " call)
    string(APPEND code "_megaport_webhooks_part_pkg_config(${call})\n")
  endif()
  string(APPEND code "_megaport_webhooks_part_end()\n")
  set(_mw_config_parts "${_mw_config_parts}${code}" PARENT_SCOPE)
  set(_mw_installed_parts ${_mw_installed_parts} ${name} PARENT_SCOPE)

  if(DEFINED arg_PC_REQUIRES)
    _megaport_webhooks_pc(megaport-webhooks-${name} "${PROJECT_DESCRIPTION}: the ${name} part"
      "megaport-webhooks ${arg_PC_REQUIRES}" "${arg_PC_LIBS}")
  endif()
endfunction()

# Every optional part the package knows, with what its installed config must find. The names
# are the CMake components (and the vcpkg features and Conan options that select them).
megaport_webhooks_install_part(sqlite FIND Threads SQLite3
  PC_REQUIRES "sqlite3" PC_LIBS "-pthread")
megaport_webhooks_install_part(redis FIND Threads
  PKG_CONFIG MEGAPORT_WEBHOOKS_HIREDIS hiredis
  PC_REQUIRES "hiredis" PC_LIBS "-pthread")
megaport_webhooks_install_part(signature FIND "OpenSSL 3 COMPONENTS Crypto"
  PC_REQUIRES "libcrypto >= 3")
megaport_webhooks_install_part(beast FIND "Boost 1.70" Threads)
megaport_webhooks_install_part(pistache FIND Threads
  PKG_CONFIG MEGAPORT_WEBHOOKS_PISTACHE libpistache
  PC_REQUIRES "libpistache" PC_LIBS "-pthread")
megaport_webhooks_install_part(restinio FIND fmt restinio Threads)
# CivetWeb and RESTinio's http-parser are linked by the full paths found at configure time.
megaport_webhooks_install_part(civetweb FIND Threads)

# A name asked for that no part has is a typo: say so rather than install less than asked.
foreach(part IN LISTS _mw_wanted_parts)
  list(FIND _mw_known_parts "${part}" known)
  if(known EQUAL -1 AND NOT part STREQUAL "auto")
    message(FATAL_ERROR "megaport-webhooks: MEGAPORT_WEBHOOKS_INSTALL_PARTS names \"${part}\", "
      "which is not a part; the parts are: ${_mw_known_parts}")
  endif()
endforeach()

# A part defined in cmake/parts/ but missing from the list above would silently not install.
get_property(_mw_targets DIRECTORY "${PROJECT_SOURCE_DIR}" PROPERTY BUILDSYSTEM_TARGETS)
foreach(target IN LISTS _mw_targets)
  if(target MATCHES "^megaport_webhooks_(.+)$" AND NOT target STREQUAL
     "megaport_webhooks_project_flags")
    list(FIND _mw_known_parts "${CMAKE_MATCH_1}" known)
    if(known EQUAL -1)
      message(WARNING "megaport-webhooks: the part \"${CMAKE_MATCH_1}\" is not installed: "
        "cmake/install.cmake does not know what its config must find")
    endif()
  endif()
endforeach()

string(REPLACE ";" " " _mw_parts_text "${_mw_installed_parts}")
message(STATUS "megaport-webhooks: installing the core and: ${_mw_parts_text}")

set(MEGAPORT_WEBHOOKS_INSTALLED_PARTS "${_mw_installed_parts}")
set(MEGAPORT_WEBHOOKS_CONFIG_PARTS "${_mw_config_parts}")
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/megaport-webhooksConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/megaport-webhooks-install/megaport-webhooksConfig.cmake"
  INSTALL_DESTINATION "${MEGAPORT_WEBHOOKS_INSTALL_CMAKEDIR}")

# Before 1.0 a minor version may break the API (semantic versioning), so 0.1 accepts only 0.1.x.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_mw_compatibility SameMinorVersion)
else()
  set(_mw_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/megaport-webhooks-install/megaport-webhooksConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY ${_mw_compatibility} ARCH_INDEPENDENT)

install(FILES
  "${PROJECT_BINARY_DIR}/megaport-webhooks-install/megaport-webhooksConfig.cmake"
  "${PROJECT_BINARY_DIR}/megaport-webhooks-install/megaport-webhooksConfigVersion.cmake"
  DESTINATION "${MEGAPORT_WEBHOOKS_INSTALL_CMAKEDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" "${PROJECT_SOURCE_DIR}/CHANGELOG.md"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/megaport-webhooks")
