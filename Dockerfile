# The grading sandbox: a Python virtual environment with the problem-solving stack, the baked
# all-MiniLM-L6-v2 weights, and the in-container harness. Build it with `judge sandbox build`, which
# supplies the wheelhouse/ folder in the build context (so nothing is fetched during the build) and picks
# or makes the base image (python:3.11-slim, or a Debian base from debootstrap when no registry answers).
ARG BASE_IMAGE=python:3.11-slim

# Stage 1: install from the wheelhouse. This stage (and the wheelhouse layer) is thrown away.
FROM ${BASE_IMAGE} AS builder
COPY sandbox/requirements.txt /tmp/requirements.txt
COPY wheelhouse/ /tmp/wheelhouse/
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /tmp/wheelhouse \
        --disable-pip-version-check -r /tmp/requirements.txt \
 && /opt/venv/bin/python -m compileall -q /opt/venv/lib > /dev/null || true \
 && SITE=/opt/venv/lib/python3.11/site-packages \
 && find "$SITE" -depth -type d -name tests -exec rm -rf {} + \
 && rm -rf "$SITE/torch/include" "$SITE/pip" "$SITE"/pip-*.dist-info "$SITE/setuptools" \
        "$SITE"/setuptools-*.dist-info /opt/venv/bin/pip*
# (Packages' own test suites, C++ headers and pip are not needed to grade and cost ~250 MB.)

# Stage 2: the image that runs submissions.
FROM ${BASE_IMAGE}
ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
    OMP_WAIT_POLICY=PASSIVE \
    LANG=C.UTF-8
# The unprivileged user the tests run as; its home is on the scratch tmpfs created per run.
# Written directly rather than with useradd, which a minimal Debian base does not have.
RUN echo 'candidate:x:10001:10001:ml-judge candidate:/scratch/work:/usr/sbin/nologin' >> /etc/passwd \
 && echo 'candidate:x:10001:' >> /etc/group
COPY --from=builder /opt/venv /opt/venv
# The grader: pytest, the hidden tests and the judge's plugin run as this second user, so the candidate's
# code (uid 10001) can neither read the suite nor signal, trace or read the memory of the process that
# decides the verdict. (After the venv layer so that adding it kept that layer's cache.)
RUN echo 'grader:x:10002:10002:ml-judge grader:/scratch/grader:/usr/sbin/nologin' >> /etc/passwd \
 && echo 'grader:x:10002:' >> /etc/group
COPY sandbox/harness.py sandbox/judge_plugin.py sandbox/protocol.py sandbox/runner.py sandbox/rpc.py \
     sandbox/remote.py /opt/judge-harness/
# `judge run -- pytest` in a workspace: the public suites' conftest falls back to sandbox.inprocess there.
COPY sandbox/__init__.py sandbox/inprocess.py /opt/venv/lib/python3.11/site-packages/sandbox/
RUN /opt/venv/bin/python -m compileall -q /opt/judge-harness
LABEL ml-judge.role="sandbox"
WORKDIR /
CMD ["/opt/venv/bin/python", "-I", "/opt/judge-harness/harness.py", "--scratch", "/scratch"]
