#!/usr/bin/env python3
"""Checks the vcpkg port and the Conan recipe against the CMake side, without vcpkg or Conan.

- Both manifests parse: vcpkg.json as JSON, conanfile.py with Python's ast (Conan is never
  imported, so this runs where Conan is not installed).
- Their versions equal the one in include/megaport/webhooks/version.hpp.
- The vcpkg features and the Conan options are the same set, and each is a component that
  cmake/install.cmake installs; each pulls in the packages that component's config finds.
- The CMake options the recipes pass are options the project declares, with the values the
  install tests (tests/packaging/packaging_test.py) exercise, and the parts lists they build
  are the ones those tests install with.
- The port makes the calls a CMake port needs, with the package name and config path the
  install really uses; the Conan recipe names the same package and targets.

Prints each problem and exits 1 if there is any.
"""

import argparse
import ast
import json
import re
import sys
from pathlib import Path

# What each CMake dependency of a part is called in each package manager.
DEPENDENCY_NAMES = {
    "SQLite3": {"vcpkg": "sqlite3", "conan": "sqlite3"},
    "hiredis": {"vcpkg": "hiredis", "conan": "hiredis"},
    "OpenSSL": {"vcpkg": "openssl", "conan": "openssl"},
}

# Dependencies every toolchain has (thread library) or that are tools (pkg-config itself).
IGNORED_DEPENDENCIES = {"Threads", "PkgConfig"}

# The parts the recipes offer; the framework adapters are for CMake users for now.
RECIPE_PARTS = {"sqlite", "redis", "signature"}

problems = []


def problem(text):
    problems.append(text)
    print("problem: " + text)


def project_version(root):
    text = (root / "include/megaport/webhooks/version.hpp").read_text()
    numbers = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        found = re.search(rf"#define MEGAPORT_WEBHOOKS_VERSION_{part} (\d+)", text)
        if not found:
            problem(f"version.hpp has no MEGAPORT_WEBHOOKS_VERSION_{part}")
            return "?"
        numbers.append(found.group(1))
    return ".".join(numbers)


def cmake_components(root):
    """Each part cmake/install.cmake knows, with the packages its config finds."""
    text = (root / "cmake/install.cmake").read_text()
    parts = {}
    for found in re.finditer(r"^megaport_webhooks_install_part\((\w+)(.*?)\)\s*$", text,
                             re.MULTILINE | re.DOTALL):
        name, body = found.group(1), found.group(2)
        packages = set()
        finds = re.search(r"FIND(.*?)(?:PKG_CONFIG|PC_REQUIRES|PC_LIBS|$)", body, re.DOTALL)
        if finds:
            for item in re.findall(r'"([^"]+)"|(\S+)', finds.group(1)):
                packages.add((item[0] or item[1]).split()[0])
        modules = re.search(r"PKG_CONFIG\s+\w+\s+([^\n]+)", body)
        if modules:
            packages.update(modules.group(1).split())
        parts[name] = packages - IGNORED_DEPENDENCIES
    if not parts:
        problem("cmake/install.cmake declares no megaport_webhooks_install_part")
    return parts


def cmake_options(root):
    """Every option() or cache variable the project declares."""
    names = set()
    for path in [root / "CMakeLists.txt", *sorted((root / "cmake").rglob("*.cmake"))]:
        text = path.read_text()
        names.update(re.findall(r"option\((MEGAPORT_WEBHOOKS_\w+)", text))
        names.update(re.findall(r"set\((MEGAPORT_WEBHOOKS_\w+)[^)]*\bCACHE\b", text, re.DOTALL))
    return names


def test_settings(root):
    """INSTALL_OPTIONS and INSTALL_PARTS of the install tests, read without running them."""
    tree = ast.parse((root / "tests/packaging/packaging_test.py").read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("INSTALL_OPTIONS", "INSTALL_PARTS"):
                found[target.id] = ast.literal_eval(node.value)
    for name in ("INSTALL_OPTIONS", "INSTALL_PARTS"):
        if name not in found:
            problem(f"tests/packaging/packaging_test.py has no {name}")
            found[name] = {}
    return found["INSTALL_OPTIONS"], found["INSTALL_PARTS"]


def check_options(who, passed, declared, install_options, install_parts):
    """The -D options a recipe passes against the declared options and the tested ones."""
    for key, value in passed.items():
        if not key.startswith("MEGAPORT_WEBHOOKS_"):
            continue
        if key not in declared:
            problem(f"{who} sets {key}, which the project does not declare")
        elif key == "MEGAPORT_WEBHOOKS_INSTALL_PARTS":
            continue
        elif key not in install_options:
            problem(f"{who} sets {key}, which the install tests do not exercise")
        elif str(value).upper() != install_options[key].upper():
            problem(f"{who} sets {key}={value}, the install tests use {install_options[key]}")
    for key, value in install_options.items():
        if key not in passed:
            problem(f"{who} does not set {key} (the install tests set it to {value})")
    if "MEGAPORT_WEBHOOKS_INSTALL_PARTS" not in passed:
        problem(f"{who} does not choose its parts with MEGAPORT_WEBHOOKS_INSTALL_PARTS")


def check_parts_lists(who, order, install_parts):
    """All features on and all off give exactly the values the install tests install with."""
    everything = ",".join(order)
    if everything != install_parts.get("full"):
        problem(f"{who} with every part gives MEGAPORT_WEBHOOKS_INSTALL_PARTS={everything}, "
                f"the install tests install {install_parts.get('full')}")
    if install_parts.get("core") != "none":
        problem("the install tests do not install a copy without parts (\"none\")")


def check_vcpkg(root, version, components, declared, install_options, install_parts):
    port = root / "packaging/vcpkg/megaport-webhooks"
    try:
        manifest = json.loads((port / "vcpkg.json").read_text())
    except (OSError, ValueError) as failure:
        problem(f"vcpkg.json does not parse: {failure}")
        return set()

    if manifest.get("name") != "megaport-webhooks":
        problem(f"vcpkg.json names the port {manifest.get('name')!r}")
    got = manifest.get("version-semver") or manifest.get("version")
    if got != version:
        problem(f"vcpkg.json version {got}, version.hpp {version}")

    def names(dependencies):
        return {d if isinstance(d, str) else d.get("name") for d in dependencies}

    if "simdjson" not in names(manifest.get("dependencies", [])):
        problem("vcpkg.json does not depend on simdjson")

    features = manifest.get("features", {})
    for feature, spec in features.items():
        if feature not in components:
            problem(f"vcpkg feature {feature} is not a component of cmake/install.cmake")
            continue
        ports = names(spec.get("dependencies", []))
        for package in components[feature]:
            wanted = DEPENDENCY_NAMES.get(package, {}).get("vcpkg")
            if wanted is None:
                problem(f"no vcpkg name known for {package} (component {feature})")
            elif wanted not in ports:
                problem(f"vcpkg feature {feature} does not pull in {wanted} (for {package})")

    portfile = (port / "portfile.cmake").read_text()
    for call in ("vcpkg_cmake_configure", "vcpkg_cmake_install", "vcpkg_cmake_config_fixup",
                 "vcpkg_fixup_pkgconfig", "vcpkg_install_copyright"):
        if not re.search(rf"^\s*{call}\(", portfile, re.MULTILINE):
            problem(f"portfile.cmake does not call {call}")

    fixup = re.search(r"vcpkg_cmake_config_fixup\(([^)]*)\)", portfile)
    install = (root / "cmake/install.cmake").read_text()
    cmakedir = re.search(r'set\(MEGAPORT_WEBHOOKS_INSTALL_CMAKEDIR "([^"]+)"', install)
    if fixup and cmakedir:
        expected = cmakedir.group(1).replace("${CMAKE_INSTALL_DATADIR}", "share")
        if not re.search(r"PACKAGE_NAME\s+megaport-webhooks\b", fixup.group(1)):
            problem("vcpkg_cmake_config_fixup does not use PACKAGE_NAME megaport-webhooks")
        if not re.search(rf"CONFIG_PATH\s+{re.escape(expected)}\b", fixup.group(1)):
            problem(f"vcpkg_cmake_config_fixup's CONFIG_PATH is not {expected}, where "
                    "cmake/install.cmake puts the package")
    if not (port / "usage").is_file():
        problem("the vcpkg port has no usage file")

    configure = re.search(r"vcpkg_cmake_configure\((.*?)\n\)", portfile, re.DOTALL)
    passed = {}
    if configure:
        for key, value in re.findall(r'-D(\w+)=([^\s"]+)', configure.group(1)):
            passed[key] = value
    check_options("portfile.cmake", passed, declared, install_options, install_parts)

    order = re.search(r"foreach\(feature IN ITEMS ([^)]*)\)", portfile)
    if not order:
        problem("portfile.cmake does not build its parts list from the features")
    else:
        listed = order.group(1).split()
        if set(listed) != set(features):
            problem(f"portfile.cmake maps features {listed}, vcpkg.json has {sorted(features)}")
        check_parts_lists("portfile.cmake", listed, install_parts)
    return set(features)


def literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def check_conan(root, version, components, declared, install_options, install_parts):
    path = root / "packaging/conan/conanfile.py"
    try:
        tree = ast.parse(path.read_text())
    except SyntaxError as failure:
        problem(f"conanfile.py does not parse: {failure}")
        return set()

    recipe = None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", None) == "ConanFile" for base in node.bases):
            recipe = node
    if recipe is None:
        problem("conanfile.py has no ConanFile class")
        return set()

    fields = {}
    for node in recipe.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            fields[node.targets[0].id] = literal(node.value)
    module = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            module[node.targets[0].id] = literal(node.value)

    if fields.get("name") != "megaport-webhooks":
        problem(f"conanfile.py names the package {fields.get('name')!r}")
    if fields.get("version") != version:
        problem(f"conanfile.py version {fields.get('version')}, version.hpp {version}")
    if fields.get("package_type") != "header-library":
        problem("conanfile.py is not a header-library package")

    options = set((fields.get("options") or {}).keys())
    defaults = set((fields.get("default_options") or {}).keys())
    if options != defaults:
        problem(f"conanfile.py options {sorted(options)} and defaults {sorted(defaults)} differ")
    parts = module.get("PARTS") or {}
    if set(parts) != options:
        problem(f"conanfile.py PARTS {sorted(parts)} and options {sorted(options)} differ")
    for option in options:
        if option not in components:
            problem(f"Conan option {option} is not a component of cmake/install.cmake")
            continue
        references = {r.split("/")[0] for r in parts.get(option, {}).get("requires", [])}
        for package in components[option]:
            wanted = DEPENDENCY_NAMES.get(package, {}).get("conan")
            if wanted is None:
                problem(f"no Conan name known for {package} (component {option})")
            elif wanted not in references:
                problem(f"Conan option {option} does not require {wanted} (for {package})")

    source = path.read_text()
    passed = dict(re.findall(r'cache_variables\["(\w+)"\]\s*=\s*"?([^"\n]+)"?', source))
    check_options("conanfile.py", passed, declared, install_options, install_parts)
    check_parts_lists("conanfile.py", list(parts), install_parts)
    if 'or "none"' not in source:
        problem("conanfile.py does not pass \"none\" when no part is chosen")

    for needed in ('"cmake_file_name", "megaport-webhooks"',
                   '"cmake_target_name", "megaport::webhooks"',
                   '"cmake_target_name", f"megaport::webhooks_{part}"',
                   "CMakeToolchain(self)", "CMakeDeps(self)", ".install()"):
        if needed not in source:
            problem(f"conanfile.py lacks {needed}")

    test_package = root / "packaging/conan/test_package"
    for name in ("conanfile.py", "CMakeLists.txt", "main.cpp"):
        if not (test_package / name).is_file():
            problem(f"packaging/conan/test_package/{name} is missing")
    try:
        ast.parse((test_package / "conanfile.py").read_text())
    except (OSError, SyntaxError) as failure:
        problem(f"test_package/conanfile.py does not parse: {failure}")
    return options


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parent.parent)
    root = parser.parse_args().source.resolve()

    version = project_version(root)
    components = cmake_components(root)
    declared = cmake_options(root)
    install_options, install_parts = test_settings(root)

    features = check_vcpkg(root, version, components, declared, install_options, install_parts)
    options = check_conan(root, version, components, declared, install_options, install_parts)
    if features != options:
        problem(f"vcpkg features {sorted(features)} and Conan options {sorted(options)} differ")
    if features != RECIPE_PARTS:
        problem(f"the recipes offer {sorted(features)}, expected {sorted(RECIPE_PARTS)}")

    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print(f"recipes agree: version {version}, parts {sorted(features)}, "
          f"components {sorted(components)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
