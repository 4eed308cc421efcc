"""Postal addresses end to end: street, number, complement, city, state, postcode, country.

Replacing only the street and keeping ", Columbus, OH 43269" or
"- Centro, Campinas/SP, 13010-050" leaves an address that still locates a
person. Detection works in two steps:

1. **Anchors** -- parts that are an address on their own:
   * a street: a street-type word (English, Portuguese, Spanish, French,
     Italian, German, Dutch, Nordic, Finnish, Slavic; as a word -- "Rua",
     "Avenue", "Via" -- or as a suffix -- "-straße", "-vej", "-katu") with a
     house number before or after it;
   * number + name + number ("3247 Edeby 55": a house number, a street named
     without a type word, its number), as streets are written in many countries;
   * PO and military boxes ("P.O. Box 149", "PSC 3294, Box 9168", "APO AA 61487");
   * a city/state/ZIP tail ("Columbus, OH 43269"), a Brazilian CEP ("CEP 13010-050",
     "01310-100" after a street), a country name with a postcode ("Sweden 99178").
2. **Extension** -- from an anchor, the address runs on over the segments that
   follow it (after a comma, a dash, a line break) while each looks like an
   address part: a complement ("Apt. 243", "apto 12", "Suite 084"), a
   neighbourhood, a city of capitalised words, a state code, a postcode, a country.

Type words in edited text must be capitalised ("Via" the street, not "via app");
in single-case notes case carries no information and any case counts.
"""

from __future__ import annotations

import functools
import re

from vigil.privacy.lexicon import everyday_words, fold, function_words, is_everyday_word
from vigil.privacy.recognizers.base import SpanFunctionRecognizer
from vigil.privacy.truecase import is_single_case

_PREFIX_TYPES = (
    r"Rua|R\.|Avenida|Av\.?|Travessa|Tv\.|Alameda|Al\.|Rodovia|Rod\.|Praça|Praca|Largo|Estrada|Calle|Carrera|"
    r"Camino|Paseo|Rue|Avenue|Boulevard|Bd|Chemin|Route|Allée|Impasse|Place|Via|Viale|Piazza|Strada|Corso|Vicolo|"
    r"ul\.|ulica|Ulica|Aleja|utca|Straße|Strasse"
)
_SUFFIX_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Parkway|Pkwy|Highway|Hwy|"
    r"Close|Crescent|Cres|Terrace|Square|Sq|Circle|Cir|Trail|Trl|Row|Gateway|Gardens|Grove|Hill|Park|Walk|Mews|"
    r"Loop|Pike|Plaza|Point|Ridge|Run|View|Vista|Union|Coves?|Common|Crossing|Estates?|Expressway|Freeway|Heights|"
    r"Junction|Manor|Meadows?|Mill|Mount|Orchard|Pass|Path|Port|Ramp|Spur|Station|Street|Summit|Turnpike|Valley|Wall"
)
# Street names written as one word with a type suffix: Parijsstraat, Mellemvej, Snellmaninkatu, Höfðagata.
_SUFFIX_WORD = (
    r"[A-ZÀ-ÝÆØÅÐÞ][\wÀ-ÿ'-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|straat|laan|gracht|plein|"
    r"gade|vej|vegen|veien|veg|gatan|gata|vägen|katu|tie|kuja|polku|tori|braut|stígur|utca|ulica)"
)
_NAME_WORD = r"[A-ZÀ-ÝÆØÅÐÞΑ-Ω][\wÀ-ÿ'.-]*"
_ANY_WORD = r"[\wÀ-ÿ'.-]+"
_NUMBER = r"\d{1,5}[A-Za-z]?(?:-\d{1,4})?"
_COMPLEMENT = (
    r"(?:Apt|Apto|Ap|Apartment|Suite|Ste|Unit|Sala|Bloco|Bl|Casa|Conj|Lote|Fl|Floor|Andar|Box|#)\.?\s*[\w-]{1,6}"
)
_STATES = r"(?:[A-Z]{2})"
_POSTCODE = r"(?:\d{5}-\d{3}|\d{5}(?:-\d{4})?|\d{4,6}|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[\dA-Z]? ?\d[A-Z]{2})"


# Street types every English address uses: matched in any case ("3858 cedar lane", "1019 MAIN ST").
_COMMON_SUFFIX_TYPES = (
    r"St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Way|Ct|Court|Pl|Place|Pkwy|Parkway|Hwy|Highway|"
    r"Close|Crescent|Terrace|Square"
)


@functools.lru_cache(maxsize=1)
def _usps_suffixes() -> str:
    """The USPS street suffixes (Alley, Bayou, Bluffs, Forks, Rapids...), as Faker's en_US provider lists them."""
    from faker.providers.address.en_US import Provider

    return "|".join(sorted({re.escape(s) for s in Provider.street_suffixes}, key=len, reverse=True))


_STREET_WORDS = rf"(?:{_NAME_WORD}|d[aeo]s?|de|del|della|dei|des|du|la|le|of|the)"
_ANCHORS: tuple[tuple[re.Pattern[str], float, str], ...] = (
    # 1019 Main St / 3858 cedar lane apt 22 / 1499 LAKEVIEW DR
    (
        re.compile(
            rf"\b\d{{1,5}}\s+(?:[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]*\s+){{1,3}}(?:{_COMMON_SUFFIX_TYPES})\b\.?", re.IGNORECASE
        ),
        0.6,
        "number + street + type",
    ),
    # 2456 Rue de Virton 38 / 5112 39 Rue Ibn El-Jazzar / 24 Clarke Avenue / 138 Consul Place / 52 Trajanka Forks
    (
        re.compile(
            rf"\b(?:{_NUMBER}\s+){{1,2}}(?:{_STREET_WORDS}\s+){{1,4}}(?:{_SUFFIX_TYPES}|{_usps_suffixes()})\b\.?"
            rf"(?:\s+{_NUMBER}\b)?"
        ),
        0.6,
        "number + capitalised street + type",
    ),
    # Rákóczi út 13 / Václavské náměstí 12: Central European types written in lower case after the name
    (
        re.compile(
            rf"(?<![\w])(?:{_NUMBER}\s+)?{_NAME_WORD}\s+(?:út|utca|tér|körút|köz|sor|ulice|náměstí|třída)\s+{_NUMBER}\b"
        ),
        0.6,
        "street + lower-case type + number",
    ),
    # Rua das Flores, 123 / av. paulista, 973 / Via dei Fiorentini 17
    (
        re.compile(
            rf"(?<![\w])(?:{_NUMBER}\s+){{0,2}}(?:{_PREFIX_TYPES})\s+(?:{_ANY_WORD}\s+){{0,4}}?{_ANY_WORD},?\s+"
            rf"(?:n[º°o.]?\s*)?{_NUMBER}\b",
            re.IGNORECASE,
        ),
        0.6,
        "type + street + number",
    ),
    (
        re.compile(rf"(?<![\w])(?:{_NUMBER}\s+)?{_SUFFIX_WORD}\s+{_NUMBER}\b"),
        0.6,
        "street word with type suffix + number",
    ),
    (
        re.compile(rf"(?<![\w-])\d{{1,5}}\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}\s+\d{{1,4}}\b(?![.,]\d)"),
        0.5,
        "number + name + number",
    ),
    (
        re.compile(r"\b(?:P\.? ?O\.? ?Box|Postbox|Caixa Postal|C\.P\.|Apartado)\s*\d{1,6}\b", re.IGNORECASE),
        0.7,
        "post-office box",
    ),
    (re.compile(r"\b(?:PSC|Unit|CMR)\s+\d{3,5},?\s+Box\s+\d{2,5}\b", re.IGNORECASE), 0.7, "military box"),
    (re.compile(r"\b(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b", re.IGNORECASE), 0.7, "military post office"),
    # 31 Rue Al Imam Al Bakri: house number, then a street whose type comes first and no number after it.
    (
        re.compile(rf"\b\d{{1,5}}\s+(?:{_PREFIX_TYPES})\s+{_NAME_WORD}(?:\s+(?:{_STREET_WORDS})){{0,4}}"),
        0.6,
        "number + type + street",
    ),
    (re.compile(r"\bCEP:?\s*\d{5}-?\d{3}\b", re.IGNORECASE), 0.7, "Brazilian CEP"),
    (
        re.compile(rf"\b{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}},\s+{_STATES}\s+\d{{5}}(?:-\d{{4}})?\b"),
        0.6,
        "city, state ZIP",
    ),
    # Complements alone ("Apt. 675", "Suite 380") are written with a capital and a number.
    (re.compile(r"\b(?:Apt|Apto|Suite)\.?\s+\d{1,5}\b"), 0.45, "complement"),
)


def _plausible_anchor(text: str, value: str, rule: str, single_case: bool) -> bool:
    """Reject anchors whose words read as a sentence ("10 PSI. LANDED ON HIGHWAY", "via app 3")."""
    words = [w.strip(".,") for w in value.split()]
    alphabetic = [fold(w) for w in words if w and not any(c.isdigit() for c in w)]
    if rule == "number + street + type":
        if (
            any(k in function_words() and k not in _PARTICLE_WORDS for k in alphabetic[:-1])
            or "." in value.rstrip(".")[:-3]
        ):
            return False
        # "4 WHEEL DRIVE", "2 WAY RADIO": in capitals a one-digit "house" needs a type word that is only a street.
        return not (single_case and len(words[0]) < 2 and fold(words[-1]) not in _STREET_ONLY_TYPES)
    if rule == "type + street + number":
        return not _everyday_street(value)
    if rule in ("number + name + number", "street word with type suffix + number"):
        names = [k for k in alphabetic if k not in _PARTICLE_WORDS]
        return not single_case and bool(names) and not any(is_everyday_word(k) for k in names)
    return True


_STREET_ONLY_TYPES = frozenset("st street ave avenue rd road blvd boulevard ln lane hwy highway pkwy parkway".split())
_PARTICLE_WORDS = frozenset("da de do das dos del della dei des du la le of the".split())


@functools.lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    from faker.providers.address.en_US import Provider

    return frozenset(fold(c) for c in Provider.countries) | frozenset(
        fold(c) for c in ("Brasil", "Brazil", "Portugal", "USA", "United States", "UK", "Deutschland", "España")
    )


def _is_country(segment: str) -> bool:
    """A country name, optionally with a postcode: "Tunisia", "United Kingdom 75419"."""
    return fold(" ".join(w for w in segment.split() if not w.isdigit())) in _countries()


_SEGMENT_BREAK = re.compile(r"\s*(?:,|\n|;|\s-\s|/(?=[A-Za-z]{2}\b))\s*(?:[>?]+\s*)?")
# Type words that are also everyday words ("via app", "place 3", "estrada"): in single-case notes they make
# an address only when the street's own name is not everyday vocabulary.
_AMBIGUOUS_TYPES = frozenset("via route place largo estrada corso camino paseo strada".split())
_COMPLEMENT_RE = re.compile(rf"^{_COMPLEMENT}$", re.IGNORECASE)
_POSTCODE_RE = re.compile(rf"^(?:CEP:?\s*)?{_POSTCODE}$", re.IGNORECASE)
_STATE_ZIP = re.compile(rf"^{_STATES}(?:\s+{_POSTCODE})?$")
_PLACE_WORD = re.compile(r"^[A-ZÀ-ÝÆØÅÐÞΑ-Ω][\wÀ-ÿ'.-]*$")
_MAX_SEGMENTS = 5
_MAX_SEGMENT_CHARS = 40


def _is_address_part(segment: str, single_case: bool) -> bool:
    """A complement, postcode, state, country or place name (capitalised words, postcode allowed)."""
    if not segment or len(segment) > _MAX_SEGMENT_CHARS:
        return False
    if _COMPLEMENT_RE.match(segment) or _POSTCODE_RE.match(segment) or _STATE_ZIP.match(segment):
        return True
    postcode_tail = re.search(rf"\s+{_POSTCODE}$", segment)
    if postcode_tail and _is_address_part(segment[: postcode_tail.start()], single_case):
        return True  # "Reading RG1 3EP", "Sweden 99178": a place and its postcode
    words = segment.split()
    if _is_country(segment):
        return True
    if len(words) > 5:
        return False
    names = [w for w in words if not re.fullmatch(_POSTCODE, w)]
    if not names:
        return False
    if len(names) < len(words) and len(names) <= 3 and all(w.isalpha() for w in names):
        return True  # place words and a postcode: "KNIVSTA, nan 18237", "Aalborg NO 9100", "Sweden 99178"
    small = {"do", "da", "de", "dos", "das", "du", "del", "la", "le", "u", "nan", "sur", "am", "an", "der"}
    names = [w for w in names if w.lower() not in small]
    if not names or not all(_PLACE_WORD.match(w) or (single_case and w.isalpha()) for w in names):
        return False
    if single_case and (len(names) > 3 or all(fold(w) in everyday_words() for w in names)):
        return False  # in capitals any word is "capitalised": a city needs a word that is not vocabulary
    return True


def _extend(text: str, end: int, single_case: bool) -> int:
    """End of the address that starts before ``end``: following segments while they are address parts."""
    for _ in range(_MAX_SEGMENTS):
        separator = _SEGMENT_BREAK.match(text, end)
        start = separator.end() if separator else end
        if separator is None and not text[end : end + 1].isspace():
            break
        if separator is None:
            start = end + len(text[end:]) - len(text[end:].lstrip(" "))
        line_end = start
        while line_end < len(text) and text[line_end] not in ",\n;/" and not text.startswith(" - ", line_end):
            line_end += 1
        segment = text[start:line_end].rstrip(" .")
        after_dash = separator is not None and "-" in separator.group()
        candidate = _longest_part(segment, single_case, after_dash)
        if candidate == 0:
            break
        end = start + candidate
    return end


def _longest_part(segment: str, single_case: bool, after_dash: bool) -> int:
    """Length of the part of ``segment`` that continues the address, 0 if none.

    A complement, postcode or state may be followed by more text ("apt 22 cliente
    relata..."); a place name must be the whole segment, so "Motor falhando" after
    an address is not taken for a city. In single-case notes a segment after " - "
    is a place only when it says so (a neighbourhood word): dashes separate remarks.
    """
    whole = _SENTENCE_END.split(segment, maxsplit=1)[0].rstrip(".")  # the sentence may end inside the segment
    if _is_address_part(whole, single_case) and not (single_case and after_dash and not _NEIGHBOURHOOD.match(whole)):
        return len(whole)
    words = list(re.finditer(r"\S+", segment))
    for count in range(min(len(words), 3), 0, -1):
        prefix = segment[: words[count - 1].end()].rstrip(".")
        if (
            _COMPLEMENT_RE.match(prefix)
            or _POSTCODE_RE.match(prefix)
            or _STATE_ZIP.match(prefix)
            or _is_country(prefix)
        ):
            return len(prefix)
    return 0


# "? I am in", ". The car": a sentence ends; "Apt. 805" does not.
_SENTENCE_END = re.compile(r"[?!]|\.\s+(?=[A-Z][a-z]+\s+[a-z])")
_NEIGHBOURHOOD = re.compile(
    r"^(?:centro|(?:jardim|jd\.?|vila|vl\.?|bairro|parque|conjunto|setor)\s+\S+)", re.IGNORECASE
)


def _everyday_street(street: str) -> bool:
    """ "via app 3": an ambiguous type word, not capitalised, before a name made of everyday words only."""
    raw = [w.strip(".,") for w in street.split() if not any(c.isdigit() for c in w)]
    words = [fold(w) for w in raw if w]
    if not words or words[0] not in _AMBIGUOUS_TYPES or (raw[0][0].isupper() and not raw[0].isupper()):
        return False
    if any(w in function_words() and w not in _PARTICLE_WORDS for w in words[1:]):
        return True  # "via app o cliente agendou 3": a sentence, not a street name
    return all(is_everyday_word(w) or len(w) < 3 for w in words[1:])


def find_addresses(text: str) -> list[tuple[int, int, float, str]]:
    """(start, end, score, rule) of every address, anchors extended over their trailing parts."""
    if not any(c.isdigit() for c in text):
        return []
    single_case = is_single_case(text)
    found: list[tuple[int, int, float, str]] = []
    for pattern, score, rule in _ANCHORS:
        position = 0
        while (match := pattern.search(text, position)) is not None:
            if not _plausible_anchor(text, match.group(), rule, single_case):
                position = match.start() + 1  # a rejected candidate may hide a real one inside it
                continue
            end = match.end()
            if rule != "complement" or found:
                end = _extend(text, end, single_case)
            found.append((match.start(), end, score, rule))
            position = match.end()
    return found


class StreetAddressRecognizer(SpanFunctionRecognizer):
    """STREET_ADDRESS: anchors extended to the whole address (see module docstring)."""

    ENTITY = "STREET_ADDRESS"
    FIND = find_addresses
    CONTEXT = ["address", "addr", "pickup", "deliver", "endereco", "endereço", "end", "retirar", "entregar"]
    CONTEXT += ["residencia", "residência"]
    NEEDS_DIGIT = True
