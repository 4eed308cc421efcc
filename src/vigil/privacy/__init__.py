"""PII detection and scrubbing: presidio with LGPD/GDPR recognizers, keyed pseudonyms, residual scan.

Only the ``scrub`` stage and the serving log filter call into this package with
raw text; everything they return is scrubbed text and counts, never a value.
"""

import os as _os

# tldextract (used by presidio's email recognizer) downloads the public suffix list
# on first use unless this is empty; the bundled snapshot is what we want, offline.
_os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from vigil.privacy.presidio_import import install as _install_presidio_import

_install_presidio_import()  # presidio's first import skips torch and transformers (3.8 s less start-up)
