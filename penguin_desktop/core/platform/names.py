"""Names people give things (workspaces, the agency): one normalization so that what looks the
same is the same. `Café` typed with a composed é and with e + combining accent are one name
(Unicode NFC); spaces are trimmed and collapsed; control and invisible format characters
(zero-width spaces, direction overrides) are refused, since they make look-alike names."""

from __future__ import annotations

import unicodedata

from penguin_desktop.core.platform.errors import ValidationError


def display_name(raw: str, what: str, limit: int, field: str = "name") -> str:
    """`raw` cleaned for showing and storing; `what` names it in errors ("a workspace name")."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise ValidationError(f"{what} is required", field=field)
    hidden = [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs")]
    if hidden:
        raise ValidationError(
            f"{what} cannot contain control or invisible characters "
            f"({', '.join(f'U+{ord(c):04X}' for c in dict.fromkeys(hidden))})",
            field=field,
        )
    if len(name) > limit:
        raise ValidationError(
            f"{what} has at most {limit} characters (this one has {len(name)})", field=field
        )
    return name


def name_key(raw: str) -> str:
    """What two names must share to be the same name: NFC, spaces collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFC", raw).split()).casefold()
