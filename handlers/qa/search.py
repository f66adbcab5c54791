"""Search over our Q&A snippets and the statutes' clauses: BM25F over folded syllables and
syllable pairs.

Built once (`QaIndex.build`); `search` then does no I/O. Units are our snippets (questions,
keywords, answer) and, when statutes are given, every clause we hold of them (the article's
title and the clause's words, see units.py), so a question no snippet anticipates still
finds its article. A question is folded (no diacritics, đ→d), abbreviations are expanded,
unknown syllables repaired (repair.py) and synonyms add the phrase our snippets use.
Syllable pairs make multi-syllable words count more than scattered syllables; syllables
typed with diacritics add a small bonus where the unit has the same diacritics.

- A long, story-like question weighs its asking sentences (with «?», «xin hỏi», «vậy…»)
  above the story around them.
- A question that names an article's title ("tổ hòa giải được quy định như thế nào") lifts
  that article's clauses.
- The clauses vote for our snippets: a snippet gets a share (ARTICLE_BOOST) of the best
  score among the clauses of an article it cites, so the statute's words and our words agree
  on the article before our explanation of it is shown. The weights were chosen on the sets
  we write (bench/qa-extra.jsonl, qa-statute-dev.jsonl, ../shared/eval/qa-dev.jsonl) and
  checked on real questions held out (bench/qa-real.jsonl).
- The Law's own name in a question ("theo Luật hòa giải ở cơ sở") weighs like a question
  frame: it names no article.
- A question naming another kind of mediation (at court, commercial, labour, at the UBND
  under the land law) gets the snippet that says so first: those snippets are marked
  `outside` and their keywords are the phrases that name it.
- Out of scope (no answer) unless the question names the subject (a domain phrase such as
  "hòa giải", "thù lao", "tranh chấp") and one of the best units (COVERAGE_DEPTH) covers
  enough of its content words.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from content.law_loader import Statute
from content.qa_loader import Document, Snippet, load_documents
from handlers.qa import textnorm as tn
from handlers.qa.repair import Speller
from handlers.qa.units import clause_units

K1 = 1.2
B = 0.75
FIELD_WEIGHTS = {"question": 1.0, "keyword": 1.0, "answer": 0.3, "cite": 0.3, "title": 1.0, "text": 0.5}
BIGRAM_WEIGHT = 0.6
SYNONYM_WEIGHT = 0.5
EXACT_WEIGHT = 0.3
FRAME_WEIGHT = 0.2
STOP_WEIGHT = 0.5
STORY_WEIGHT = 0.35  # the sentences around a long question's ask
STORY_MIN_SYLLABLES = 30
TITLE_SIMILARITY = 0.6  # share of shared content words for a question to name a title
TITLE_BOOST = 0.5
VERBATIM_FACTOR = 0.8  # a clause's score against our snippets' (they are written to answer)
ARTICLE_BOOST = 0.4  # share of the best clause's score of an article given to snippets citing it
COVERAGE_DEPTH = 3  # how many of the best units may show the question is covered
MIN_COVERAGE = 0.25
MIN_SCORE = 0.2
KEEP_RATIO = 0.25
_EXACT = "="  # prefix of the exact-diacritics terms
MAX_QUERY_CHARS = 2000  # a question longer than this is cut
_SENTENCE = re.compile(r"(?<=[.?!;:\n])\s+")
_ASK_OPENINGS = ("vay", "xin hoi", "cho hoi", "toi xin hoi", "hoi", "xin cho biet", "nho")

Content = tuple[tuple[str, tuple[tuple[str, ...], ...], float], ...]


@dataclass(frozen=True, slots=True)
class Hit:
    snippet: Snippet
    score: float


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    terms: dict[str, float]  # index term → query weight
    content: Content  # content words, with the canonical synonyms they belong to, and weight
    on_topic: bool  # names the subject (a textnorm.DOMAIN_ANCHORS phrase)
    words: tuple[str, ...]  # the folded words, repaired, abbreviations expanded


class QaIndex:
    """An in-memory BM25F index over snippets and clauses; build once, query many times."""

    def __init__(self, units: tuple[Snippet, ...], tfs: list[Counter[str]], lengths: list[float]) -> None:
        self._units = units
        n = len(units)
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
        self._unit_terms = [frozenset(tf) for tf in tfs]
        vocab = frozenset(t for t in df if "_" not in t and not t.startswith(_EXACT))
        self._speller = Speller(vocab, (t for t in df if "_" in t and not t.startswith(_EXACT)), df)
        self._titles = [_title_words(u) if u.verbatim else frozenset() for u in units]
        self._gates = tn.PhraseTable(
            {
                tuple(tn.expand_abbreviations([tn.fold(t) for t in tn.syllables(k)])): (str(i),)
                for i, u in enumerate(units)
                if u.outside
                for k in u.keywords
            }
        )
        self._by_article: dict[tuple[str, int | str], list[Snippet]] = defaultdict(list)
        for unit in units:
            if not unit.verbatim:
                for key in dict.fromkeys((c.doc, c.article) for c in unit.cites):
                    self._by_article[key].append(unit)
        # Each unit's articles: a clause's own, a snippet's cited ones (for the article boost).
        self._articles = [tuple(dict.fromkeys((c.doc, c.article) for c in u.cites)) for u in units]

    @classmethod
    def build(
        cls,
        snippets: Iterable[Snippet],
        statutes: Mapping[str, Statute] | None = None,
        documents: Mapping[str, Document] | None = None,
    ) -> QaIndex:
        units = list(snippets)
        if statutes:
            units += clause_units(statutes, documents or load_documents())
        tfs: list[Counter[str]] = []
        lengths: list[float] = []
        for unit in units:
            tf: Counter[str] = Counter()
            length = 0.0
            for field, text in _fields(unit):
                weight = FIELD_WEIGHTS[field]
                raw = tn.syllables(text)
                folded = [tn.fold(t) for t in raw]
                length += weight * len(folded)
                for term in folded + tn.bigrams(folded):
                    tf[term] += weight  # type: ignore[assignment]  # typeshed: Counter counts int only
                for term in _exact_terms(raw):
                    tf[term] += weight  # type: ignore[assignment]  # typeshed: Counter counts int only
            tfs.append(tf)
            lengths.append(length)
        return cls(tuple(units), tfs, lengths)

    @property
    def snippets(self) -> tuple[Snippet, ...]:
        """Every unit: our snippets, then the statutes' clauses (`verbatim`)."""
        return self._units

    def by_article(self, doc: str, article: int | str) -> list[Snippet]:
        """Our snippets citing this article, those citing it first ahead of the others."""
        doc = tn.nfc(doc)
        found = self._by_article.get((doc, article), [])
        return sorted(found, key=lambda s: (s.cites[0].doc, s.cites[0].article) != (doc, article))

    def search(self, query: str, top: int = 3) -> list[Hit]:
        """The best units for a question, best first, or [] when it is out of scope."""
        parsed = self.parse(query)
        gated = {int(i) for _, _, (i,) in self._gates.matches(list(parsed.words))}
        if not parsed.on_topic and not gated:
            return []
        scores = self.score(parsed)
        if not scores and not gated:
            return []
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if gated:
            lead = (ranked[0][1] if ranked else 1.0) + 1.0
            ranked = [(i, lead) for i in sorted(gated)] + [r for r in ranked if r[0] not in gated]
        best = ranked[0][1]
        if not gated and (
            best < MIN_SCORE or max(self.coverage(parsed, i) for i, _ in ranked[:COVERAGE_DEPTH]) < MIN_COVERAGE
        ):
            return []
        hits: list[Hit] = []
        quoted: set[tuple[str, int | str]] = set()  # one clause per article: the best one
        for idx, score in ranked:
            unit = self._units[idx]
            if len(hits) == top or score < KEEP_RATIO * best:
                break
            if unit.verbatim:
                article = (unit.cites[0].doc, unit.cites[0].article)
                if article in quoted:
                    continue
                quoted.add(article)
            hits.append(Hit(unit, round(score, 4)))
        return hits

    def parse(self, query: str) -> ParsedQuery:
        terms: dict[str, float] = defaultdict(float)
        tokens: list[tuple[str, float]] = []
        sentence: list[float] = []  # each token's sentence weight
        breaks: set[int] = set()  # no syllable pair across sentences
        for text, weight in _sentences(query[:MAX_QUERY_CHARS]):
            raw = tn.syllables(text)
            for term in _exact_terms(raw):
                terms[term] += EXACT_WEIGHT * weight
            folded = tn.expand_abbreviations([tn.fold(t) for t in raw])
            breaks.add(len(tokens))
            tokens.extend((t, w * weight) for t, w in self._speller.tokens(folded))
            sentence.extend([weight] * (len(tokens) - len(sentence)))
        words = [t for t, _ in tokens]
        frame = tn.frame_positions(words)
        tokens = [
            (t, w * (FRAME_WEIGHT if i in frame else STOP_WEIGHT if t in tn.STOPWORDS else 1.0))
            for i, (t, w) in enumerate(tokens)
        ]
        for token, weight in tokens:
            terms[token] += weight
        for i in range(1, len(tokens)):
            if i not in breaks:
                (a, wa), (b, wb) = tokens[i - 1], tokens[i]
                terms[f"{a}_{b}"] += BIGRAM_WEIGHT * min(wa, wb)
        synonyms = tn.synonym_matches(words)
        extra = dict.fromkeys([*self._speller.pair_repairs(words), *(c for _, _, c in synonyms)])
        for phrase in extra:
            for token in phrase:
                terms[token] += SYNONYM_WEIGHT
            for pair in tn.bigrams(list(phrase)):
                terms[pair] += SYNONYM_WEIGHT * BIGRAM_WEIGHT
        on_topic = tn.has_anchor(words) or any(tn.has_anchor(list(p)) for p in extra)
        content = _content(words, synonyms, frame, sentence)
        return ParsedQuery(dict(terms), content, on_topic, tuple(words))

    def score(self, parsed: ParsedQuery) -> dict[int, float]:
        totals = [0.0] * len(self._units)
        postings = self._postings
        for term, qweight in parsed.terms.items():
            for idx, weight in postings.get(term, ()):
                totals[idx] += qweight * weight
        scores = {idx: total for idx, total in enumerate(totals) if total}
        asked = frozenset(word for word, _, weight in parsed.content if weight == 1.0)
        by_article: dict[tuple[str, int | str], float] = {}
        for idx in list(scores):
            title = self._titles[idx]
            if not title:
                continue
            scores[idx] *= VERBATIM_FACTOR
            if asked and len(asked & title) / len(asked | title) >= TITLE_SIMILARITY:
                scores[idx] *= 1 + TITLE_BOOST
            for key in self._articles[idx]:
                by_article[key] = max(by_article.get(key, 0.0), scores[idx])
        if ARTICLE_BOOST and by_article:
            for idx in list(scores):
                if not self._titles[idx]:
                    lift = max((by_article.get(k, 0.0) for k in self._articles[idx]), default=0.0)
                    scores[idx] += ARTICLE_BOOST * lift
        return scores

    def coverage(self, parsed: ParsedQuery, idx: int) -> float:
        """IDF-weighted share of the question's content words found in unit idx.

        A word also counts as found when the unit has the canonical phrase of a
        synonym the word is part of ("tiền công" → "thù lao").
        """
        if not parsed.content:
            return 0.0
        terms = self._unit_terms[idx]
        total = found = 0.0
        for token, alternatives, share in parsed.content:
            weight = self._idf.get(token, self._idf_max) * share
            total += weight
            if token in terms or any(all(t in terms for t in alt) for alt in alternatives):
                found += weight
        return found / total


def _sentences(query: str) -> list[tuple[str, float]]:
    """The question's sentences with their weight: in a long, story-like question the
    asking sentences count fully and the story around them less."""
    parts = [p for p in _SENTENCE.split(query) if p.strip()]
    if len(parts) < 2 or len(tn.syllables(query)) < STORY_MIN_SYLLABLES:
        return [(query, 1.0)]
    asks = [i for i, p in enumerate(parts) if "?" in p or tn.fold(p).lstrip(" -:").startswith(_ASK_OPENINGS)]
    if not asks:
        asks = [len(parts) - 1]
    return [(p, 1.0 if i in asks else STORY_WEIGHT) for i, p in enumerate(parts)]


def _title_words(unit: Snippet) -> frozenset[str]:
    words = [tn.fold(t) for t in tn.syllables(unit.questions[0])]
    return frozenset(w for w in words if w not in tn.STOPWORDS)


def _content(
    words: list[str], synonyms: list[tuple[int, int, tuple[str, ...]]], frame: set[int], sentence: list[float]
) -> Content:
    """The distinct content words of a question (no stopwords, no question frame), each
    weighted by its sentence (the story around a long question's ask counts less)."""
    alternatives: dict[str, list[tuple[str, ...]]] = {}
    weights: dict[str, float] = {}
    for pos, word in enumerate(words):
        if pos in frame or word in tn.STOPWORDS:
            continue
        alts = alternatives.setdefault(word, [])
        weights[word] = max(weights.get(word, 0.0), sentence[pos])
        for start, end, canonical in synonyms:
            if start <= pos < end and canonical not in alts:
                alts.append(canonical)
    return tuple((word, tuple(alts), weights[word]) for word, alts in alternatives.items())


def _exact_terms(raw: list[str]) -> list[str]:
    """Exact-diacritics terms: each marked syllable, and each pair of marked syllables."""
    keys = [tn.exact_key(t) if tn.has_marks(t) else None for t in raw]
    terms = [_EXACT + k for k in keys if k]
    terms += [f"{_EXACT}{a}_{b}" for a, b in zip(keys, keys[1:], strict=False) if a and b]
    return terms


def _fields(unit: Snippet) -> Iterable[tuple[str, str]]:
    if unit.verbatim:
        yield "title", unit.questions[0]
        yield "text", unit.answer
        return
    for question in unit.questions:
        yield "question", question
    for keyword in unit.keywords:
        yield "keyword", keyword
    yield "answer", unit.answer
    for cite in unit.cites:
        yield "cite", f"điều {cite.article} {cite.doc}"
