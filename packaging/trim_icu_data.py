"""Shrink the ICU data library PySide6 ships (``libicudata.so.NN``, 32 MB) for the Linux bundle.

Qt links ICU for collation (QCollator), case mapping, text codecs and a few time-zone names;
its locale formats and language/country names are Qt's own CLDR tables. So ICU's display-name
trees (language, region, currency, unit and time-zone names), transliterators and spelled-out
number rules are never read by Reframe. They are half the file. This script takes them out of
the data package with ICU's own ``icupkg`` (Debian ``icu-devtools``) and links the rest into a
library with the same soname and data symbol (``as`` and ``ld`` from binutils), so the ICU
libraries next to it load it unchanged.

    python packaging/trim_icu_data.py SRC_LIB DEST_LIB      prints the sizes

Windows and macOS builds need nothing of the kind: there Qt uses the system's ICU.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: ICU data trees Qt never reads for Reframe (see the module docstring).
DROPPED_TREES = ("curr", "lang", "region", "unit", "zone", "translit", "rbnf")
#: Every ICU common-data file starts with this header magic (bytes 2-3).
ICU_MAGIC = b"\xda\x27"


@dataclass(frozen=True)
class Trimmed:
    before: int
    after: int
    items_removed: int
    items_kept: int


def _readelf(*args: str) -> str:
    return subprocess.run(["readelf", *args], check=True, capture_output=True, text=True).stdout


def data_symbol(lib: Path) -> tuple[str, bytes, str]:
    """(data symbol, the ICU common data bytes, soname) of an ICU data library."""
    symbols = re.findall(
        r"\s([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\S+\s+(\d+)\s+(icudt\d+_dat)\b",
        _readelf("--dyn-syms", "-W", str(lib)),
    )
    if len(symbols) != 1:
        raise SystemExit(f"trim_icu_data: {lib} has no single icudtNN_dat symbol ({symbols})")
    value, size, section, name = symbols[0]
    sections = {
        m[0]: (int(m[1], 16), int(m[2], 16))
        for m in re.findall(r"\[\s*(\d+)\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s", _readelf("-S", "-W", str(lib)))
    }
    address, offset = sections[section]
    start = int(value, 16) - address + offset
    length = int(size, 0)
    data = lib.read_bytes()[start : start + length]
    if data[2:4] != ICU_MAGIC or len(data) != length:
        raise SystemExit(f"trim_icu_data: {name} in {lib} is not ICU common data")
    soname = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", _readelf("-d", str(lib)))
    if soname is None:
        raise SystemExit(f"trim_icu_data: {lib} has no soname")
    return name, data, soname[1]


def _icupkg(*args: str) -> str:
    tool = shutil.which("icupkg") or "/usr/sbin/icupkg"
    if not Path(tool).is_file():
        raise SystemExit("trim_icu_data: icupkg is missing (apt-get install icu-devtools)")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def trim(src: Path, dest: Path) -> Trimmed:
    symbol, data, soname = data_symbol(src)
    # icupkg names the items inside after the output file, so the package keeps ICU's own name.
    package = symbol.removesuffix("_dat") + ("l" if sys.byteorder == "little" else "b")
    with tempfile.TemporaryDirectory(prefix="reframe-icu-") as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        (work / "out").mkdir()
        original = work / "in" / f"{package}.dat"
        original.write_bytes(data)
        items = _icupkg("-l", str(original)).split()
        dropped = [item for item in items if item.split("/", 1)[0] in DROPPED_TREES and "/" in item]
        (work / "dropped.txt").write_text("\n".join(dropped) + "\n")
        smaller = work / "out" / f"{package}.dat"
        _icupkg("-r", str(work / "dropped.txt"), str(original), str(smaller))
        kept = _icupkg("-l", str(smaller)).split()
        if set(kept) != set(items) - set(dropped):
            raise SystemExit("trim_icu_data: icupkg did not keep exactly the items asked for")
        assembly = work / "icudata.s"
        assembly.write_text(
            "\t.section .rodata\n"
            f"\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
            f'{symbol}:\n\t.incbin "{smaller}"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n'
        )
        obj = work / "icudata.o"
        subprocess.run(["as", "-o", str(obj), str(assembly)], check=True)
        partial = dest.with_name(dest.name + ".part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ld", "-shared", "-soname", soname, "-o", str(partial), str(obj)], check=True)
        partial.replace(dest)
    return Trimmed(src.stat().st_size, dest.stat().st_size, len(dropped), len(kept))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    done = trim(args.src, args.dest)
    print(
        f"{args.dest}: {done.before / 1e6:.1f} -> {done.after / 1e6:.1f} MB "
        f"({done.items_removed} items removed, {done.items_kept} kept)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
