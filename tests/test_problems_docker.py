"""Problem content that only the sandbox image can check.

rag-pipeline's hidden suite starts from recorded real-model vectors of its spec chunks
(hidden_tests/corpus_vectors.json, sent by the grader to the embedding cache of doubles.py in the candidate's
process) instead of embedding the corpus in every run. A stale recording is never wrong (the cache checks one
vector against the live model and embeds the rest live when they differ), only slow; this test makes it a
failure here instead, so a change to documents.json, the chunking spec or the model cannot silently cost
every grading a second.
"""

from __future__ import annotations

import subprocess

import pytest

from judge.problems.catalog import find_problem

from .conftest import SESSION

pytestmark = pytest.mark.docker

CHECK = """
import sys
from pathlib import Path
sys.path[:0] = ["/p/hidden_tests", "/p/starter", "/p"]
import conftest, doubles, solution
chunks = conftest.spec_chunks(solution.load_documents(Path("/p/starter/documents.json")))
texts = list(dict.fromkeys(c["text"] for c in chunks))
recorded = conftest.read_corpus_vectors()
cache = doubles.EmbeddingCache(solution.load_model())
cache.use_recorded(conftest.recorded_vectors(texts, recorded))
missing = [t[:40] for t in texts if conftest.text_key(t) not in recorded]
used = sum(t in cache.vectors for t in texts)
print(f"texts={len(texts)} recorded={len(recorded)} used={used} missing={missing}")
"""


def test_rag_pipelines_recorded_corpus_vectors_are_current(docker_image: str) -> None:
    folder = find_problem("rag-pipeline").root
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--label", f"ml-judge.session={SESSION}",
         "-v", f"{folder}:/p:ro", "-w", "/tmp", "--tmpfs", "/tmp", docker_image, "python", "-c", CHECK],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    line = done.stdout.strip().splitlines()[-1]
    fix = ("re-record them (problems/rag-pipeline/authoring.md, 'Recorded corpus vectors')")
    counts = dict(part.split("=", 1) for part in line.split(" ", 3))
    assert counts["missing"] == "[]", f"spec chunks without a recorded vector: {line}; {fix}"
    assert counts["texts"] == counts["recorded"] == counts["used"], f"the live model disagrees: {line}; {fix}"
