"""Seeded generators for Neon-format identifiers and role passwords (same seed, same sequence)."""

from __future__ import annotations

import random
import string
import uuid

_ADJECTIVE_WORDS = (
    "ancient autumn billowing bitter black blue bold broad cold cool crimson curly damp dark dawn "
    "delicate divine dry empty falling fancy flat floral fragrant frosty gentle green hidden holy icy "
    "jolly late lingering little lively long lucky misty morning muddy nameless noisy odd old orange "
    "patient plain polished proud purple quiet rapid raspy red restless rough round royal shiny shy "
    "silent small snowy soft solitary sparkling spring square steep still summer super sweet throbbing "
    "tight tiny twilight wandering weathered white wild winter wispy withered yellow young"
)
_NOUN_WORDS = (
    "art band bar base bird block boat bonus bread breeze brook bush butterfly cake cell cherry cloud "
    "credit darkness dawn dew disk dream dust feather field fire firefly flower fog forest frog frost "
    "glade glitter grass hall hat haze heart hill king lab lake leaf limit math meadow mode moon morning "
    "mountain mouse mud night paper pine poetry pond queen rain recipe resonance rice river salad scene "
    "sea shadow shape silence sky smoke snow snowflake sound star sun sunset surf term thunder tooth tree "
    "truth union unit violet voice water waterfall wave wildflower wind wood"
)
ADJECTIVES = tuple(_ADJECTIVE_WORDS.split())
NOUNS = tuple(_NOUN_WORDS.split())
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_PASSWORD_ALPHABET = string.ascii_letters + string.digits


class IdFactory:
    """Every id and password comes from one seeded `random.Random`, so a seed fixes the whole sequence.

    Not cryptographically secure on purpose: the emulator's credentials guard nothing of value and
    determinism makes test failures reproducible.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - deterministic on purpose (see class docstring)
        self._issued: set[str] = set()

    def reseed(self, seed: int, *, forget: bool = False) -> None:
        """Restart the sequence from `seed`. Ids already issued stay reserved unless `forget` (after a reset,
        when nothing holds them any more): a new seed never hands out an id that exists."""
        self._rng = random.Random(seed)  # noqa: S311
        if forget:
            self._issued.clear()

    def _unique(self, make: str) -> str:
        candidate = self._compose(make)
        while candidate in self._issued:
            candidate = self._compose(make)
        self._issued.add(candidate)
        return candidate

    def _words(self) -> str:
        return f"{self._rng.choice(ADJECTIVES)}-{self._rng.choice(NOUNS)}"

    def _suffix(self) -> str:
        return "".join(self._rng.choice(_SUFFIX_ALPHABET) for _ in range(8))

    def _compose(self, kind: str) -> str:
        if kind == "operation":
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        if kind == "project":
            return f"{self._words()}-{self._rng.randrange(10**8):08d}"
        if kind == "database":
            return str(self._rng.randrange(10**6, 10**9))
        return f"{kind}-{self._words()}-{self._suffix()}"

    def project_id(self) -> str:
        return self._unique("project")

    def branch_id(self) -> str:
        return self._unique("br")

    def endpoint_id(self) -> str:
        return self._unique("ep")

    def snapshot_id(self) -> str:
        return self._unique("snap")

    def database_id(self) -> int:
        return int(self._unique("database"))

    def operation_id(self) -> str:
        return self._unique("operation")

    def password(self) -> str:
        # Neon's generated passwords look like `npg_` followed by 12 letters and digits.
        return "npg_" + "".join(self._rng.choice(_PASSWORD_ALPHABET) for _ in range(12))
