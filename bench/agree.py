#!/usr/bin/env python3
"""bench/agree.py: how often `custody probe` reads what ExifTool reads, field by field.

Usage: bench/agree.py ORACLE.json PROBE.json [--list]
  ORACLE.json: `exiftool -r -j -n -G1 -a -ext '*' .` run from the files' folder
  PROBE.json:  `custody probe --json FILE...` over the same files (each record's "file" is
               the path it was given; the part after the last "/files/" or the folder given
               with --root is matched against ExifTool's SourceFile).

Fields and the rule for each (a file counts for a field when ExifTool has a value for it, or
when custody states one that ExifTool does not have):
  captured  capture time: ExifIFD:DateTimeOriginal (+OffsetTimeOriginal), else Keys:CreationDate,
            XMP DateTimeOriginal/CreateDate, H264/RIFF/Matroska DateTimeOriginal, QuickTime:CreateDate
            (UTC), ExifIFD:CreateDate, IFD0:ModifyDate. Equal to the second: as instants when both
            know the offset (or both are UTC), else as wall times. custody stating a time where
            ExifTool has none is a disagreement, except a time marked as the file's own (file:mtime).
  make, model   IFD0/Keys/UserData/H264 Make and Model, compared trimmed.
  gps       Composite:GPSLatitude/Longitude, or Keys/UserData GPSCoordinates: within 1e-5 degrees.
  size      Composite:ImageSize ("W H"): photos' image.width/height, else the first video stream's,
            else what the container's header declares (record's "declared", a file
            libavformat cannot read whole).
  duration  QuickTime/Matroska/M2TS/RIFF/Composite Duration (s): within max(0.1 s, 1 %);
            media.duration_s, else the header's declared.duration_s.
Fuzzer-made files (*.fuzzed) are left out: ExifTool's reading of garbage is no oracle.
"""
import json
import re
import sys
from datetime import datetime, timedelta, timezone

H264_MAKES = {0x0103: "Panasonic", 0x0108: "Sony", 0x1011: "Canon", 0x1104: "JVC"}


def first(e, keys):
    for k in keys:
        v = e.get(k)
        if v is None or v == "":
            continue
        if isinstance(v, str) and v.startswith("0000:00:00"):
            continue
        return k, v
    return None, None


TIME_KEYS = [
    "ExifIFD:DateTimeOriginal", "Keys:CreationDate", "XMP-exif:DateTimeOriginal",
    "H264:DateTimeOriginal", "DV:DateTimeOriginal", "XML:CreationDateValue", "RIFF:DateTimeOriginal", "Matroska:DateTimeOriginal",
    "XMP-xmp:CreateDate", "QuickTime:CreateDate", "ASF:CreationDate", "ExifIFD:CreateDate", "IFD0:ModifyDate",
]
RX = re.compile(r"^(\d{4})[:-](\d\d)[:-](\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$")
RIFF_RX = re.compile(r"^\w{3} (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4})")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def parse_time(s):
    """(wall datetime, offset minutes or None) or None."""
    s = str(s).strip()
    if s.endswith(" DST"):  # ExifTool's H264 zone note: the offset already counts it
        s = s[:-4]
    m = RX.match(s)
    if m:
        y, mo, d, h, mi, se, off = m.groups()
        try:
            wall = datetime(int(y), int(mo), int(d), int(h), int(mi), int(se or 0))
        except ValueError:
            return None
        if off is None:
            return wall, None
        if off == "Z":
            return wall, 0
        sign = -1 if off[0] == "-" else 1
        return wall, sign * (int(off[1:3]) * 60 + int(off[4:6]))
    m = RIFF_RX.match(s)
    if m and m.group(1) in MONTHS:
        mo, d, h, mi, se, y = m.groups()
        try:
            return datetime(int(y), MONTHS.index(mo) + 1, int(d), int(h), int(mi), int(se)), None
        except ValueError:
            return None
    return None


def oracle_time(e):
    k, v = first(e, TIME_KEYS)
    if k is None:
        return None, None
    t = parse_time(v)
    if t is None:
        return k, None
    wall, off = t
    if k == "ExifIFD:DateTimeOriginal" and off is None:
        o = e.get("ExifIFD:OffsetTimeOriginal")
        if o:
            t2 = parse_time("2000:01:01 00:00:00" + str(o))
            if t2:
                off = t2[1]
    if k in ("QuickTime:CreateDate", "ASF:CreationDate"):
        off = 0  # QuickTime stores UTC (ExifTool's default reading)
    return k, (wall, off)


def same_time(a, b):
    (wa, oa), (wb, ob) = a, b
    if oa is not None and ob is not None:
        return wa - timedelta(minutes=oa) == wb - timedelta(minutes=ob)
    return wa == wb


def oracle_make_model(e, what):
    keys = ["IFD0:" + what, "Keys:" + what, "UserData:" + what, "XMP-tiff:" + what,
            "H264:" + what, "ItemList:" + what]
    k, v = first(e, keys)
    if k == "H264:Make" and isinstance(v, int):
        v = H264_MAKES.get(v, str(v))
    return None if v is None else str(v).strip()


def oracle_gps(e):
    lat, lon = e.get("Composite:GPSLatitude"), e.get("Composite:GPSLongitude")
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
        # A latitude past the pole is no place (a broken GPS IFD): nothing to agree with.
        return (float(lat), float(lon)) if abs(lat) <= 90 and abs(lon) <= 180 else None
    k, v = first(e, ["Keys:GPSCoordinates", "UserData:GPSCoordinates", "ItemList:GPSCoordinates"])
    if k is not None:
        parts = str(v).split()
        if len(parts) >= 2:
            try:
                return float(parts[0]), float(parts[1])
            except ValueError:
                return None
    return None


def oracle_size(e):
    v = e.get("Composite:ImageSize")
    if not v:
        return None
    p = str(v).replace("x", " ").split()
    return (int(float(p[0])), int(float(p[1]))) if len(p) == 2 else None


def oracle_duration(e):
    k, v = first(e, ["QuickTime:Duration", "Matroska:Duration", "M2TS:Duration", "RIFF:Duration",
                     "Composite:Duration", "ASF:PlayDuration"])
    return float(v) if isinstance(v, (int, float)) and v > 0 else None


def ours_time(r):
    at = r.get("captured_at")
    src = r.get("captured_at_source") or ""
    if not at or src.startswith("file:") or r.get("captured_at_estimate"):
        return None
    return parse_time(at)


def ours_size(r):
    img = r.get("image") or {}
    if img.get("width") and img.get("height"):
        return img["width"], img["height"]
    for s in ((r.get("media") or {}).get("streams") or []):
        if s.get("type") == "video" and not s.get("attached_pic") and s.get("width"):
            return s["width"], s["height"]
    d = r.get("declared") or {}
    if d.get("width") and d.get("height"):
        return d["width"], d["height"]
    return None


def ours_duration(r):
    g = (r.get("media") or {}).get("duration_s")
    return g if g is not None else (r.get("declared") or {}).get("duration_s")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    listing = "--list" in sys.argv
    oracle = {e["SourceFile"].lstrip("./"): e for e in json.load(open(args[0]))}
    ours = {}
    for r in json.load(open(args[1])):
        f = r.get("file") or ""
        key = f.split("/files/")[-1] if "/files/" in f else f.lstrip("./")
        ours[key] = r
    fields = ["captured", "make", "model", "gps", "size", "duration"]
    tally = {f: [0, 0] for f in fields}
    misses = []

    def count(field, name, ok, want, got):
        tally[field][1] += 1
        if ok:
            tally[field][0] += 1
        else:
            misses.append((field, name, want, got))

    for name, e in sorted(oracle.items()):
        if name.endswith(".fuzzed") or name.endswith(".parsed") or name not in ours:
            continue
        r = ours[name]
        k, want = oracle_time(e)
        got = ours_time(r)
        if want is not None or got is not None:
            ok = want is not None and got is not None and same_time(want, got)
            count("captured", name, ok, f"{k}={e.get(k)}", r.get("captured_at"))
        dev = r.get("device") or {}
        for what, field in (("Make", "make"), ("Model", "model")):
            w, g = oracle_make_model(e, what), (dev.get(field) or "").strip() or None
            if w is not None or g is not None:
                count(field, name, w == g, w, g)
        w = oracle_gps(e)
        gp = r.get("gps") or {}
        g = (gp["lat"], gp["lon"]) if "lat" in gp and "lon" in gp else None
        if w is not None or g is not None:
            ok = w is not None and g is not None and abs(w[0] - g[0]) <= 1e-5 and abs(w[1] - g[1]) <= 1e-5
            count("gps", name, ok, w, g)
        w, g = oracle_size(e), ours_size(r)
        if w is not None:
            count("size", name, w == g, w, g)
        w = oracle_duration(e)
        g = ours_duration(r)
        if w is not None and w < 1e6:
            ok = g is not None and abs(w - g) <= max(0.1, 0.01 * w)
            count("duration", name, ok, w, g)

    print("| field | agree | files | rate |")
    print("|---|---|---|---|")
    for f in fields:
        a, n = tally[f]
        print(f"| {f} | {a} | {n} | {100.0 * a / n if n else 100.0:.1f} % |")
    if listing and misses:
        print()
        for field, name, want, got in misses:
            print(f"- {field}: `{name}`: ExifTool {want!r}, custody {got!r}")


if __name__ == "__main__":
    main()
