"""The look-alike test on a crowd of names answers exactly as comparing a new name with every one in use."""

import random

from sandbox.firm.alike import NamesInUse, alike


def near(name: str, rng: random.Random) -> str:
    """The name with a few letters dropped, added or changed."""
    letters = list(name)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(letters) + 1)
        kind = rng.randrange(3)
        if kind == 0 and len(letters) > 1:
            del letters[min(at, len(letters) - 1)]
        elif kind == 1:
            letters.insert(at, rng.choice("aeiorstn"))
        else:
            letters[min(at, len(letters) - 1)] = rng.choice("aeiorstn")
    return "".join(letters)


def test_any_alike_equals_comparing_with_every_name():
    rng = random.Random(4)
    answers = []
    for ending in ["", " logistics", " oil and gas", " " + "x" * 70]:
        index, names = NamesInUse(), []
        for _ in range(300):
            head = "".join(rng.choice("aeiorstnbdk") for _ in range(rng.randint(1, 12)))
            name = near(rng.choice(names), rng) if names and rng.random() < 0.3 else head + ending
            expected = any(alike(name, other) for other in names)
            assert index.any_alike(name) is expected, (name, ending)
            answers.append(expected)
            index.add(name)
            names.append(name)
    assert answers.count(True) > 100 and answers.count(False) > 100
