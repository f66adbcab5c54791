"""Typo repair for the Q&A search: a question's unknown syllables read against the index's
vocabulary (Telex/VNI leftovers, syllables typed together, one typo, a wrong syllable
inside a known pair)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from handlers.qa import textnorm as tn

REPAIR_WEIGHT = 0.8
MAX_REPAIR_CHARS = 24  # longer unknown tokens are left alone
_NEAR_CACHE_SIZE = 4096


class Speller:
    def __init__(self, vocab: frozenset[str], pairs: Iterable[str], frequency: Mapping[str, int]) -> None:
        self._vocab = vocab
        self._frequency = frequency  # how many units hold a term
        self._deletes = _deletion_index(vocab)
        self._next: dict[str, set[str]] = defaultdict(set)
        self._prev: dict[str, set[str]] = defaultdict(set)
        for pair in pairs:
            a, b = pair.split("_", 1)
            self._next[a].add(b)
            self._prev[b].add(a)
        self._near_cache: dict[str, tuple[str, ...]] = {}

    def tokens(self, folded: list[str]) -> list[tuple[str, float]]:
        """Each token with its weight, repaired where the vocabulary does not know it."""
        tokens: list[tuple[str, float]] = []
        typos: dict[int, tuple[str, ...]] = {}
        for token in folded:
            repaired = self._repair(token)
            if repaired is None:
                near = self._near(token)
                typos[len(tokens)] = near
                repaired = [(near[0], REPAIR_WEIGHT)] if near else [(token, 1.0)]
            tokens.extend(repaired)
        for pos, near in typos.items():
            if len(near) > 1:
                tokens[pos] = (self._in_context(near, tokens, pos), REPAIR_WEIGHT)
        return tokens

    def pair_repairs(self, words: list[str]) -> list[tuple[str, ...]]:
        """A real syllable typed wrongly inside a known pair ("thu lai" → "thu lao")."""
        out: list[tuple[str, ...]] = []
        for a, b in zip(words, words[1:], strict=False):
            if b in self._next.get(a, ()) or a in tn.STOPWORDS or b in tn.STOPWORDS:
                continue
            fixed = next((c for c in sorted(self._next.get(a, ())) if damerau1(b, c)), None)
            if fixed is not None:
                out.append((a, fixed))
                continue
            fixed = next((c for c in sorted(self._prev.get(b, ())) if damerau1(a, c)), None)
            if fixed is not None:
                out.append((fixed, b))
        return out

    def _repair(self, token: str) -> list[tuple[str, float]] | None:
        if token in self._vocab or token.isdecimal() or len(token) > MAX_REPAIR_CHARS:
            return [(token, 1.0)]
        for variant in tn.keyboard_variants(token):
            if variant in self._vocab:
                return [(variant, REPAIR_WEIGHT)]
        split = segment(token, self._vocab)
        if split:
            return [(part, REPAIR_WEIGHT) for part in split]
        return None

    def _in_context(self, near: tuple[str, ...], tokens: list[tuple[str, float]], pos: int) -> str:
        """The typo correction that forms a known pair with a neighbour, else the commonest."""
        before = tokens[pos - 1][0] if pos > 0 else None
        after = tokens[pos + 1][0] if pos + 1 < len(tokens) else None

        def pairs(cand: str) -> int:
            return (cand in self._next.get(before or "", ())) + (cand in self._prev.get(after or "", ()))

        best = max(near, key=pairs)  # max keeps the commonest among equals
        return best if pairs(best) else near[0]

    def _near(self, token: str) -> tuple[str, ...]:
        """Known syllables one edit (insert, delete, substitute, swap) away, commonest first."""
        cached = self._near_cache.get(token)
        if cached is not None:
            return cached
        found: set[str] = set()
        if len(token) >= 3:
            for key in _deletes(token) | {token}:
                found.update(self._deletes.get(key, ()))
        close = sorted((c for c in found if damerau1(token, c)), key=lambda c: (-self._frequency.get(c, 0), c))
        if len(self._near_cache) >= _NEAR_CACHE_SIZE:
            self._near_cache.clear()
        self._near_cache[token] = result = tuple(close)
        return result


def _deletes(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def _deletion_index(vocab: Iterable[str]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = defaultdict(set)
    for word in vocab:
        if len(word) >= 2:
            index[word].add(word)
            for key in _deletes(word):
                index[key].add(word)
    return dict(index)


def damerau1(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insert, delete, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def segment(token: str, vocab: frozenset[str]) -> list[str] | None:
    """Split syllables typed together ("hoagiaivien") into known ones, fewest parts."""
    if len(token) < 5:
        return None
    best: list[list[str] | None] = [[]] + [None] * len(token)
    for end in range(2, len(token) + 1):
        for start in range(max(0, end - 7), end - 1):
            prev = best[start]
            if prev is not None and token[start:end] in vocab:
                candidate = [*prev, token[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    result = best[-1]
    return result if result and len(result) > 1 else None
