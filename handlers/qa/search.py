"""Search over the Q&A snippets: BM25F over folded syllables and syllable pairs.

Built once from the snippets (`QaIndex.build`); `search` then does no I/O. A question
is folded (no diacritics, đ→d), abbreviations are expanded, out-of-vocabulary
syllables are repaired (Telex/VNI leftovers, words typed together, one typo), and
synonyms add the phrase our snippets use. Syllable pairs make multi-syllable words
("hòa giải viên", "tổ trưởng") count more than scattered syllables; syllables typed
with diacritics add a small bonus where the snippet has the same diacritics.

A question gets no result (out of scope) unless it names the subject (a domain
phrase such as "hòa giải", "thù lao", "tranh chấp") and the best snippet covers
enough of its content words.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from content.qa_loader import Snippet
from handlers.qa import textnorm as tn

K1 = 1.2
B = 0.75
FIELD_WEIGHTS = {"question": 1.0, "keyword": 1.0, "answer": 0.3, "cite": 0.3}
BIGRAM_WEIGHT = 0.6
SYNONYM_WEIGHT = 0.5
REPAIR_WEIGHT = 0.8
EXACT_WEIGHT = 0.3
FRAME_WEIGHT = 0.2
STOP_WEIGHT = 0.5
MIN_COVERAGE = 0.25
MIN_SCORE = 0.2
KEEP_RATIO = 0.25
_EXACT = "="  # prefix of the exact-diacritics terms
_NEAR_CACHE_SIZE = 4096
MAX_QUERY_CHARS = 1000  # a question longer than this is cut
MAX_REPAIR_CHARS = 24  # longer unknown tokens are left alone

Content = tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]


@dataclass(frozen=True, slots=True)
class Hit:
    snippet: Snippet
    score: float


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    terms: dict[str, float]  # index term → query weight
    content: Content  # content words, each with the canonical synonyms it belongs to
    on_topic: bool  # names the subject (a textnorm.DOMAIN_ANCHORS phrase)


class QaIndex:
    """An in-memory BM25F index over snippets; build once, query many times."""

    def __init__(self, snippets: tuple[Snippet, ...], tfs: list[Counter[str]],
                 lengths: list[float]) -> None:
        self._snippets = snippets
        n = len(snippets)
        avg = sum(lengths) / n if n else 1.0
        df: Counter[str] = Counter()
        for tf in tfs:
            df.update(tf.keys())
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._idf_max = math.log(1 + (n + 0.5) / 0.5)
        # Each posting carries its whole BM25 weight, so a query only multiplies and adds.
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for idx, (tf, length) in enumerate(zip(tfs, lengths, strict=True)):
            norm = K1 * (1 - B + B * length / avg)
            for term, freq in tf.items():
                postings[term].append((idx, self._idf[term] * freq * (K1 + 1) / (freq + norm)))
        self._postings = dict(postings)
        self._doc_terms = [frozenset(tf) for tf in tfs]
        self._vocab = frozenset(t for t in df if "_" not in t and not t.startswith(_EXACT))
        self._deletes = _deletion_index(self._vocab)
        self._next: dict[str, set[str]] = defaultdict(set)
        self._prev: dict[str, set[str]] = defaultdict(set)
        for term in df:
            if "_" in term:
                a, b = term.split("_", 1)
                self._next[a].add(b)
                self._prev[b].add(a)
        self._near_cache: dict[str, tuple[str, ...]] = {}
        self._by_article: dict[tuple[str, int], list[Snippet]] = defaultdict(list)
        for snippet in snippets:
            for key in dict.fromkeys((c.doc, c.article) for c in snippet.cites):
                self._by_article[key].append(snippet)

    @classmethod
    def build(cls, snippets: Iterable[Snippet]) -> QaIndex:
        snippets = tuple(snippets)
        tfs: list[Counter[str]] = []
        lengths: list[float] = []
        for snippet in snippets:
            tf: Counter[str] = Counter()
            length = 0.0
            for field, text in _fields(snippet):
                weight = FIELD_WEIGHTS[field]
                raw = tn.syllables(text)
                folded = [tn.fold(t) for t in raw]
                length += weight * len(folded)
                for term in folded + tn.bigrams(folded):
                    tf[term] += weight
                for term in _exact_terms(raw):
                    tf[term] += weight
            tfs.append(tf)
            lengths.append(length)
        return cls(snippets, tfs, lengths)

    @property
    def snippets(self) -> tuple[Snippet, ...]:
        return self._snippets

    def by_article(self, doc: str, article: int) -> list[Snippet]:
        """Snippets citing this article, those citing it first ahead of the others."""
        doc = tn.nfc(doc)
        found = self._by_article.get((doc, article), [])
        return sorted(found, key=lambda s: (s.cites[0].doc, s.cites[0].article) != (doc, article))

    def search(self, query: str, top: int = 3) -> list[Hit]:
        """The best snippets for a question, best first, or [] when it is out of scope."""
        parsed = self.parse(query)
        if not parsed.on_topic:
            return []
        scores = self.score(parsed)
        if not scores:
            return []
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        best_idx, best = ranked[0]
        if best < MIN_SCORE or self.coverage(parsed, best_idx) < MIN_COVERAGE:
            return []
        return [
            Hit(self._snippets[idx], round(score, 4))
            for idx, score in ranked[:top]
            if score >= KEEP_RATIO * best
        ]

    def parse(self, query: str) -> ParsedQuery:
        raw = tn.syllables(query[:MAX_QUERY_CHARS])
        terms: dict[str, float] = defaultdict(float)
        for term in _exact_terms(raw):
            terms[term] += EXACT_WEIGHT
        tokens: list[tuple[str, float]] = []
        typos: dict[int, tuple[str, ...]] = {}
        for token in tn.expand_abbreviations([tn.fold(t) for t in raw]):
            repaired = self._repair(token)
            if repaired is None:
                near = self._near(token)
                typos[len(tokens)] = near
                repaired = [(near[0], REPAIR_WEIGHT)] if near else [(token, 1.0)]
            tokens.extend(repaired)
        for pos, near in typos.items():
            if len(near) > 1:
                tokens[pos] = (self._in_context(near, tokens, pos), REPAIR_WEIGHT)
        words = [t for t, _ in tokens]
        frame = tn.frame_positions(words)
        tokens = [
            (t, w * (FRAME_WEIGHT if i in frame else STOP_WEIGHT if t in tn.STOPWORDS else 1.0))
            for i, (t, w) in enumerate(tokens)
        ]
        for token, weight in tokens:
            terms[token] += weight
        for (a, wa), (b, wb) in zip(tokens, tokens[1:], strict=False):
            terms[f"{a}_{b}"] += BIGRAM_WEIGHT * min(wa, wb)
        synonyms = tn.synonym_matches(words)
        extra = dict.fromkeys([*self._pair_repairs(words), *(c for _, _, c in synonyms)])
        for phrase in extra:
            for token in phrase:
                terms[token] += SYNONYM_WEIGHT
            for pair in tn.bigrams(list(phrase)):
                terms[pair] += SYNONYM_WEIGHT * BIGRAM_WEIGHT
        on_topic = tn.has_anchor(words) or any(tn.has_anchor(list(p)) for p in extra)
        return ParsedQuery(dict(terms), _content(words, synonyms, frame), on_topic)

    def score(self, parsed: ParsedQuery) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        postings = self._postings
        for term, qweight in parsed.terms.items():
            for idx, weight in postings.get(term, ()):
                scores[idx] += qweight * weight
        return scores

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

    def _repair(self, token: str) -> list[tuple[str, float]] | None:
        """The token if known, else its Telex/VNI reading or its split into known
        syllables; None when only a typo correction is left to try."""
        if token in self._vocab or token.isdecimal() or len(token) > MAX_REPAIR_CHARS:
            return [(token, 1.0)]
        for variant in tn.keyboard_variants(token):
            if variant in self._vocab:
                return [(variant, REPAIR_WEIGHT)]
        split = _segment(token, self._vocab)
        if split:
            return [(part, REPAIR_WEIGHT) for part in split]
        return None

    def _in_context(self, near: tuple[str, ...], tokens: list[tuple[str, float]],
                    pos: int) -> str:
        """The typo correction that forms a known pair with a neighbour, else the commonest."""
        before = tokens[pos - 1][0] if pos > 0 else None
        after = tokens[pos + 1][0] if pos + 1 < len(tokens) else None
        def pairs(cand: str) -> int:
            return len(self._postings.get(f"{before}_{cand}", ())) + len(
                self._postings.get(f"{cand}_{after}", ())
            )

        best = max(near, key=pairs)  # max keeps the commonest among equals
        return best if pairs(best) else near[0]

    def _pair_repairs(self, words: list[str]) -> list[tuple[str, ...]]:
        """A real syllable typed wrongly inside a known pair ("thu lai" → "thu lao")."""
        out: list[tuple[str, ...]] = []
        for a, b in zip(words, words[1:], strict=False):
            if b in self._next.get(a, ()) or a in tn.STOPWORDS or b in tn.STOPWORDS:
                continue
            fixed = next((c for c in sorted(self._next.get(a, ())) if _damerau1(b, c)), None)
            if fixed is not None:
                out.append((a, fixed))
                continue
            fixed = next((c for c in sorted(self._prev.get(b, ())) if _damerau1(a, c)), None)
            if fixed is not None:
                out.append((fixed, b))
        return out

    def _near(self, token: str) -> tuple[str, ...]:
        """Known syllables one edit (insert, delete, substitute, swap) away, commonest first."""
        cached = self._near_cache.get(token)
        if cached is not None:
            return cached
        found: set[str] = set()
        if len(token) >= 3:
            for key in _deletes(token) | {token}:
                found.update(self._deletes.get(key, ()))
        close = sorted(
            (c for c in found if _damerau1(token, c)),
            key=lambda c: (-len(self._postings[c]), c),
        )
        if len(self._near_cache) >= _NEAR_CACHE_SIZE:
            self._near_cache.clear()
        self._near_cache[token] = result = tuple(close)
        return result


def _content(
    words: list[str], synonyms: list[tuple[int, int, tuple[str, ...]]], frame: set[int]
) -> Content:
    """The distinct content words of a question: no stopwords, no question frame."""
    alternatives: dict[str, list[tuple[str, ...]]] = {}
    for pos, word in enumerate(words):
        if pos in frame or word in tn.STOPWORDS:
            continue
        alts = alternatives.setdefault(word, [])
        for start, end, canonical in synonyms:
            if start <= pos < end and canonical not in alts:
                alts.append(canonical)
    return tuple((word, tuple(alts)) for word, alts in alternatives.items())


def _exact_terms(raw: list[str]) -> list[str]:
    """Exact-diacritics terms: each marked syllable, and each pair of marked syllables."""
    keys = [tn.exact_key(t) if tn.has_marks(t) else None for t in raw]
    terms = [_EXACT + k for k in keys if k]
    terms += [f"{_EXACT}{a}_{b}" for a, b in zip(keys, keys[1:], strict=False) if a and b]
    return terms


def _fields(snippet: Snippet) -> Iterable[tuple[str, str]]:
    for question in snippet.questions:
        yield "question", question
    for keyword in snippet.keywords:
        yield "keyword", keyword
    yield "answer", snippet.answer
    for cite in snippet.cites:
        yield "cite", f"điều {cite.article} {cite.doc}"


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


def _damerau1(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insert, delete, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _segment(token: str, vocab: frozenset[str]) -> list[str] | None:
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
