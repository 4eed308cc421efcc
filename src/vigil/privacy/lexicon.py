"""What a word is: a person-name word, an everyday word, or unknown.

Every person-name decision in Vigil (truecasing ALL-CAPS notes before NER,
trimming NER spans, the lexicon recognizer, the residual scan's name pairs)
asks the same three questions of a word, so they are answered here once:

* **name word** -- a first name or surname in Faker's locale lists for the
  languages service notes are written in and the people they mention (English,
  Portuguese, Spanish, French, German, Italian, Dutch, Polish), minus stop
  words and minus words that are ordinary vocabulary in notes (``_NOT_NAMES``);
* **everyday word** -- among the most frequent words of English or Portuguese
  (wordfreq's Zipf >= ``EVERYDAY_ZIPF``), e.g. "leak", "valve", "carro";
* **unknown** -- neither: rare surnames, foreign names, but also jargon and
  codes. Unknown words are treated as *possible* names only where other
  evidence (NER, a cue word, a neighbouring name) says so.

Frequencies come from wordfreq, which counts names too ("john" is frequent), so
a word's frequency never decides alone that it is *not* a name: the lexicon is
asked first.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
import unicodedata

# Words that are names in some locale but ordinary in service notes.
NOT_NAMES = frozenset(
    "will mark bill grant chase miles lane price booth wheeler parker ford lincoln mercedes austin "
    "rose ray dean june may april august frank guy art glen jack hunter carter cruz mini royal "
    "brake gear oil pan cam light low long short day young king hill banks rice wood stone "
    "centro golf polo fox beetle ram dodge jeep chevrolet fiat honda toyota nissan hyundai kia "
    "volvo smart page power field fuel gas bay tank major sparks case bell piper beech mooney "
    "bus van post mill marsh north south west east summer winter spring star sun air iban vin cpf cnpj "
    "german french english african".split()
)
# Particles inside names ("João da Silva", "Ludwig van Beethoven"): part of a name only between two name words.
PARTICLES = frozenset("da de do das dos e di del della van von der den dos la le".split())
# Words a technician writes right before a name.
CUE_WORDS = frozenset(
    "mr mrs ms miss dr sr sra srta dra customer cust owner client cliente cli proprietario proprietaria "
    "dono dona motorista driver contact contato sir senhor senhora tecnico technician mecanico mechanic "
    "atendente consultor advisor ministro min relator relatora desembargador "
    "desembargadora deputado deputada juiz juiza doutor doutora prof professor professora advogado advogada "
    "vereador senador governador prefeito sgt".split()
)
# Cue words that are titles of address: what follows them is a name, whatever the word.
HONORIFICS = frozenset("mr mrs ms miss dr dra sr sra srta sir senhor senhora dona".split())
# Second words of Portuguese devotional names ("Maria das Graças", "Maria do Carmo"): ordinary words
# elsewhere, name words right after a particle that follows a name.
DEVOTIONAL = frozenset(
    "gracas dores carmo conceicao penha lourdes fatima neves merces gloria aparecida socorro piedade luz paz "
    "anunciacao assuncao rosario consolacao".split()
)
# Derivational endings of English and Portuguese vocabulary (folded): nouns, adjectives, participles.
VOCABULARY_ENDING = re.compile(
    r"(?:cao|coes|sao|dade|dades|mento|mentos|ario|aria|arios|arias|ante|antes|ente|entes|ismo|ista|istas|ivo|iva|"
    r"ado|ada|ados|adas|ido|ida|idos|idas|oso|osa|avel|ivel|ica|ico|icas|icos|tion|tions|ment|ments|ness|ity|ities|"
    r"ing|ed|able|ible|ical|ance|ence|ive|ous|ory|ize|ise|ship|-se|-lo|-la|-los|-las|-lhe|-me|-nos)$"
)
# Locales whose name lists make up the lexicon (Latin script: the languages of the notes and their people).
NAME_LOCALES = ("en_US", "en_GB", "pt_BR", "pt_PT", "es_ES", "es_MX", "fr_FR", "de_DE", "it_IT", "nl_NL", "pl_PL")
EVERYDAY_ZIPF = 3.5  # about three occurrences per million words: "valve", "hose"; not "cowling", "Lewandowski"
COMMON_WORD_ZIPF = 4.5  # about 30 per million: "water", "porta", "partida"; not "marcus", "aline"
RARE_ZIPF = 2.5  # about three occurrences per ten million words


@functools.lru_cache(maxsize=262144)
def fold(word: str) -> str:
    """Case- and accent-insensitive key: 'JOÃO' -> 'joao'."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Words never taken for a name: function words, ``NOT_NAMES``, cue words and particles."""
    return function_words() | NOT_NAMES | CUE_WORDS | PARTICLES


@functools.lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """English and Portuguese stop words only (articles, prepositions, pronouns), folded."""
    from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
    from spacy.lang.pt.stop_words import STOP_WORDS as PT_STOP

    return frozenset(fold(w) for w in EN_STOP | PT_STOP)


@functools.lru_cache(maxsize=1)
def name_lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), folded, built once per process from Faker's locale providers.

    Names from the notes' own languages (English, Portuguese) are kept even when
    they are frequent words ("Costa", "Martins"); a name from another locale that
    is a common English or Portuguese word (Zipf >= ``COMMON_WORD_ZIPF``:
    "Partida", "Porta", "Cabo", "Water") is dropped: in a service note it is the word.
    """
    excluded = stop_words()
    common = frequent_words(COMMON_WORD_ZIPF)

    def words(names, foreign: bool) -> set[str]:
        keys = {fold(part) for name in names for part in name.split() if len(part) > 2 and part.isalpha()}
        return keys - excluded - (common if foreign else frozenset())

    first, last = set(), set()
    for locale in NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        foreign = not locale.startswith(("en_", "pt_"))
        for attribute in ("first_names_male", "first_names_female", "first_names"):
            first |= words(getattr(provider, attribute, ()), foreign)
        for attribute in ("last_names", "last_names_male", "last_names_female", "unisex_last_names"):
            last |= words(getattr(provider, attribute, ()), foreign)
    return frozenset(first), frozenset(last)


@functools.lru_cache(maxsize=1)
def word_zipf() -> dict[str, float]:
    """Folded word -> highest Zipf frequency in English or Portuguese, for words at least ``RARE_ZIPF`` (wordfreq).

    Read once per process from wordfreq's frequency tables (about 120,000 words);
    a word absent from it is rare.
    """
    from wordfreq import get_frequency_dict

    floor = 10 ** (RARE_ZIPF - 9)
    out: dict[str, float] = {}
    for language in ("en", "pt"):
        for word, frequency in get_frequency_dict(language).items():
            if frequency >= floor:
                key, zipf = fold(word), math.log10(frequency) + 9
                if zipf > out.get(key, 0.0):
                    out[key] = zipf
    return out


@functools.lru_cache(maxsize=4)
def frequent_words(zipf: float) -> frozenset[str]:
    """Folded words of English or Portuguese at least this frequent (wordfreq), names included."""
    return frozenset(key for key, value in word_zipf().items() if value >= zipf)


def everyday_words() -> frozenset[str]:
    """Folded frequent words of English and Portuguese (Zipf >= ``EVERYDAY_ZIPF``), names included (see module doc)."""
    return frequent_words(EVERYDAY_ZIPF)


@functools.lru_cache(maxsize=1)
def all_names() -> frozenset[str]:
    """First names and surnames in one set (built once)."""
    first, last = name_lexicon()
    return first | last


def preload() -> None:
    """Build every table now: worker processes forked afterwards share them instead of each building its own."""
    all_names()
    everyday_words()
    frequent_words(COMMON_WORD_ZIPF)


def is_name_word(key: str) -> bool:
    """``key`` (folded) is a first name or surname in the lexicon."""
    return key in all_names()


def is_first_name(key: str) -> bool:
    return key in name_lexicon()[0]


def is_surname(key: str) -> bool:
    return key in name_lexicon()[1]


def is_distinctive_name(key: str) -> bool:
    """A lexicon name that is not also a frequent word ("Natasja", "Hildebrand"; not "Max", "Bird", "Charles")."""
    return is_name_word(key) and key not in everyday_words()


def is_rare_word(key: str) -> bool:
    """Almost never written in English or Portuguese (Zipf < ``RARE_ZIPF``): "Vsevolod", not "Súmula"."""
    return key not in word_zipf()


@functools.lru_cache(maxsize=16384)
def is_typo_of_everyday_word(key: str) -> bool:
    """One edit (deletion, insertion, substitution, transposition) away from a word that is not rare.

    Notes are typed in a hurry: "reorts", "sttes", "RLEATA" are words, not names.
    """
    if len(key) < 5:
        return False  # short words are one edit from too many others ("yuki" -> "yuri")
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(key[:i], key[i:]) for i in range(len(key) + 1)]
    candidates = (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in letters}
        | {a + c + b for a, b in splits for c in letters}
    )
    return any(not is_rare_word(c) and not is_name_word(c) for c in candidates - {key})


def reads_as_name(key: str, min_length: int = 4) -> bool:
    """A word that is none of: everyday vocabulary, a typo of it, a word form (-ed, -ção), or too short.

    What is left after a cue word or a first name is a name the lexicon lacks
    ("tomomi", "Yoshinaga", "Hildebrand"), not "reorts", "plugged", "IFR" or "GWT".
    Capitals in edited text vouch for three-letter names ("Zak Ong"); in a
    single-case note three letters are as often an abbreviation.
    """
    return (
        len(key) >= min_length
        and not is_everyday_word(key)
        and not is_typo_of_everyday_word(key)
        and VOCABULARY_ENDING.search(key) is None
    )


def is_everyday_word(key: str) -> bool:
    """``key`` (folded) is frequent in English or Portuguese and not a lexicon name (so: vocabulary)."""
    return (key in everyday_words() and not is_name_word(key)) or key in stop_words()


def is_unknown_word(key: str) -> bool:
    """Neither a lexicon name nor everyday vocabulary: a rare name, or jargon."""
    return not is_name_word(key) and not is_everyday_word(key)
