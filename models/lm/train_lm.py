"""Train an n-gram LM on a text file with KenLM's lmplz and convert it with build_binary.

Both tools are built from the `kenlm` sdist by decoders/build.sh into third_party/kenlm/bin; a copy on PATH also
works. The text holds one sentence a line, tokens separated by spaces (words, or characters for a character LM).

    python models/lm/train_lm.py --text_path=lm_text.txt --order=4 --arpa_path=lm.arpa --binary_path=lm.klm
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from utils.utility import add_arguments, print_arguments  # noqa: E402

KENLM_BIN = os.path.join(ROOT, "third_party", "kenlm", "bin")


def kenlm_tool(name: str) -> str:
    """Path of KenLM program ``name`` (lmplz, build_binary): third_party/kenlm/bin first, then PATH."""
    local = os.path.join(KENLM_BIN, name)
    if os.access(local, os.X_OK):
        return local
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"KenLM's {name} not found in {KENLM_BIN} or on PATH: run decoders/build.sh")
    return found


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(command)}):\n{result.stderr[-2000:]}")


def train_arpa(text_path: str, arpa_path: str, order: int, prune: str = "", memory: str = "10%",
               discount_fallback: bool = True) -> None:
    """Estimate a modified Kneser-Ney ``order``-gram ARPA model from ``text_path`` with lmplz."""
    if not os.path.isfile(text_path):
        raise FileNotFoundError(f"LM training text not found: {text_path}")
    tmp = arpa_path + ".tmp"
    with tempfile.TemporaryDirectory() as scratch:
        command = [kenlm_tool("lmplz"), "-o", str(order), "-S", memory, "-T", scratch, "--text", text_path,
                   "--arpa", tmp]
        if prune:
            command += ["--prune"] + prune.split()
        if discount_fallback:
            command.append("--discount_fallback")
        _run(command, f"lmplz on {text_path}")
    os.replace(tmp, arpa_path)


def build_binary(arpa_path: str, binary_path: str, data_structure: str = "trie") -> None:
    """Convert an ARPA file to KenLM's binary format (``probing`` or ``trie``), which loads much faster."""
    if data_structure not in ("probing", "trie"):
        raise ValueError(f"data_structure must be 'probing' or 'trie', got {data_structure!r}")
    tmp = binary_path + ".tmp"
    _run([kenlm_tool("build_binary"), "-s", data_structure, arpa_path, tmp], f"build_binary on {arpa_path}")
    os.replace(tmp, binary_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("text_path", str, "data/tiny/lm_text.txt", "Training text, one sentence a line.", parser)
    add_arguments("order", int, 4, "N-gram order (at most 6 for the decoder).", parser)
    add_arguments("arpa_path", str, "models/lm/lm.arpa", "Output ARPA file.", parser)
    add_arguments("binary_path", str, "models/lm/lm.klm", "Output KenLM binary ('' to skip).", parser)
    add_arguments("data_structure", str, "trie", "Binary layout: probing or trie.", parser)
    add_arguments("prune", str, "", "lmplz --prune thresholds per order, e.g. '0 1 1'.", parser)
    add_arguments("memory", str, "10%", "lmplz memory budget (-S).", parser)
    args = parser.parse_args()
    print_arguments(args)
    train_arpa(args.text_path, args.arpa_path, args.order, args.prune, args.memory)
    print(f"wrote {args.arpa_path}")
    if args.binary_path:
        build_binary(args.arpa_path, args.binary_path, args.data_structure)
        print(f"wrote {args.binary_path}")


if __name__ == "__main__":
    main()
