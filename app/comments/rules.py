"""Which comments are questions and which show buying intent — now answered by the comment classifier.

The word lists that lived here moved into :mod:`app.comments.classifier` (vocabulary in
:mod:`app.comments.lexicon`), which also tells the question's kind, the product number, ads, complaints
and praise. These two names stay for callers not yet moved; new code imports from the classifier.
"""

from __future__ import annotations

from app.comments.classifier import intends_to_buy as is_buying_intent
from app.comments.classifier import is_question

__all__ = ["is_buying_intent", "is_question"]
