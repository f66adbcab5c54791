"""Requests as Telegram reads them, for the fake server in fake_telegram.py.

`parse_request` decodes a call sent as JSON, as a form or as multipart/form-data
(python-telegram-bot sends forms whose non-string values are JSON-encoded).
`BotApiSpec` reads the machine-readable Bot API (methods -> fields -> types) and rejects
missing and wrongly typed fields, recursing into objects, arrays and unions.
`check_rules` holds what the spec says only in prose: text and caption lengths, inline
keyboard shape, callback_data of 1-64 bytes, at most 100 buttons (a limit Telegram enforces
without documenting it: "reply markup is too long"), well-formed HTML / MarkdownV2 markup.
Descriptions come without the "Bad Request: " prefix, which the server adds.
"""

from __future__ import annotations

import email.parser
import email.policy
import functools
import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

DEFAULT_SPEC_PATH = Path(__file__).resolve().parents[3] / "shared/reference/telegram-bot-api.json"

# Without a spec, form values of these fields stay strings; all others are JSON-decoded.
_STRING_FIELDS = frozenset(
    "text caption callback_data query parse_mode callback_query_id inline_query_id url "
    "next_offset action document photo description short_description name title".split()
)
_MUST_BE = re.compile(r"must be\W*(\w+)")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart/form-data request."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


class SpecError(ValueError):
    """A value does not fit the spec; `path` tells how deep the mismatch was found."""

    def __init__(self, description: str, path: str = ""):
        super().__init__(description)
        self.path = path


class BotApiSpec:
    """The Bot API as data: `canonical_method`, `field_types`, `validate`."""

    def __init__(self, data: dict[str, Any]):
        self.version = data.get("version", "?")
        self.types: dict[str, dict] = data["types"]
        self.methods = {name: {f["name"]: f for f in m.get("fields", [])} for name, m in data["methods"].items()}
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: str | Path) -> BotApiSpec | None:
        """The spec at `path`, or None when the file is absent (read once per path)."""
        return _load(str(Path(path).resolve()), cls)

    def canonical_method(self, name: str) -> str | None:
        """Telegram method names are case-insensitive."""
        return self._by_lower.get(name.lower())

    def field_types(self, method: str, field: str) -> list[str] | None:
        spec = self.methods.get(method, {}).get(field)
        return spec["types"] if spec else None

    def validate(self, method: str, params: dict[str, Any]) -> None:
        """Raise SpecError for a missing required field or a value of the wrong type."""
        for name, field in self.methods[method].items():
            if name not in params:
                if field["required"]:
                    raise SpecError(f"field {name} is required", name)
                continue
            self._check(params[name], field["types"], name)

    def _check(self, value: Any, types: list[str], path: str) -> None:
        errors = []
        for type_name in types:
            try:
                return self._check_one(value, type_name, path)
            except SpecError as exc:
                errors.append(exc)
        raise max(errors, key=lambda e: len(e.path))  # the option that matched deepest

    def _check_one(self, value: Any, type_name: str, path: str) -> None:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                raise SpecError(f"field {path} must be an Array", path)
            for i, item in enumerate(value):
                self._check(item, [type_name[9:]], f"{path}[{i}]")
            return
        if type_name in _PRIMITIVES:
            if not _PRIMITIVES[type_name](value):
                raise SpecError(f"field {path} must be of type {type_name}", path)
            return
        spec = self.types.get(type_name)
        if spec and spec.get("subtypes"):
            return self._check(value, self._narrow(spec["subtypes"], value, path), path)
        if spec is None or not spec.get("fields"):
            return  # a type the spec does not describe: accept
        if not isinstance(value, dict):
            raise SpecError(f"field {path} must be a JSON object ({type_name})", path)
        for field in spec["fields"]:
            sub = f"{path}.{field['name']}"
            if field["name"] in value and value[field["name"]] is not None:
                self._check(value[field["name"]], field["types"], sub)
            elif field["required"]:
                raise SpecError(f"field {sub} is required", sub)

    def _narrow(self, subtypes: list[str], value: Any, path: str) -> list[str]:
        """Pick the union member whose `type` field says "must be <value['type']>"."""
        kinds = {}
        for name in subtypes:
            for field in self.types.get(name, {}).get("fields", []):
                m = _MUST_BE.search(field.get("description", ""))
                if field["name"] == "type" and m:
                    kinds[m.group(1)] = name
        if not kinds or not isinstance(value, dict):
            return subtypes
        if value.get("type") not in kinds:
            raise SpecError(f"field {path}.type must be one of {', '.join(kinds)}", f"{path}.type")
        return [kinds[value["type"]]]


@functools.lru_cache(maxsize=4)
def _load(path: str, cls: type[BotApiSpec]) -> BotApiSpec | None:
    file = Path(path)
    return cls(json.loads(file.read_text("utf-8"))) if file.is_file() else None


_PRIMITIVES = {
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "Boolean": lambda v: isinstance(v, bool),
    "String": lambda v: isinstance(v, str),
    "InputFile": lambda v: isinstance(v, UploadedFile),
}


def decode_form_value(spec: BotApiSpec | None, method: str, name: str, raw: str) -> Any:
    """Form values are strings; JSON-decode those whose spec type is not a plain String."""
    types = spec.field_types(method, name) if spec else None
    plain = name in _STRING_FIELDS if types is None else set(types) <= {"String", "InputFile"}
    if plain:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_request(spec: BotApiSpec | None, method: str, query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """The call's parameters from its query string and JSON, form or multipart body.

    Raises ValueError for a body that cannot be read. A null value counts as absent.
    """
    mime = content_type.split(";")[0].strip().lower()
    fields, params = parse_qsl(query, keep_blank_values=True), {}
    if mime == "application/json" and body:
        params = json.loads(body)
        if not isinstance(params, dict):
            raise ValueError("the request body must be a JSON object")
    elif mime == "application/x-www-form-urlencoded":
        fields += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    elif mime == "multipart/form-data":
        more, params = _parse_multipart(content_type, body)
        fields += more
    decoded = {k: decode_form_value(spec, method, k, v) for k, v in fields}
    return {k: v for k, v in {**decoded, **params}.items() if v is not None}


def _parse_multipart(content_type: str, body: bytes) -> tuple[list[tuple[str, str]], dict]:
    """Split a multipart/form-data body byte-exactly: (text fields, {name: UploadedFile})."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise ValueError("multipart body without boundary")
    fields, files = [], {}
    for chunk in body.split(b"--" + m.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        part = email.parser.BytesHeaderParser(policy=email.policy.HTTP).parsebytes(head)
        name, filename = part.get_param("name", header="content-disposition"), part.get_filename()
        content = content.removesuffix(b"\r\n")
        if filename is None:
            fields.append((name, content.decode("utf-8")))
        else:
            files[name] = UploadedFile(filename, content, part.get_content_type())
    return fields, files


# ---- rules the spec states only in prose -------------------------------------------------

_TEXT_METHODS = {"sendMessage", "editMessageText"}
_NOT_ACTIONS = {"text", "icon_custom_emoji_id", "style"}


def check_rules(method: str, params: dict[str, Any]) -> str | None:
    """Return a Telegram-like error description, or None when the call is fine."""
    text, caption = params.get("text"), params.get("caption")
    if method in _TEXT_METHODS and (text is None or isinstance(text, str)):
        visible = visible_text(text or "", params.get("parse_mode"))
        if not visible.strip():
            return "message text is empty"
        if len(visible) > 4096:
            return "message is too long"
    if isinstance(caption, str) and len(visible_text(caption, params.get("parse_mode"))) > 1024:
        return "message caption is too long"
    for value in (text, caption):
        if isinstance(value, str) and (err := markup_error(value, params.get("parse_mode"))):
            return f"can't parse entities: {err}"
    markups = [params.get("reply_markup")]
    if isinstance(params.get("results"), list):
        markups += [r.get("reply_markup") for r in params["results"] if isinstance(r, dict)]
    for markup in markups:
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            if err := inline_keyboard_error(markup["inline_keyboard"]):
                return err
    return None


MAX_INLINE_BUTTONS = 100


def inline_keyboard_error(rows: Any) -> str | None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return "can't parse inline keyboard: field inline_keyboard must be an Array of Arrays"
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        return "reply markup is too long"
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            return 'can\'t parse inline keyboard button: Field "text" must be of type String'
        if not button["text"].strip():
            return "can't parse inline keyboard button: Text must be non-empty"
        if not set(button) - _NOT_ACTIONS:
            return "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        data = button.get("callback_data")
        if "callback_data" in button and (not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64):
            return "BUTTON_DATA_INVALID"
    return None


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as the user sees it (HTML tags stripped); other modes count as written."""
    if (parse_mode or "").upper() == "HTML":
        return html.unescape(re.sub(r"<[^>]*>", "", text))
    return text


_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
    "tg-time",
}
_MDV2_RESERVED = set("#+-={}.!>()")


def markup_error(text: str, parse_mode: str | None) -> str | None:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _HtmlChecker().check(text)
    if mode == "markdownv2":
        return _markdown_v2_error(text)
    return None


class _HtmlChecker(HTMLParser):
    """Telegram accepts a few tags only, and every tag must be closed in order."""

    def check(self, text: str) -> str | None:
        self.stack: list[str] = []
        self.error: str | None = None
        self.feed(text)
        self.close()
        if self.error is None and self.stack:
            self.error = f'Can\'t find end tag corresponding to start tag "{self.stack[-1]}"'
        return self.error

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _HTML_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'
        else:
            self.stack.pop()


def _markdown_v2_error(text: str) -> str | None:
    """Characters that are never markup must be escaped (outside code and link targets)."""
    i, n, code, in_url, line_start = 0, len(text), None, False, True
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            line_start = False
            continue
        if code:  # inside `code` or ```pre```: only the closing fence matters
            if text.startswith(code, i):
                i, code = i + len(code), None
                continue
        elif ch == "`":
            code = "```" if text.startswith("```", i) else "`"
            i += len(code)
            continue
        elif in_url:
            in_url = ch != ")"
        elif ch == "(" and i and text[i - 1] == "]":
            in_url = True
        elif ch in _MDV2_RESERVED and not (ch == ">" and line_start) and not (ch == "!" and text.startswith("![", i)):
            return f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
        line_start = ch == "\n" or (line_start and ch == ">")
        i += 1
    return None
