"""Customer and people names: distinct synthetic brands, and the near-miss spellings plants need."""

from __future__ import annotations

import random
from collections import defaultdict

from .alike import NamesInUse

ONSETS = [
    "b",
    "br",
    "c",
    "d",
    "dr",
    "f",
    "g",
    "gr",
    "h",
    "k",
    "kr",
    "l",
    "m",
    "n",
    "p",
    "pr",
    "qu",
    "r",
    "s",
    "st",
    "t",
    "tr",
    "v",
    "w",
    "z",
]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io"]
CODAS = ["", "l", "n", "r", "s", "x", "nd", "rt", "v", "th"]
INDUSTRIES = [
    "Logistics",
    "Analytics",
    "Health",
    "Foods",
    "Energy",
    "Retail",
    "Capital",
    "Software",
    "Media",
    "Pharma",
    "Insurance",
    "Telecom",
    "Mobility",
    "Materials",
    "Oil & Gas",
    "Food & Beverage",
    "Travel & Leisure",
    "Engineering",
    "Biotech",
    "Robotics",
]
# Only the legal suffixes findings.md names, so a clean firm's spellings always normalise equal.
SUFFIXES = {"US": ["Inc", "LLC", "Corp"], "UK": ["Ltd", "Limited"], "DE": ["GmbH"]}
SUFFIX_SPELLINGS = {
    "Inc": ["Inc."],
    "LLC": ["L.L.C."],
    "Corp": ["Corp."],
    "Ltd": ["Ltd.", "Limited"],
    "Limited": ["Ltd"],
    "GmbH": ["G.m.b.H."],
}
# Abbreviated business words and legal forms written out, which customer_name_key equates.
ABBREVIATIONS = {"Engineering": "Eng."}  # the only industry word with a common abbreviation
LEGAL_FORMS = {
    "Inc": "Incorporated",
    "Corp": "Corporation",
    "LLC": "Limited Liability Company",
    "Ltd": "Limited",
    "Limited": "Ltd.",
    "GmbH": "Gesellschaft mit beschränkter Haftung",
}
FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Isla",
    "Jonas",
    "Kara",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wren",
    "Xavier",
    "Yara",
    "Zoe",
    "Anton",
    "Bianca",
    "Carl",
    "Dana",
    "Emil",
    "Freya",
    "Georg",
    "Hanna",
    "Ivan",
    "Julia",
]
LAST = [
    "Adler",
    "Brooks",
    "Carter",
    "Dietz",
    "Ellis",
    "Fischer",
    "Gray",
    "Hoffmann",
    "Irving",
    "Jansen",
    "Keller",
    "Lang",
    "Morgan",
    "Neumann",
    "Owens",
    "Price",
    "Quint",
    "Reed",
    "Schmidt",
    "Turner",
    "Ulrich",
    "Vogel",
    "Walsh",
    "Young",
    "Ziegler",
    "Baker",
    "Cole",
    "Dunn",
    "Evans",
    "Frost",
]


class BrandNames:
    """Pronounceable brands whose full names stay far apart, so no clean pair of customers looks alike."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._used: dict[str, NamesInUse] = defaultdict(NamesInUse)  # industry -> names; alike names share one
        self._brands: dict[str, NamesInUse] = defaultdict(NamesInUse)  # first two letters -> brands in use

    def _brand(self) -> str:
        while True:
            syllables = self._rng.choice([2, 2, 3])
            word = "".join(self._rng.choice(ONSETS) + self._rng.choice(VOWELS) for _ in range(syllables))
            word = (word + self._rng.choice(CODAS)).capitalize()
            if 6 <= len(word) <= 12:
                return word

    def company(self, entity: str, holding: bool = False) -> tuple[str, str]:
        """(full legal name, brand) for a customer contracting with `entity`."""
        while True:
            brand = self._brand()
            middle = self._rng.choice(["Group", "Holdings"]) if holding else self._rng.choice(INDUSTRIES)
            key = f"{brand} {middle}".lower().replace("&", "and")
            same_middle, same_start = self._used[middle], self._brands[brand[:2]]
            if not same_middle.any_alike(key) and not same_start.any_alike(brand):
                same_middle.add(key)
                same_start.add(brand)
                return f"{brand} {middle} {self._rng.choice(SUFFIXES[entity])}", brand


def benign_spelling(name: str, rng: random.Random) -> str:
    """A spelling equal to `name` after normalisation (case, punctuation, &/and, legal suffixes)."""
    head, _, suffix = name.rpartition(" ")
    choices = [head, f"{head}, {rng.choice(SUFFIX_SPELLINGS.get(suffix, [suffix]))}", name.upper()]
    if "&" in name:
        choices.append(name.replace("&", "and"))
    return rng.choice(choices)


def abbreviated(name: str) -> str:
    """The same name with its business words abbreviated and its legal form spelled another way, as
    records typed by different people are: equal only after normalisation."""
    *words, suffix = name.split(" ")
    return " ".join([*(ABBREVIATIONS.get(w, w) for w in words), LEGAL_FORMS.get(suffix, suffix)])


def typo(word: str, rng: random.Random) -> str:
    """One adjacent swap inside the word, as people mistype (or a dropped letter where no swap shows)."""
    spots = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    if not spots:
        return word[:-1]
    i = rng.choice(spots)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def near_spelling(name: str, brand: str, rng: random.Random) -> str:
    """A variant a person would recognise as the same company but normalisation does not equate."""
    kinds = [
        lambda: name.replace(brand, typo(brand, rng)),
        lambda: benign_spelling(name.replace(brand, typo(brand, rng)), rng),
    ]
    if "&" in name:
        kinds.append(lambda: name.replace(brand, typo(brand, rng)).replace("&", "and"))
    return rng.choice(kinds)()
