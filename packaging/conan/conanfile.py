"""Conan 2 recipe for megaport-webhooks, a header-only C++17 library.

Build it from this checkout (the recipe's sources are the repository it sits in):

    conan create packaging/conan -o "&:sqlite=True" -o "&:signature=True"

Each option selects the CMake component of the same name; CMakeDeps then gives consumers
find_package(megaport-webhooks CONFIG REQUIRED COMPONENTS ...) and megaport::webhooks_<part>.
"""

import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, rmdir
from conan.tools.gnu import PkgConfigDeps

required_conan_version = ">=2.0"

# Each option's part, the Conan references it pulls in, and the components of theirs it links.
PARTS = {
    "sqlite": {"requires": ["sqlite3/[>=3.35 <4]"], "links": ["sqlite3::sqlite3"]},
    "redis": {"requires": ["hiredis/[>=1.0 <2]"], "links": ["hiredis::hiredis"]},
    "signature": {"requires": ["openssl/[>=3 <4]"], "links": ["openssl::crypto"]},
}


class MegaportWebhooksConan(ConanFile):
    name = "megaport-webhooks"
    # Must equal include/megaport/webhooks/version.hpp: packaging/check-recipes.py checks it.
    version = "0.1.0"
    description = "Header-only C++17 library for receiving Megaport webhooks"
    license = "MIT"
    topics = ("webhooks", "megaport", "header-only", "simdjson")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"sqlite": [True, False], "redis": [True, False], "signature": [True, False]}
    default_options = {"sqlite": True, "redis": False, "signature": True}
    no_copy_source = True

    def _root(self):
        """The repository this recipe belongs to: packaging/conan/ is two levels below it."""
        return os.path.normpath(os.path.join(self.recipe_folder, "..", ".."))

    def export_sources(self):
        root = self._root()
        for pattern in ("CMakeLists.txt", "LICENSE", "CHANGELOG.md", "cmake/*", "include/*"):
            copy(self, pattern, root, self.export_sources_folder)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        self.requires("simdjson/[>=3 <4]")
        for part, spec in PARTS.items():
            if self.options.get_safe(part):
                for reference in spec["requires"]:
                    self.requires(reference)

    def build_requirements(self):
        if self.options.redis:
            self.tool_requires("pkgconf/[>=1.7 <3]")

    def package_id(self):
        # Headers only: no setting changes the package, the options do (they choose the parts).
        self.info.settings.clear()

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["MEGAPORT_WEBHOOKS_BUILD_TESTS"] = "OFF"
        toolchain.cache_variables["MEGAPORT_WEBHOOKS_BUILD_EXAMPLES"] = "OFF"
        toolchain.cache_variables["MEGAPORT_WEBHOOKS_INSTALL_PARTS"] = self._parts_value()
        toolchain.generate()
        CMakeDeps(self).generate()
        # The Redis part finds hiredis through pkg-config; CMakeToolchain puts the generators
        # folder, where these .pc files go, on PKG_CONFIG_PATH.
        if self.options.redis:
            PkgConfigDeps(self).generate()

    def _parts(self):
        return [part for part in PARTS if self.options.get_safe(part)]

    def _parts_value(self):
        return ",".join(self._parts()) or "none"

    def build(self):
        cmake = CMake(self)
        cmake.configure()

    def package(self):
        CMake(self).install()
        # Consumers get CMake and pkg-config files from Conan's generators, built from
        # package_info below; the library's own would name paths outside the package.
        rmdir(self, os.path.join(self.package_folder, "share", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "share", "pkgconfig"))
        rmdir(self, os.path.join(self.package_folder, "share", "doc"))
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "megaport-webhooks")
        self.cpp_info.set_property("cmake_target_name", "megaport::webhooks_all")
        self.cpp_info.set_property("pkg_config_name", "megaport-webhooks-all")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        core = self.cpp_info.components["webhooks"]
        core.set_property("cmake_target_name", "megaport::webhooks")
        core.set_property("pkg_config_name", "megaport-webhooks")
        core.requires = ["simdjson::simdjson"]
        core.bindirs = []
        core.libdirs = []

        for part in self._parts():
            component = self.cpp_info.components[part]
            component.set_property("cmake_target_name", f"megaport::webhooks_{part}")
            component.set_property("pkg_config_name", f"megaport-webhooks-{part}")
            component.requires = ["webhooks"] + PARTS[part]["links"]
            component.bindirs = []
            component.libdirs = []
            if part in ("sqlite", "redis") and self.settings.os in ("Linux", "FreeBSD"):
                component.system_libs = ["pthread"]
