"""Text hygiene for what operators type: Unicode-normalised, no control characters, real content.

Bad characters are refused rather than silently dropped so the operator sees what went wrong; a
NUL or a lone surrogate would otherwise fail deep in the database driver.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS_RE = re.compile(r"[\r\n\t]+")
_SPACES_RE = re.compile(r"\s+")
_LIKE_SPECIALS_RE = re.compile(r"([\\%_])")


class TextProblem(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _check_characters(value: str) -> None:
    for ch in value:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise TextProblem("文本包含无效字符 / the text contains invalid characters", "invalid_characters")
        if unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\r\n\t":
            raise TextProblem(
                f"文本包含控制字符 U+{ord(ch):04X} / the text contains a control character", "invalid_characters"
            )


def meaningful_length(value: str) -> int:
    """Letters, CJK characters and digits: what actually says something (not dots or spaces)."""
    return sum(1 for ch in value if unicodedata.category(ch)[0] in ("L", "N"))


def clean_text(value: str, *, multiline: bool, max_chars: int, min_meaningful: int = 0) -> str:
    """Normalise (NFC) and check a free-text field; raises TextProblem with a bilingual message."""
    _check_characters(value)
    text = unicodedata.normalize("NFC", value).strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n") if multiline else _LINE_BREAKS_RE.sub(" ", text)
    if len(text) > max_chars:
        raise TextProblem(f"最多{max_chars}个字，现有{len(text)}个 / at most {max_chars} characters", "too_long")
    if meaningful_length(text) < min_meaningful:
        raise TextProblem(
            f"内容过短，至少需要{min_meaningful}个有效字符（汉字、字母或数字） / "
            f"needs at least {min_meaningful} letters, Chinese characters or digits",
            "too_short",
        )
    return text


def search_form(*parts: str | None) -> str:
    """The form stored in `cases.search_text` and applied to queries: NFKC, case-folded, one space.

    NFKC makes full-width ＡＢＣ１２３ match ABC123; case folding makes the match case-insensitive on
    both SQLite and PostgreSQL without relying on ILIKE or collations.
    """
    joined = " ".join(p for p in parts if p)
    return _SPACES_RE.sub(" ", unicodedata.normalize("NFKC", joined).casefold()).strip()


def like_pattern(term: str) -> str:
    return "%" + _LIKE_SPECIALS_RE.sub(r"\\\1", term) + "%"
