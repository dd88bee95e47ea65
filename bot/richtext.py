"""Telegram's HTML formatting: check a text before it is sent to thousands of people.

`normalize_html(source)` returns the text as clean Telegram HTML, or raises FormattingError whose
`message()` explains the problem in the current locale. It is lenient with plain text (a lone
`<` before a space or digit, `&` that starts no entity, `>` are escaped) and strict with tags:
only the ones Telegram understands, properly nested and closed.
See https://core.telegram.org/bots/api#html-style
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from bot.i18n import _, ltr, ngettext

MAX_LENGTH = 4096  # characters of a text message after the tags are removed (UTF-16 units)

# tag -> attributes allowed on it
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
SHOWN_TAGS = "b, i, u, s, a, code, pre, tg-spoiler, blockquote"
_LINK = re.compile(r"^(https?://[^\s<>\"]+|tg://user\?id=\d+|tg://[\w/?=&.-]+)$", re.IGNORECASE)
_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});)")


class FormattingError(ValueError):
    """The text cannot be sent as Telegram HTML; `message()` says why, in the user's language."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def message(self) -> str:
        tag = ltr(f"<{self.detail}>")
        if self.code == "tag":
            return _(
                "The text contains {tag}, which is not a formatting Telegram supports. "
                "You can use {tags}. To show the sign < itself, write &lt; instead."
            ).format(tag=tag, tags=ltr(SHOWN_TAGS))
        if self.code == "attribute":
            return _("The formatting {tag} has a setting Telegram does not accept.").format(tag=tag)
        if self.code == "link":
            return _(
                "A link must start with https:// or http:// (for example "
                "<a href=\"https://example.org\">text</a>)."
            )
        if self.code == "unclosed":
            return _("The formatting {tag} is opened but never closed.").format(tag=tag)
        if self.code == "unopened":
            return _("The text closes {tag}, which was not opened before.").format(
                tag=ltr(f"</{self.detail}>")
            )
        if self.code == "nesting":
            return _("The formatting {tag} cannot be placed there (check the order of the tags).").format(
                tag=tag
            )
        if self.code == "empty":
            return _("The message is empty. Please send the text to broadcast.")
        if self.code == "length":
            return ngettext(
                "The message is too long: {length} character, and Telegram allows {limit}. "
                "Please shorten it.",
                "The message is too long: {length} characters, and Telegram allows {limit}. "
                "Please shorten it.",
                int(self.detail or 0),
            ).format(length=ltr(self.detail), limit=ltr(MAX_LENGTH))
        return _("Telegram could not read the formatting of this text.")


class _Normalizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = ALLOWED_TAGS.get(tag)
        if allowed is None:
            raise FormattingError("tag", tag)
        if any(name not in allowed for name, _value in attrs):
            raise FormattingError("attribute", tag)
        values = dict(attrs)
        parent = self.stack[-1] if self.stack else None
        if parent in ("pre", "code") and not (tag == "code" and parent == "pre"):
            raise FormattingError("nesting", tag)
        if tag == "blockquote" and "blockquote" in self.stack:
            raise FormattingError("nesting", tag)
        rendered = tag
        if tag == "a":
            href = (values.get("href") or "").strip()
            if not _LINK.match(href):
                raise FormattingError("link", tag)
            rendered = f'a href="{html.escape(href, quote=True)}"'
        elif tag == "span":
            if values.get("class") != "tg-spoiler":
                raise FormattingError("attribute", tag)
            rendered = 'span class="tg-spoiler"'
        elif tag == "code" and "class" in values:
            # Telegram wants "language-python"; PTB's text_html writes just "python".
            language = (values.get("class") or "").removeprefix("language-")
            if parent != "pre" or not re.fullmatch(r"[\w+#.-]{1,32}", language):
                raise FormattingError("attribute", tag)
            rendered = f'code class="language-{language}"'
        elif tag == "blockquote" and "expandable" in values:
            rendered = "blockquote expandable"
        elif tag == "tg-emoji":
            emoji_id = values.get("emoji-id") or ""
            if not emoji_id.isdigit():
                raise FormattingError("attribute", tag)
            rendered = f'tg-emoji emoji-id="{emoji_id}"'
        self.stack.append(tag)
        self.out.append(f"<{rendered}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise FormattingError("tag", tag)  # <br/>, <img/> ...: Telegram has no empty tags

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack:
            raise FormattingError("unopened", tag)
        if self.stack[-1] != tag:
            raise FormattingError("unclosed", self.stack[-1])
        self.stack.pop()
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.length += len(data.encode("utf-16-le")) // 2
        self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        raise FormattingError("tag", "!--")

    def handle_decl(self, decl: str) -> None:
        raise FormattingError("tag", "!")

    def handle_pi(self, data: str) -> None:
        raise FormattingError("tag", "?")

    def unknown_decl(self, data: str) -> None:
        raise FormattingError("tag", "!")


def normalize_html(source: str) -> str:
    """Clean Telegram HTML for `source`, or FormattingError."""
    text = (source or "").strip()
    if not text:
        raise FormattingError("empty")
    parser = _Normalizer()
    parser.feed(_ENTITY.sub("&amp;", text))
    parser.close()
    if parser.rawdata:  # an unfinished tag such as "<b" at the very end
        parser.handle_data(parser.rawdata)
        parser.rawdata = ""
    if parser.stack:
        raise FormattingError("unclosed", parser.stack[-1])
    if not "".join(parser.out).strip() or parser.length == 0:
        raise FormattingError("empty")
    if parser.length > MAX_LENGTH:
        raise FormattingError("length", str(parser.length))
    return "".join(parser.out)


def plain_text(source_html: str) -> str:
    """The visible text of Telegram HTML (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", source_html))
