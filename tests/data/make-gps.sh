#!/usr/bin/env bash
# tests/data/make-gps.sh: makes tests/data/gps/DSCN*.jpg, the photos the tests ingest and search
# by time, place and camera. Pixels: FFmpeg's testsrc2 pattern (one frame each, 640x480). EXIF:
# the camera, times and GPS that ExifTool reads from the photos of the same names in
# exif-samples' jpg/gps/ (a Nikon COOLPIX P6000 in Tuscany, 22 October 2008), written with
# ExifTool, so the tests' expected values are those of the real photos; none of their pixels,
# thumbnails or maker notes. Run from anywhere; needs ffmpeg and exiftool.
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)/gps"
mkdir -p "$out"

# name  DateTimeOriginal  ModifyDate  latitude (N)  longitude (E)  GPSTimeStamp
while read -r name taken modified lat lon gpstime; do
    f="$out/$name"
    rm -f "$f"
    # A different moment of the pattern per photo: the pictures differ as well as their EXIF.
    n=${name//[!0-9]/}
    ffmpeg -loglevel error -nostdin -f lavfi -i "testsrc2=size=640x480:rate=25" \
        -vf "trim=start_frame=$((10#$n)):end_frame=$((10#$n + 1))" -frames:v 1 -q:v 8 \
        -pix_fmt yuvj422p "$f"
    exiftool -q -overwrite_original -Make=NIKON '-Model=COOLPIX P6000' -Orientation#=1 \
        "-ModifyDate=2008:11:01 ${modified}" "-DateTimeOriginal=2008:10:22 ${taken}" \
        "-CreateDate=2008:10:22 ${taken}" -GPSLatitudeRef=N "-GPSLatitude=${lat}" \
        -GPSLongitudeRef=E "-GPSLongitude=${lon}" -GPSAltitudeRef#=0 "-GPSTimeStamp=${gpstime}" \
        -GPSDateStamp=2008:10:23 '-GPSMapDatum=WGS-84   ' "$f"
done <<'TABLE'
DSCN0010.jpg 16:28:39 21:15:07 43.4674483333333 11.8851266666639 14:27:07.24
DSCN0012.jpg 16:29:49 21:15:07 43.4671566666639 11.8853949999972 14:28:17.24
DSCN0021.jpg 16:38:20 21:15:08 43.4670816666639 11.8845383333306 14:36:47.23
DSCN0025.jpg 16:43:21 21:15:09 43.468365 11.8816349999722 14:41:49.03
DSCN0027.jpg 16:44:01 21:15:09 43.4684416666667 11.881515 14:42:29.03
DSCN0029.jpg 16:46:53 21:15:09 43.4682433333306 11.8801716666389 14:45:20.91
DSCN0038.jpg 16:52:15 21:15:11 43.4672549999972 11.8792133333333 14:50:40.9
DSCN0040.jpg 16:55:37 21:15:11 43.4660116666389 11.8791116666389 14:54:00.19
DSCN0042.jpg 17:00:07 21:15:11 43.464455 11.8814783333333 14:57:41.37
TABLE
