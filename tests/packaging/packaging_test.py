#!/usr/bin/env python3
"""Installs megaport-webhooks and builds small consumer projects against it, the way users do.

Each subcommand is one ctest test (label `packaging`):

  install        configure the source tree afresh (tests and examples off), install it into a
                 staging prefix, check what landed there, then move the prefix elsewhere so
                 that every later test also proves the package is relocatable
  find-package   a consumer with find_package(megaport-webhooks CONFIG REQUIRED COMPONENTS ...)
  core-only      a copy installed without optional parts: the core is found, a part is refused
  pkg-config     the core and the SQLite part compiled with the flags pkg-config gives
  subdirectory   a consumer that adds the source tree with add_subdirectory
  fetchcontent   a consumer that gets the source tree through FetchContent

Every build compiles a file or two with -j2; the whole set takes well under a minute of CPU.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

# What a package recipe configures the library with. packaging/check-recipes.py checks that the
# vcpkg port and the Conan recipe pass these and nothing these tests do not exercise.
INSTALL_OPTIONS = {
    "MEGAPORT_WEBHOOKS_BUILD_TESTS": "OFF",
    "MEGAPORT_WEBHOOKS_BUILD_EXAMPLES": "OFF",
}

# The MEGAPORT_WEBHOOKS_INSTALL_PARTS values installed here: every recipe feature on, and off.
INSTALL_PARTS = {
    "full": "sqlite,redis,signature",
    "core": "none",
}

HERE = Path(__file__).resolve().parent
CONSUMER = HERE / "consumers"


class Failure(Exception):
    """A check that did not hold; the message says which."""


def run(args, cwd=None, env=None, expect_success=True):
    """Runs a command, echoing it; returns its completed process (output captured)."""
    print("+ " + " ".join(str(a) for a in args), flush=True)
    started = time.monotonic()
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    print(f"  ({time.monotonic() - started:.1f} s, exit {done.returncode})", flush=True)
    if expect_success and done.returncode != 0:
        print(done.stdout)
        raise Failure(f"command failed: {args[0]} ... (exit {done.returncode})")
    return done


def project_version(source):
    """MAJOR.MINOR.PATCH from version.hpp, the version's one source."""
    text = (source / "include/megaport/webhooks/version.hpp").read_text()
    parts = [re.search(rf"MEGAPORT_WEBHOOKS_VERSION_{p} (\d+)", text).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def fresh(path):
    """An empty directory at path."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def cmake_common(opts):
    """Arguments every configure here shares: same generator and compiler, no registries."""
    return ["-G", opts.generator, f"-DCMAKE_CXX_COMPILER={opts.cxx}",
            "-DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON"]


def check_install(prefix, parts, version):
    """The installed tree holds the headers, the package and the .pc files, and nothing built."""
    cmake_dir = prefix / "share/cmake/megaport-webhooks"
    expected = [
        prefix / "include/megaport/webhooks.hpp",
        prefix / "include/megaport/webhooks/version.hpp",
        cmake_dir / "megaport-webhooksConfig.cmake",
        cmake_dir / "megaport-webhooksConfigVersion.cmake",
        cmake_dir / "megaport-webhooks-targets.cmake",
        prefix / "share/pkgconfig/megaport-webhooks.pc",
        prefix / "share/doc/megaport-webhooks/LICENSE",
        prefix / "share/doc/megaport-webhooks/CHANGELOG.md",
    ]
    for part in parts:
        expected.append(cmake_dir / f"megaport-webhooks-{part}-targets.cmake")
        expected.append(prefix / f"share/pkgconfig/megaport-webhooks-{part}.pc")
    missing = [str(p.relative_to(prefix)) for p in expected if not p.is_file()]
    if missing:
        raise Failure("not installed: " + ", ".join(missing))

    # Only the parts asked for: a part not selected must leave no targets file behind.
    installed = sorted(p.name[len("megaport-webhooks-"):-len("-targets.cmake")]
                       for p in cmake_dir.glob("megaport-webhooks-*-targets.cmake"))
    if installed != sorted(parts):
        raise Failure(f"parts installed {installed}, asked for {sorted(parts)}")

    # A header-only package installs no programs, libraries or tests.
    stray = [str(p.relative_to(prefix)) for p in prefix.rglob("*")
             if p.is_file() and (os.access(p, os.X_OK) or p.suffix in (".so", ".a"))]
    if stray:
        raise Failure("built files installed: " + ", ".join(stray))

    config = (cmake_dir / "megaport-webhooksConfigVersion.cmake").read_text()
    if f'set(PACKAGE_VERSION "{version}")' not in config:
        raise Failure("the version file does not carry " + version)
    if not re.search(r'requested no architecture check[^\n]*\n\s*if\("TRUE"\)', config):
        raise Failure("the version file checks the architecture of a header-only package")
    print(f"installed: core and {parts or 'no parts'}, version {version}")


def cmd_install(opts):
    """Configures the source afresh, installs into a staging prefix, checks and moves it."""
    name = opts.name
    work = fresh(opts.work / f"install-{name}")
    stage = work / "stage"
    build = work / "build"
    args = [opts.cmake, "-S", opts.source, "-B", build, *cmake_common(opts),
            f"-DCMAKE_INSTALL_PREFIX={stage}",
            f"-DMEGAPORT_WEBHOOKS_INSTALL_PARTS={INSTALL_PARTS[name]}"]
    args += [f"-D{key}={value}" for key, value in INSTALL_OPTIONS.items()]
    run(args)
    run([opts.cmake, "--build", build, "-j2"])
    run([opts.cmake, "--install", build])

    parts = [] if INSTALL_PARTS[name] == "none" else INSTALL_PARTS[name].split(",")
    check_install(stage, parts, project_version(opts.source))

    # Moved to where the consumers look: nothing in it may still point at the staging place.
    prefix = opts.work / f"prefix-{name}"
    shutil.rmtree(prefix, ignore_errors=True)
    stage.rename(prefix)
    leaks = [str(p) for p in prefix.rglob("*") if p.is_file() and str(stage) in p.read_text(
        errors="replace")]
    if leaks:
        raise Failure("files that name the staging prefix: " + ", ".join(leaks))


def consumer(opts, label, extra, components=()):
    """Configures, builds and runs the consumer project; returns its build directory."""
    build = fresh(opts.work / f"consumer-{label}")
    fixture = opts.source / "tests/fixtures/deliveries/01-login-failure-from-the-spec.json"
    run([opts.cmake, "-S", CONSUMER, "-B", build, *cmake_common(opts),
         f"-DCONSUMER_COMPONENTS={';'.join(components)}", f"-DCONSUMER_FIXTURE={fixture}",
         *extra])
    run([opts.cmake, "--build", build, "-j2"])
    tested = run([opts.ctest, "--output-on-failure"], cwd=build)
    print(tested.stdout)

    # Exactly the consumer's own tests: the library registered none of its own.
    count = re.search(r"tests passed, 0 tests failed out of (\d+)", tested.stdout)
    if not count or int(count.group(1)) != 1 + len(components):
        raise Failure(f"expected {1 + len(components)} consumer tests to pass")
    return build


def installed_prefix(opts, name):
    prefix = opts.work / f"prefix-{name}"
    if not (prefix / "share/cmake/megaport-webhooks").is_dir():
        raise Failure(f"no installed copy at {prefix}: the install test must run first")
    return prefix


def cmd_find_package(opts):
    prefix = installed_prefix(opts, "full")
    consumer(opts, "find-package", ["-DCONSUMER_MODE=find_package",
                                    f"-DCMAKE_PREFIX_PATH={prefix}"],
             components=INSTALL_PARTS["full"].split(","))


def cmd_core_only(opts):
    """Without parts: the core configures; asking for a part fails and says why."""
    prefix = installed_prefix(opts, "core")
    fixture = opts.source / "tests/fixtures/deliveries/01-login-failure-from-the-spec.json"
    for components, should_work in (("", True), ("sqlite", False)):
        build = fresh(opts.work / f"consumer-core-only-{components or 'none'}")
        done = run([opts.cmake, "-S", CONSUMER, "-B", build, *cmake_common(opts),
                    "-DCONSUMER_MODE=find_package", f"-DCMAKE_PREFIX_PATH={prefix}",
                    f"-DCONSUMER_COMPONENTS={components}", f"-DCONSUMER_FIXTURE={fixture}"],
                   expect_success=should_work)
        if not should_work:
            if done.returncode == 0:
                raise Failure("a part that was not installed was found")
            if 'component "sqlite" was not installed' not in done.stdout:
                print(done.stdout)
                raise Failure("the refusal does not say which component is missing")
    print("core-only copy: core found, sqlite refused with its reason")


def cmd_pkg_config(opts):
    """Compiles consumers with nothing but the flags pkg-config prints for the installed copy."""
    prefix = installed_prefix(opts, "full")
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "share/pkgconfig"))
    version = project_version(opts.source)
    build = fresh(opts.work / "consumer-pkg-config")

    got = run([opts.pkg_config, "--modversion", "megaport-webhooks"], env=env).stdout.strip()
    if got != version:
        raise Failure(f"pkg-config says version {got}, version.hpp says {version}")
    run([opts.pkg_config, "--exists", "--print-errors", "megaport-webhooks-redis",
         "megaport-webhooks-signature"], env=env)

    jobs = []
    for source, module in (("core", "megaport-webhooks"), ("sqlite", "megaport-webhooks-sqlite")):
        flags = run([opts.pkg_config, "--cflags", "--libs", module], env=env).stdout.split()
        includes = [os.path.normpath(f[2:]) for f in flags if f.startswith("-I")]
        if str(prefix / "include") not in includes:
            raise Failure(f"{module}: no -I for the moved prefix in {flags}")
        exe = build / f"consumer_{source}"
        args = [opts.cxx, "-std=c++17", CONSUMER / f"{source}.cpp", "-o", exe,
                f'-DCONSUMER_EXPECTED_VERSION="{version}"', *flags]
        print("+ " + " ".join(str(a) for a in args), flush=True)
        jobs.append((exe, subprocess.Popen([str(a) for a in args])))
    for exe, job in jobs:
        if job.wait() != 0:
            raise Failure(f"compiling {exe.name} with pkg-config's flags failed")

    fixture = opts.source / "tests/fixtures/deliveries/01-login-failure-from-the-spec.json"
    print(run([build / "consumer_core", fixture]).stdout, end="")
    print(run([build / "consumer_sqlite", build / "consumer.db"]).stdout, end="")


def not_top_level(opts, mode):
    """The source tree inside another project: usable, and it brings no tests or installs."""
    build = consumer(opts, mode, [f"-DCONSUMER_MODE={mode}",
                                  f"-DMEGAPORT_WEBHOOKS_SOURCE={opts.source}"])
    target_list = run([opts.cmake, "--build", build, "--target", "help"]).stdout
    if "megaport-webhooks-tests" in target_list:
        raise Failure("the library's test target exists in the consumer's build")

    prefix = opts.work / f"consumer-{mode}-install"
    shutil.rmtree(prefix, ignore_errors=True)
    run([opts.cmake, "--install", build, "--prefix", prefix])
    installed = [str(p) for p in prefix.rglob("*") if p.is_file()] if prefix.exists() else []
    if installed:
        raise Failure("installing the consumer installed the library: " + ", ".join(installed))


def cmd_subdirectory(opts):
    not_top_level(opts, "subdirectory")


def cmd_fetchcontent(opts):
    not_top_level(opts, "fetchcontent")


def main():
    commands = {"install": cmd_install, "find-package": cmd_find_package,
                "core-only": cmd_core_only, "pkg-config": cmd_pkg_config,
                "subdirectory": cmd_subdirectory, "fetchcontent": cmd_fetchcontent}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=sorted(commands))
    parser.add_argument("--source", type=Path, required=True, help="the library's source tree")
    parser.add_argument("--work", type=Path, required=True, help="scratch directory")
    parser.add_argument("--name", choices=sorted(INSTALL_PARTS), default="full",
                        help="which install (install only)")
    parser.add_argument("--cmake", default="cmake")
    parser.add_argument("--ctest", default="ctest")
    parser.add_argument("--cxx", default="c++")
    parser.add_argument("--generator", default="Unix Makefiles")
    parser.add_argument("--pkg-config", dest="pkg_config", default="pkg-config")
    opts = parser.parse_args()
    opts.source = opts.source.resolve()
    opts.work = opts.work.resolve()
    opts.work.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    try:
        commands[opts.command](opts)
    except Failure as failure:
        print(f"FAIL {opts.command}: {failure}", file=sys.stderr)
        return 1
    print(f"ok {opts.command} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
