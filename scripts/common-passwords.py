#!/usr/bin/env python3
"""Builds data/common-passwords.bin, the list of common passwords organisers may not use.

    scripts/common-passwords.py            # fetch the sources, rebuild the file
    scripts/common-passwords.py --check    # rebuild in a temporary place, exit 1 if it differs

Sources (fetched with the ordinary registry clients, versions pinned so the file is
reproducible; see data/README.md for their licences):
  - the npm package @zxcvbn-ts/language-common 4.1.3, `src/passwords.json`: 49,233
    passwords most common in leaked password lists, most common first (MIT);
  - the Debian package wamerican 2020.12.07-2, `/usr/share/dict/american-english`:
    104,334 English words (SCOWL size 50), a dictionary attack's first guesses.

Each entry is put in NFC and lower case (as src/auth/common_passwords.rs does with a
candidate), hashed with SHA-256, and its first 6 bytes kept; the file is those 6-byte
prefixes sorted and without duplicates (a binary search finds one; with ~150,000 entries
the chance that a password not in the list matches one is about 150,000 / 2^48 ≈ 5·10^-10).
"""

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "data/common-passwords.bin"
NPM_PACKAGE = "@zxcvbn-ts/language-common@4.1.3"
DEBIAN_PACKAGE = "wamerican=2020.12.07-2"
PREFIX_BYTES = 6


def normalise(entry: str) -> str:
    return unicodedata.normalize("NFC", entry.strip()).lower()


def zxcvbn_passwords(work: Path) -> list[str]:
    out = subprocess.run(["npm", "pack", "--silent", NPM_PACKAGE], cwd=work, check=True, capture_output=True, text=True)
    with tarfile.open(work / out.stdout.strip().splitlines()[-1]) as tar:
        member = tar.extractfile("package/src/passwords.json")
        assert member is not None, "passwords.json in the package"
        return json.load(member)


def debian_words(work: Path) -> list[str]:
    subprocess.run(["apt-get", "download", "-q", DEBIAN_PACKAGE], cwd=work, check=True, capture_output=True)
    deb = next(work.glob("wamerican_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(work / "deb")], check=True)
    text = (work / "deb/usr/share/dict/american-english").read_text(encoding="utf-8")
    return text.splitlines()


def build(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = {"zxcvbn-ts passwords": zxcvbn_passwords(work), "wamerican words": debian_words(work)}
    entries = set()
    for name, items in sources.items():
        kept = {normalise(e) for e in items if normalise(e)}
        print(f"{name}: {len(items)} entries, {len(kept)} distinct after NFC + lower case")
        entries |= kept
    prefixes = sorted({hashlib.sha256(e.encode("utf-8")).digest()[:PREFIX_BYTES] for e in entries})
    target.write_bytes(b"".join(prefixes))
    print(f"{target}: {len(entries)} distinct entries, {len(prefixes)} prefixes, {target.stat().st_size} bytes")


def main() -> int:
    if "--check" in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "common-passwords.bin"
            build(fresh)
            same = fresh.read_bytes() == TARGET.read_bytes()
            print("up to date" if same else f"{TARGET} differs from its sources")
            return 0 if same else 1
    build(TARGET)
    return 0


if __name__ == "__main__":
    shutil.which("npm") or sys.exit("npm is needed (the browser tests install it)")
    sys.exit(main())
