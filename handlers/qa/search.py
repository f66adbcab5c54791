"""Search over the Q&A snippets: BM25F over folded syllables and syllable pairs.

Built once from the snippets (`QaIndex.build`), then `search` does no I/O. A question
is folded (no diacritics, đ→d), abbreviations are expanded, out-of-vocabulary
syllables are repaired (Telex/VNI leftovers, words typed together, one typo), and
synonyms add the phrase our snippets use. Syllable pairs make multi-syllable words
("hòa giải viên", "tổ trưởng") count more than scattered syllables; syllables typed
with diacritics add a small bonus where the snippet has the same diacritics.
A question is out of scope (no result) when the best snippet covers too little of it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from content.qa_loader import Snippet
from handlers.qa import textnorm as tn

K1 = 1.2
B = 0.75
FIELD_WEIGHTS = {"question": 1.0, "keyword": 1.0, "answer": 0.3, "cite": 0.3}
BIGRAM_WEIGHT = 0.6
SYNONYM_WEIGHT = 0.5
REPAIR_WEIGHT = 0.8
EXACT_WEIGHT = 0.25
MIN_COVERAGE = 0.25
MIN_SCORE = 2.0
KEEP_RATIO = 0.25
_EXACT = "="


@dataclass(frozen=True, slots=True)
class Hit:
    snippet: Snippet
    score: float


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    terms: dict[str, float]  # index term → query weight
    # folded content words for the coverage check, each with the canonical phrases
    # of the synonyms it belongs to
    content: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    on_topic: bool  # names the subject (a DOMAIN_ANCHORS phrase)


class QaIndex:
    """An in-memory BM25F index over snippets; build once, query many times."""

    def __init__(
        self,
        snippets: Sequence[Snippet],
        postings: dict[str, list[tuple[int, float]]],
        doc_terms: list[frozenset[str]],
        doc_lengths: list[float],
    ) -> None:
        self._snippets = tuple(snippets)
        self._postings = postings
        self._doc_terms = doc_terms
        self._norm = _length_norms(doc_lengths)
        n = len(snippets)
        self._idf = {
            term: math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
            for term, plist in postings.items()
        }
        self._idf_max = math.log(1 + (n + 0.5) / 0.5)
        self._vocab = {t for t in postings if "_" not in t and not t.startswith(_EXACT)}
        self._deletes = _deletion_index(self._vocab)
        self._by_article: dict[tuple[str, int], list[Snippet]] = defaultdict(list)
        for snippet in self._snippets:
            for cite in dict.fromkeys((c.doc, c.article) for c in snippet.cites):
                self._by_article[cite].append(snippet)

    @classmethod
    def build(cls, snippets: Iterable[Snippet]) -> QaIndex:
        snippets = tuple(snippets)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        doc_terms: list[frozenset[str]] = []
        doc_lengths: list[float] = []
        for idx, snippet in enumerate(snippets):
            weighted: Counter[str] = Counter()
            length = 0.0
            for field, text in _fields(snippet):
                weight = FIELD_WEIGHTS[field]
                raw = tn.syllables(text)
                folded = [tn.fold(t) for t in raw]
                length += weight * len(folded)
                for term in folded + tn.bigrams(folded):
                    weighted[term] += weight
                for token in raw:
                    if tn.has_marks(token):
                        weighted[_EXACT + tn.exact_key(token)] += weight
            for term, tf in weighted.items():
                postings[term].append((idx, tf))
            doc_terms.append(frozenset(weighted))
            doc_lengths.append(length)
        return cls(snippets, dict(postings), doc_terms, doc_lengths)

    @property
    def snippets(self) -> tuple[Snippet, ...]:
        return self._snippets

    def by_article(self, doc: str, article: int) -> list[Snippet]:
        """Snippets citing this article, those naming it first ahead of the others."""
        found = self._by_article.get((tn.nfc(doc), article), [])
        return sorted(found, key=lambda s: (s.cites[0].doc, s.cites[0].article) != (doc, article))

    def search(self, query: str, top: int = 3) -> list[Hit]:
        """The best snippets for a question, or [] when it is out of scope."""
        parsed = self.parse(query)
        scores = self._score(parsed.terms)
        if not scores:
            return []
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        best_idx, best = ranked[0]
        if (
            not parsed.on_topic
            or best < MIN_SCORE
            or self.coverage(parsed, best_idx) < MIN_COVERAGE
        ):
            return []
        return [
            Hit(self._snippets[idx], round(score, 4))
            for idx, score in ranked[:top]
            if score >= KEEP_RATIO * best
        ]

    def parse(self, query: str) -> ParsedQuery:
        raw = tn.syllables(query)
        terms: dict[str, float] = defaultdict(float)
        for token in raw:
            if tn.has_marks(token):
                terms[_EXACT + tn.exact_key(token)] += EXACT_WEIGHT
        folded = tn.expand_abbreviations([tn.fold(t) for t in raw])
        tokens: list[tuple[str, float]] = []
        for token in folded:
            tokens.extend(self._repair(token))
        words = [t for t, _ in tokens]
        for token, weight in tokens:
            terms[token] += weight
        for (a, wa), (b, wb) in zip(tokens, tokens[1:], strict=False):
            terms[f"{a}_{b}"] += BIGRAM_WEIGHT * min(wa, wb)
        synonyms = tn.synonym_matches(words)
        for phrase in self._pair_repairs(words) + [canon for _, _, canon in synonyms]:
            for token in phrase:
                terms[token] += SYNONYM_WEIGHT
            for pair in tn.bigrams(list(phrase)):
                terms[pair] += SYNONYM_WEIGHT * BIGRAM_WEIGHT
        anchored = tn.has_anchor(words) or any(tn.has_anchor(list(c)) for _, _, c in synonyms)
        return ParsedQuery(dict(terms), _content(words, synonyms), anchored)

    def coverage(self, parsed: ParsedQuery, idx: int) -> float:
        """IDF-weighted share of the question's content words found in snippet idx.

        A word also counts as found when the snippet has the canonical phrase of a
        synonym the word is part of ("tiền công" → "thù lao").
        """
        if not parsed.content:
            return 0.0
        terms = self._doc_terms[idx]
        total = found = 0.0
        for token, alternatives in parsed.content:
            weight = self._idf.get(token, self._idf_max)
            total += weight
            if token in terms or any(all(t in terms for t in alt) for alt in alternatives):
                found += weight
        return found / total

    def _score(self, terms: dict[str, float]) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for term, qweight in terms.items():
            plist = self._postings.get(term)
            if not plist:
                continue
            idf = self._idf[term] * qweight
            for idx, tf in plist:
                scores[idx] += idf * tf * (K1 + 1) / (tf + self._norm[idx])
        return scores

    def _repair(self, token: str) -> list[tuple[str, float]]:
        """The token itself if known; otherwise its most likely known reading(s)."""
        if token in self._vocab or token.isdigit():
            return [(token, 1.0)]
        for variant in tn.keyboard_variants(token):
            if variant in self._vocab:
                return [(variant, REPAIR_WEIGHT)]
        split = _segment(token, self._vocab)
        if split:
            return [(part, REPAIR_WEIGHT) for part in split]
        candidates = self._near(token)
        if candidates:
            return [(candidates[0], REPAIR_WEIGHT)]
        return [(token, 1.0)]

    def _pair_repairs(self, words: list[str]) -> list[tuple[str, ...]]:
        """A known syllable typed wrongly inside a known pair ("thu lai" → "thu lao")."""
        out: list[tuple[str, ...]] = []
        for a, b in zip(words, words[1:], strict=False):
            if f"{a}_{b}" in self._postings or a in tn.STOPWORDS and b in tn.STOPWORDS:
                continue
            for cand in self._near(b):
                if f"{a}_{cand}" in self._postings:
                    out.append((a, cand))
                    break
            else:
                for cand in self._near(a):
                    if f"{cand}_{b}" in self._postings:
                        out.append((cand, b))
                        break
        return out

    def _near(self, token: str) -> list[str]:
        """Known syllables one edit (insert, delete, substitute, swap) away, commonest first."""
        if len(token) < 3:
            return []
        found: set[str] = set()
        for key in _deletes(token) | {token}:
            found.update(self._deletes.get(key, ()))
        found.discard(token)
        close = [c for c in found if _damerau1(token, c)]
        return sorted(close, key=lambda c: (-len(self._postings[c]), c))


def _content(
    words: list[str], synonyms: list[tuple[int, int, tuple[str, ...]]]
) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """The distinct content words of a question: no stopwords, no question frame."""
    frame = tn.frame_positions(words)
    alternatives: dict[str, list[tuple[str, ...]]] = {}
    for pos, word in enumerate(words):
        if pos in frame or word in tn.STOPWORDS:
            continue
        alts = alternatives.setdefault(word, [])
        for start, end, canonical in synonyms:
            if start <= pos < end and canonical not in alts:
                alts.append(canonical)
    return tuple((word, tuple(alts)) for word, alts in alternatives.items())


def _fields(snippet: Snippet) -> Iterable[tuple[str, str]]:
    for question in snippet.questions:
        yield "question", question
    for keyword in snippet.keywords:
        yield "keyword", keyword
    yield "answer", snippet.answer
    for cite in snippet.cites:
        yield "cite", f"điều {cite.article} {cite.doc}"


def _length_norms(lengths: list[float]) -> list[float]:
    avg = sum(lengths) / len(lengths) if lengths else 1.0
    return [K1 * (1 - B + B * length / avg) for length in lengths]


def _deletes(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def _deletion_index(vocab: Iterable[str]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = defaultdict(set)
    for word in vocab:
        if len(word) < 2:
            continue
        index[word].add(word)
        for key in _deletes(word):
            index[key].add(word)
    return dict(index)


def _damerau1(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insert, delete, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _segment(token: str, vocab: set[str]) -> list[str] | None:
    """Split syllables typed together ("hoagiaivien") into known ones, fewest parts."""
    if len(token) < 5:
        return None
    best: list[list[str] | None] = [None] * (len(token) + 1)
    best[0] = []
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 7), end - 1):
            piece = token[start:end]
            prev = best[start]
            if prev is not None and piece in vocab:
                candidate = [*prev, piece]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    result = best[-1]
    return result if result and len(result) > 1 else None
