#!/usr/bin/env bash
# Data-parallel training of train.py on one or several machines through PaddlePaddle's launcher
# (python -m paddle.distributed.launch). Run the same command on every node; train.py's flags pass through:
#
#   IPS=10.0.0.1,10.0.0.2 NPROC_PER_NODE=8 bash cloud/train_multinode.sh --train_manifest ... --batch_size 256
#
# Nodes find each other in one of two ways:
#   IPS=a,b,...          every node's address, in the same order on all nodes (not 127.0.0.1); each node takes the
#                        rank of its own address (HOST, or what its hostname resolves to). Trainer endpoints are
#                        address:START_PORT+i, so those ports must be open between the nodes.
#   PADDLE_MASTER=ip:port and PADDLE_NNODES=n   a rendezvous server started by the node at ip; ranks follow the
#                        order nodes join. The Kubeflow PaddleJob operator sets these (cloud/k8s/paddlejob.yaml).
# Other settings, all optional:
#   NPROC_PER_NODE       trainer processes on this node (launcher's default: one per visible GPU, 1 on a CPU machine)
#   DEVICES              GPU ids for this node's trainers, e.g. 0,1,2,3
#   HOST                 this node's address as written in IPS
#   START_PORT           first trainer port with IPS (default 36000)
#   JOB_ID               job name, keeps the logs of jobs apart (default deepspeech2)
#   LOG_DIR              where each trainer's workerlog.N goes (default log/$JOB_ID)
#   RESUME_DIR           train.py's --output_model_dir: when it holds params.latest, training resumes from it, so
#                        rerunning the same command (or a restarted pod) continues where the job stopped
#   PADDLE_PG_TIMEOUT    milliseconds a GPU collective waits for a lost peer before failing (default here: 10 min)
#   PYTHON               interpreter (default python3)
# If any trainer dies the launcher stops this node's other trainers and exits non-zero; trainers on the other nodes
# fail on their next collective. With RESUME_DIR set, rerunning the same command resumes from the last checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."

JOB_ID=${JOB_ID:-deepspeech2}
launch_args=(--job_id "$JOB_ID" --log_dir "${LOG_DIR:-log/$JOB_ID}")
if [ -n "${IPS:-}" ]; then
  launch_args+=(--ips "$IPS" --start_port "${START_PORT:-36000}")
fi
if [ -n "${HOST:-}" ]; then
  launch_args+=(--host "$HOST")
fi
if [ -n "${NPROC_PER_NODE:-}" ]; then
  launch_args+=(--nproc_per_node "$NPROC_PER_NODE")
fi
if [ -n "${DEVICES:-}" ]; then
  launch_args+=(--devices "$DEVICES")
fi
if [ -n "${RESUME_DIR:-}" ] && { [ -e "$RESUME_DIR/params.latest" ] || [ -e "$RESUME_DIR/.params.latest.old" ]; }; then
  set -- --init_model_path "$RESUME_DIR/params.latest" "$@"
fi
export PADDLE_PG_TIMEOUT=${PADDLE_PG_TIMEOUT:-600000}

exec "${PYTHON:-python3}" -m paddle.distributed.launch "${launch_args[@]}" train.py "$@"
