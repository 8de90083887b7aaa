# DeepSpeech2 on PaddlePaddle, GPU image: PaddlePaddle's CUDA 12.6 wheel, the CTC decoder and KenLM tools built inside.
#   docker build -t deepspeech2:gpu .
#   docker run --gpus all --shm-size 8g -it -v "$PWD/data:/DeepSpeech2/data" deepspeech2:gpu
# The CUDA runtime, cuDNN and NCCL arrive as pip dependencies of paddlepaddle-gpu, so the base image is plain Debian
# (the distribution setup.sh is tested on); the host needs only the NVIDIA driver and the NVIDIA Container Toolkit.
FROM python:3.11.7-slim-bookworm

ARG PADDLE_VERSION=3.3.1
ARG PADDLE_INDEX=https://www.paddlepaddle.org.cn/packages/stable/cu126/

ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /DeepSpeech2
COPY . .

# setup.sh installs the Debian packages and requirements.txt and builds the decoder; in the image the GPU wheel takes the
# CPU wheel's line in requirements.txt (both provide the `paddle` module, so only one may be installed).
RUN sed -i "s/^paddlepaddle>=.*/paddlepaddle-gpu==${PADDLE_VERSION}/" requirements.txt \
    && PIP_EXTRA_INDEX_URL="${PADDLE_INDEX}" bash setup.sh \
    && rm -rf /var/lib/apt/lists/*

CMD ["/bin/bash"]
