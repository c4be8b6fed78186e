# megaport-webhooks: header-only, so one release configuration is enough and nothing is compiled.
set(VCPKG_BUILD_TYPE release)

# Where the sources come from. In this overlay port, by default, the checkout the port sits in
# (packaging/vcpkg/megaport-webhooks/ is three levels below the repository's root), so the port
# builds exactly the tree it ships with, without a network or a release tag. Set
# MEGAPORT_WEBHOOKS_SOURCE_PATH (for instance through VCPKG_ENV_PASSTHROUGH) to use another tree.
# A port for the public registry replaces this with vcpkg_from_github(OUT_SOURCE_PATH SOURCE_PATH
# REPO <owner>/megaport-webhooks REF "v${VERSION}" SHA512 <hash of that archive> HEAD_REF main).
if(DEFINED ENV{MEGAPORT_WEBHOOKS_SOURCE_PATH})
  set(SOURCE_PATH "$ENV{MEGAPORT_WEBHOOKS_SOURCE_PATH}")
else()
  get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
endif()
if(NOT EXISTS "${SOURCE_PATH}/include/megaport/webhooks/version.hpp")
  message(FATAL_ERROR "megaport-webhooks sources not found at ${SOURCE_PATH}")
endif()

# Each feature selects the CMake component of the same name; the parts not selected are not
# installed even when their dependencies happen to be in the vcpkg tree.
set(parts "")
foreach(feature IN ITEMS sqlite redis signature)
  if(feature IN_LIST FEATURES)
    list(APPEND parts "${feature}")
  endif()
endforeach()
if(parts STREQUAL "")
  set(parts "none")
endif()
list(JOIN parts "," parts)

# The Redis part finds hiredis through pkg-config.
set(pkgconfig_option "")
if("redis" IN_LIST FEATURES)
  vcpkg_find_acquire_program(PKGCONFIG)
  set(pkgconfig_option "-DPKG_CONFIG_EXECUTABLE=${PKGCONFIG}")
endif()

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DMEGAPORT_WEBHOOKS_BUILD_TESTS=OFF
    -DMEGAPORT_WEBHOOKS_BUILD_EXAMPLES=OFF
    "-DMEGAPORT_WEBHOOKS_INSTALL_PARTS=${parts}"
    ${pkgconfig_option}
  MAYBE_UNUSED_VARIABLES
    PKG_CONFIG_EXECUTABLE
)
vcpkg_cmake_install()

vcpkg_cmake_config_fixup(PACKAGE_NAME megaport-webhooks CONFIG_PATH share/cmake/megaport-webhooks)
vcpkg_fixup_pkgconfig()

# The install puts the license and changelog in share/doc/; vcpkg wants the copyright file.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc" "${CURRENT_PACKAGES_DIR}/lib"
  "${CURRENT_PACKAGES_DIR}/debug")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
