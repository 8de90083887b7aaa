"""Prepare VoxForge (English, 16 kHz 16 bit): crawl the archive index, download, unpack, write dialect manifests.

The index page lists one ``<user>-<date>-<tag>.tgz`` per submission. Each unpacks to ``<user>-<date>-<tag>/``
with ``etc/README`` (speaker facts, among them ``Pronunciation dialect: American English``), ``etc/PROMPTS``
(lines ``<user>-<date>-<tag>/mfc/a0001 UPPER CASE WORDS``) and the audio in ``wav/`` or ``flac/``.

A submission belongs to every requested dialect named on its README's pronunciation-dialect line. One manifest
is written per dialect; with --is_merge_dialect, american+canadian also go to ``.american-canadian`` and
british+irish+australian to ``.commonwealth`` (DS2's dialect groups; european and indian stay alone).
Transcripts follow DS2: hyphens become spaces, anything but upper-case letters and apostrophes rejects the
utterance, and the text is lower-cased. Skipped utterances are listed with the reason. The archives carry no
published checksums, so only completeness is checked.

Run from the repository root: ``python -m data.voxforge.voxforge`` (see examples/voxforge/data.sh).
The index URL is overridable for mirrors and tests: --url or VOXFORGE_URL.
"""
from __future__ import annotations

import argparse
import os
import re
import urllib.parse

import soundfile

from data_utils.download import DownloadError, download, exit_on_failure, parallel_map, read_url, unpack
from data_utils.manifest import write_manifest
from utils.utility import add_arguments, print_arguments

URL = "http://www.repository.voxforge1.org/downloads/SpeechCorpus/Trunk/Audio/Main/16kHz_16bit/"
DATA_HOME = os.path.expanduser("~/.cache/paddle/dataset/speech")
DIALECTS = ("american", "british", "australian", "european", "irish", "canadian", "indian")
MERGED_DIALECTS = {
    "american-canadian": ("american", "canadian"),
    "commonwealth": ("british", "irish", "australian"),
}
AUDIO_TYPES = ("wav", "flac")


def list_archives(index_url: str) -> list[str]:
    """Absolute URLs of the ``.tgz`` links on a directory index page, de-duplicated, in page order."""
    page = read_url(index_url).decode("utf-8", errors="replace")
    links = re.findall(r'href="([^"?#]+\.tgz)"', page, flags=re.IGNORECASE)
    return list(dict.fromkeys(urllib.parse.urljoin(index_url, link) for link in links))


def fetch_and_unpack(index_url: str, target_dir: str, num_workers: int) -> str:
    """Download every listed archive into ``<target>/tgz`` and unpack it into ``<target>/audio``; returns the latter.

    Archives already downloaded or unpacked are skipped; partial downloads resume.
    """
    urls = list_archives(index_url)
    if not urls:
        raise DownloadError(f"{index_url}: the index page links no .tgz archives")
    tgz_dir, audio_dir = os.path.join(target_dir, "tgz"), os.path.join(target_dir, "audio")
    print(f"{len(urls)} archives listed on {index_url}")
    archives = parallel_map(lambda url: download(url, None, tgz_dir, verbose=False), urls, num_workers,
                            desc="download")
    parallel_map(lambda path: unpack(path, audio_dir), archives, num_workers, desc="unpack")
    return audio_dir


def find_file(directory: str, name: str) -> str | None:
    """The path of ``name`` in ``directory`` matched case-insensitively (submissions spell README both ways)."""
    if not os.path.isdir(directory):
        return None
    matches = sorted(entry for entry in os.listdir(directory) if entry.lower() == name.lower())
    return os.path.join(directory, matches[0]) if matches else None


def speaker_dialects(readme_path: str, dialects: tuple[str, ...] | list[str]) -> list[str]:
    """The requested dialects named on a README's ``Pronunciation dialect:`` line(s), matched case-insensitively."""
    with open(readme_path, encoding="utf-8", errors="replace") as handle:
        lines = [line for line in handle if re.search(r"pronunciation dialect", line, re.IGNORECASE)]
    return [d for d in dialects if any(re.search(r"pronunciation dialect.*" + re.escape(d), line, re.IGNORECASE)
                                       for line in lines)]


def normalize_transcript(text: str) -> str | None:
    """DS2's VoxForge rule: hyphens to spaces; None unless only upper-case letters and apostrophes remain."""
    words = text.replace("-", " ").split()
    joined = "".join(words).replace("'", "")
    if not words or not joined.isalpha() or not joined.isupper() or not joined.isascii():
        return None
    return " ".join(words).lower()


def submission_utterances(speaker_dir: str) -> list[tuple[str, str]]:
    """(audio path, normalised transcript) pairs of one unpacked submission; skipped items are printed."""
    audio_type = next((t for t in AUDIO_TYPES if os.path.isdir(os.path.join(speaker_dir, t))), None)
    prompts_path = find_file(os.path.join(speaker_dir, "etc"), "PROMPTS")
    if audio_type is None or prompts_path is None:
        print(f"Skip {speaker_dir}: no {'wav/ or flac/ directory' if audio_type is None else 'etc/PROMPTS'}.")
        return []
    pairs = []
    with open(prompts_path, encoding="utf-8", errors="replace") as handle:
        for line_no, line in enumerate(handle, start=1):
            utt, _, words = line.strip().partition(" ")
            if not utt:
                continue
            where = f"{prompts_path}:{line_no}"
            audio_path = os.path.join(speaker_dir, audio_type, utt.split("/")[-1] + "." + audio_type)
            text = normalize_transcript(words)
            if not os.path.isfile(audio_path) or os.path.getsize(audio_path) == 0:
                print(f"Skip {where}: audio file {audio_path} is missing or empty.")
            elif text is None:
                print(f"Skip {where}: transcript {words.strip()!r} is not plain upper-case words.")
            else:
                pairs.append((audio_path, text))
    return pairs


def create_manifests(audio_dir: str, dialects: list[str], manifest_prefix: str, is_merge: bool,
                     num_workers: int) -> None:
    """Group submissions by dialect and write ``<prefix>.<dialect>`` (plus the merged groups if asked)."""
    by_dialect: dict[str, list[tuple[str, str]]] = {d: [] for d in dialects}
    for name in sorted(os.listdir(audio_dir)):
        speaker_dir = os.path.join(audio_dir, name)
        readme_path = find_file(os.path.join(speaker_dir, "etc"), "README")
        if not os.path.isdir(speaker_dir) or readme_path is None:
            continue
        matched = speaker_dialects(readme_path, dialects)
        if matched:
            utterances = submission_utterances(speaker_dir)
            for dialect in matched:
                by_dialect[dialect].extend(utterances)
    all_paths = sorted({path for pairs in by_dialect.values() for path, _ in pairs})
    durations = dict(zip(all_paths, parallel_map(lambda path: soundfile.info(path).duration, all_paths,
                                                 num_workers, desc="durations")))
    groups = {d: (d,) for d in dialects}
    if is_merge:
        groups.update({merged: tuple(d for d in members if d in dialects)
                       for merged, members in MERGED_DIALECTS.items() if set(members) & set(dialects)})
    for group, members in groups.items():
        entries = [{"audio_filepath": path, "duration": durations[path], "text": text}
                   for dialect in members for path, text in by_dialect[dialect]]
        write_manifest(f"{manifest_prefix}.{group}", entries)
        print(f"Wrote {manifest_prefix}.{group} ({len(entries)} utterances).")


def main(argv: list[str] | None = None) -> None:
    """CLI entry point (DS2 flags); `argv` defaults to sys.argv."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("target_dir", str, os.path.join(DATA_HOME, "VoxForge"), "Directory to save the dataset in.",
                  parser)
    add_arguments("dialects", str.lower, list(DIALECTS), "Dialects to write manifests for.", parser, nargs="+")
    add_arguments("is_merge_dialect", bool, True, "Also write the american-canadian and commonwealth manifests.",
                  parser)
    add_arguments("manifest_prefix", str, "manifest", "Filepath prefix for output manifests.", parser)
    add_arguments("url", str, os.environ.get("VOXFORGE_URL", URL),
                  "Index page linking the .tgz archives (env VOXFORGE_URL).", parser)
    add_arguments("num_workers", int, 8, "Parallel downloads, unpackers and audio-header readers.", parser)
    args = parser.parse_args(argv)
    print_arguments(args)
    target_dir = os.path.abspath(os.path.expanduser(args.target_dir))  # manifests hold absolute paths
    with exit_on_failure():
        audio_dir = fetch_and_unpack(args.url, target_dir, args.num_workers)
        create_manifests(audio_dir, args.dialects, args.manifest_prefix, args.is_merge_dialect, args.num_workers)


if __name__ == "__main__":
    main()
