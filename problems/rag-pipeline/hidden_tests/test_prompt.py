import pytest

HEADER_LINES = [
    "You are a helpful assistant for Lumen Cycles.",
    "Answer the question using only the numbered context passages below.",
    "Cite the passages you use by their number in square brackets, for example [1].",
    "If the context does not contain the answer, reply exactly: I don't know.",
]


def result(doc_id, position, text, score):
    return {
        "id": f"{doc_id}#{position}",
        "doc_id": doc_id,
        "title": doc_id.title(),
        "position": position,
        "text": text,
        "score": score,
    }


RESULTS = [
    result("warranty", 1, "Owners must register their bike in the Lumen app within 60 days.", 0.71),
    result("careplus", 0, "CarePlus costs 149 euros per year.", 0.52),
    result("assembly", 2, "Tighten both pedals to 35 newton metres.", 0.33),
]


@pytest.mark.points(3)
@pytest.mark.requirement("R7")
def test_prompt_matches_template_exactly(candidate):
    """The prompt is exactly the stated template: header, numbered sourced context, question, 'Answer:'."""
    got = candidate.build_prompt("How long is the motor warranty?", RESULTS)
    want = (
        "You are a helpful assistant for Lumen Cycles.\n"
        "Answer the question using only the numbered context passages below.\n"
        "Cite the passages you use by their number in square brackets, for example [1].\n"
        "If the context does not contain the answer, reply exactly: I don't know.\n"
        "\n"
        "Context:\n"
        "[1] (source: warranty) Owners must register their bike in the Lumen app within 60 days.\n"
        "[2] (source: careplus) CarePlus costs 149 euros per year.\n"
        "[3] (source: assembly) Tighten both pedals to 35 newton metres.\n"
        "\n"
        "Question: How long is the motor warranty?\n"
        "Answer:"
    )
    assert got == want, f"prompt differs from the template.\nexpected:\n{want}\n---\ngot:\n{got}"


@pytest.mark.points(2)
@pytest.mark.requirement("R7")
def test_prompt_keeps_rank_order(candidate):
    """Passages are numbered from 1 in the order the results are given (rank order), each with its source."""
    ranked = [
        result("shipping", 2, "Customers receive a tracking link by email.", 0.64),
        result("returns", 0, "Refunds go back to the original payment method.", 0.40),
        result("time-off", 1, "Vacation requests need two weeks notice.", 0.12),
        result("assembly", 0, "Your bike arrives mostly assembled.", 0.05),
    ]
    prompt = candidate.build_prompt("Where is my parcel?", ranked)
    lines = prompt.split("\n")
    want = [f"[{i}] (source: {r['doc_id']}) {r['text']}" for i, r in enumerate(ranked, start=1)]
    found = [line for line in lines if line.startswith("[") and "(source:" in line]
    assert found == want, f"expected context lines {want}, got {found}"


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_prompt_numbers_passages_from_one(candidate):
    """Passages are numbered [1], [2], ... (from 1, not 0), here with results whose rank order is also their
    source order."""
    ranked = [
        result("assembly", 0, "Your bike arrives mostly assembled.", 0.61),
        result("careplus", 0, "CarePlus costs 149 euros per year.", 0.44),
        result("warranty", 1, "Owners must register their bike in the Lumen app within 60 days.", 0.20),
    ]
    lines = candidate.build_prompt("What does CarePlus cost?", ranked).split("\n")
    numbers = [line.split("]", 1)[0] + "]" for line in lines if line.startswith("[") and "(source:" in line]
    assert numbers == ["[1]", "[2]", "[3]"], f"expected passages numbered [1] [2] [3], got {numbers}"


@pytest.mark.points(1)
@pytest.mark.requirement("R7")
def test_prompt_has_every_instruction(candidate):
    """The prompt tells the LLM to use only the context, to cite by number, and to say I don't know."""
    prompt = candidate.build_prompt("Is there a discount for students?", RESULTS[:1])
    lines = prompt.split("\n")
    for line in HEADER_LINES:
        assert line in lines, f"instruction line missing: {line!r}"
    assert lines[-2:] == ["Question: Is there a discount for students?", "Answer:"], (
        f"the prompt should end with the question line and 'Answer:', got {lines[-2:]}"
    )
