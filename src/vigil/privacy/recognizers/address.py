"""Street addresses in English ("1019 Main St Apt 30") and Portuguese ("Rua das Flores, 123 - Centro").

A house number and a street-type word are both required, which keeps part
numbers, mileage and repair-order numbers out.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from vigil.privacy.recognizers.base import DeclaredPatternRecognizer

_EN_TYPES = r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Way|Ct|Court|Pl|Place|Pkwy|Hwy)"
_EN = (
    rf"\b\d{{1,5}}\s+(?:[A-Za-z][A-Za-z'.-]*\s+){{1,3}}{_EN_TYPES}\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|#)\.?\s*\w{1,5})?"
)
# "Estrada" (road) is left out on purpose: "na estrada" (on the highway) is everyday note vocabulary.
_PT_TYPES = r"(?:Rua|R\.|Avenida|Av\.|Travessa|Tv\.|Alameda|Al\.|Rodovia|Praça|Praca)"
_PT = (
    rf"(?<!\w){_PT_TYPES}\s+(?:[A-Za-zÀ-ÿº°ª'.-]+\s+){{0,4}}?[A-Za-zÀ-ÿ0-9º°ª'.-]+,?\s+(?:n[º°o.]?\s*)?\d{{1,5}}\b"
    r"(?:,?\s+(?:apto|apt|ap|sala|bloco|casa)\.?\s*\d{1,4}\b)?"
    # A neighbourhood after " - " only when it is unmistakably one: notes also use " - " between remarks.
    r"(?:\s+-\s+(?:Centro|(?:Jardim|Jd\.|Vila|Bairro|Parque|Conjunto)\s+[A-Za-zÀ-ÿ]+))?"
)


class StreetAddressRecognizer(DeclaredPatternRecognizer):
    ENTITY = "STREET_ADDRESS"
    REGEX_FLAGS = re.IGNORECASE
    PATTERNS = [Pattern("EN street address", _EN, 0.6), Pattern("PT street address", _PT, 0.6)]
    CONTEXT = ["address", "addr", "pickup", "deliver", "endereco", "end", "retirar", "entregar", "residencia"]
