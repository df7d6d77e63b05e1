"""Photos (随手拍) from citizens and units: checked by content, stripped of metadata, thumbnailed.

Whatever a phone wrote into the file (EXIF with GPS position, camera serial, XMP, comments) stays
behind: the pixels are decoded and encoded again, and only the pixels are kept. The orientation
tag is applied to the pixels first so a portrait photo still stands upright without it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationFailed, field_error
from .storage import ObjectStore

pillow_heif.register_heif_opener()

JPEG, PNG, HEIC = "image/jpeg", "image/png", "image/heic"
# ISO BMFF brands an iPhone or Android camera writes for HEIF stills.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
THUMBNAIL_PX = 320
JPEG_QUALITY = 85
# Far beyond any phone camera (200 MP), far below what would exhaust memory when decoded.
MAX_PIXELS = 50_000_000


class PhotoRejected(ValueError):
    """A file we will not store; the message is for the citizen, in Chinese."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    received_type: str

    @property
    def extension(self) -> str:
        return "png" if self.content_type == PNG else "jpg"


def sniff(data: bytes) -> str | None:
    """The type the bytes really are (the file name and the declared type are not trusted)."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIC
    return None


def _encode(image: Image.Image, content_type: str) -> bytes:
    out = io.BytesIO()
    if content_type == PNG:
        # No pnginfo and no exif argument: text chunks and eXIf are not written.
        image.save(out, format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def clean_photo(data: bytes, *, max_bytes: int, label: str = "照片") -> CleanPhoto:
    if not data:
        raise PhotoRejected(f"{label}是空文件，请重新选择。")
    if len(data) > max_bytes:
        raise PhotoRejected(f"{label}超过 {max_bytes // (1024 * 1024)} MB，请压缩后再上传。")
    kind = sniff(data)
    if kind is None:
        raise PhotoRejected(f"{label}不是 JPEG、PNG 或 HEIC 格式的图片。")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise PhotoRejected(f"{label}的像素过多（{width}×{height}），请缩小后再上传。")
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            if upright.mode not in ("RGB", "RGBA", "L", "LA"):
                upright = upright.convert("RGBA" if "transparency" in upright.info or upright.mode == "P" else "RGB")
            # A fresh image from raw pixels: no info dict, so no EXIF, ICC profile, XMP or comments.
            pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoRejected(f"{label}已损坏或无法识别，请重新拍摄或选择。") from exc
    stored_type = PNG if kind == PNG else JPEG  # browsers cannot show HEIC: it is kept as JPEG
    body = _encode(pixels, stored_type)
    thumb = pixels.copy()
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    if thumb.mode != "RGB":
        background = Image.new("RGB", thumb.size, (255, 255, 255))
        background.paste(thumb, mask=thumb.getchannel("A") if "A" in thumb.getbands() else None)
        thumb = background
    return CleanPhoto(
        data=body,
        content_type=stored_type,
        thumbnail=_encode(thumb, JPEG),
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(body).hexdigest(),
        received_type=kind,
    )


def decode_base64_photos(texts: Sequence[str], *, field: Sequence[str | int]) -> list[bytes]:
    """Photos sent inside JSON (apps, unit workbenches) as base64; each bad one named by position."""
    files, errors = [], []
    for i, text in enumerate(texts):
        try:
            files.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            errors.append(field_error([*field, i], "照片应为 base64 编码的图片 / base64 image data", "base64"))
    if errors:
        raise ValidationFailed("照片编码有误 / photos are not valid base64", errors=errors)
    return files


def clean_photos(
    files: Sequence[bytes], *, max_bytes: int, max_count: int, field: Sequence[str | int]
) -> list[CleanPhoto]:
    """Every file checked; all problems reported at once (422), each naming its photo."""
    if len(files) > max_count:
        message = f"最多上传{max_count}张照片 / at most {max_count} photos"
        raise ValidationFailed(message, errors=[field_error(field, message, "too_many_photos")])
    cleaned: list[CleanPhoto] = []
    errors = []
    for i, data in enumerate(files):
        try:
            cleaned.append(clean_photo(data, max_bytes=max_bytes, label=f"第{i + 1}张照片"))
        except PhotoRejected as exc:
            errors.append(field_error([*field, i], str(exc), "invalid_photo"))
    if errors:
        raise ValidationFailed("照片有误：" + "；".join(e["message"] for e in errors), errors=errors)
    return cleaned


@dataclass(frozen=True)
class StoredPhoto:
    photo_id: str
    key: str
    thumb_key: str


async def store_photo(store: ObjectStore, *, prefix: str, photo: CleanPhoto) -> StoredPhoto:
    """The photo and its thumbnail under `prefix/<photo_id>`: one naming for every service that keeps photos."""
    photo_id = uuid.uuid4().hex
    stored = StoredPhoto(photo_id, f"{prefix}/{photo_id}.{photo.extension}", f"{prefix}/{photo_id}-thumb.jpg")
    await store.put(stored.key, photo.data, content_type=photo.content_type)
    await store.put(stored.thumb_key, photo.thumbnail, content_type="image/jpeg")
    return stored


def photo_event(
    photo_id: str, key: str, thumb_key: str, photo: CleanPhoto, *, source: str, publishable: bool
) -> dict[str, object]:
    """How a stored photo travels in events (feedback shows it from these fields)."""
    return {
        "photo_id": photo_id,
        "source": source,
        "object_key": key,
        "thumb_key": thumb_key,
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "publishable": publishable,
    }
