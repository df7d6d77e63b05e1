"""Photo files the way phones write them: with EXIF, GPS position and camera details."""

from __future__ import annotations

import io

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

SECRET_CAMERA = "HotlineTestCam 9000"  # noqa: S105 - a camera model written into EXIF, not a secret


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[Base.Make] = SECRET_CAMERA
    exif[Base.Orientation] = 1
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (39.0, 54.0, 57.0)
    gps[GPS.GPSLongitudeRef] = "E"
    gps[GPS.GPSLongitude] = (116.0, 23.0, 51.0)
    return exif


def jpeg_with_gps(size: tuple[int, int] = (640, 480), color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", exif=exif_with_gps())
    data = out.getvalue()
    assert SECRET_CAMERA.encode() in data  # the test file really carries what must be removed
    return data


def png_with_exif() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 120, 200, 255)).save(out, format="PNG", exif=exif_with_gps())
    return out.getvalue()


def heic_with_gps() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 160, 60)).save(out, format="HEIF", exif=exif_with_gps())
    return out.getvalue()


def metadata_left(data: bytes) -> dict[str, object]:
    """What a reader of the stored file could learn besides the pixels."""
    with Image.open(io.BytesIO(data)) as image:
        found: dict[str, object] = {
            str(k): v
            for k, v in image.info.items()
            if k not in ("jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi")
        }
        exif = image.getexif()
        if len(exif):
            found["exif"] = dict(exif)
        if exif.get_ifd(IFD.GPSInfo):
            found["gps"] = exif.get_ifd(IFD.GPSInfo)
    if SECRET_CAMERA.encode() in data:
        found["camera"] = SECRET_CAMERA
    return found
